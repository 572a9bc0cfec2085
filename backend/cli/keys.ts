/**
 * `aitl keys create --tenant T --role R [--name N]`: make an API key; the key alone is the last line printed.
 * `aitl keys list`: every key (never its secret). `aitl keys revoke ID`: revoke a key for good.
 */
import { parseArgs } from 'node:util';
import { Role } from '../../shared/index.ts';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from '../store/api-keys.ts';
import { GLOBAL_AUDIT_TENANT } from '../store/audit.ts';
import { auditCli, type Command, type Out, table, UsageError, withStore, withUsage } from './kit.ts';

const KEYS_USAGE = `Usage: aitl keys create --tenant T --role agent|analyst|admin [--name N]
       aitl keys list
       aitl keys revoke ID`;

export const keys: Command = {
  usage: KEYS_USAGE,
  run: (args, out, err) =>
    withUsage(KEYS_USAGE, err, async () => {
      const [sub, ...rest] = args;
      switch (sub) {
        case 'create':
          return await keysCreate(rest, out);
        case 'list':
          if (rest.length > 0) throw new UsageError(`Unexpected argument: ${rest[0]}`);
          return await keysList(out);
        case 'revoke':
          if (rest.length !== 1 || !rest[0]) throw new UsageError('Name the key to revoke by its id');
          return await keysRevoke(rest[0], out, err);
        default:
          throw new UsageError(sub === undefined ? 'Missing subcommand' : `Unknown subcommand: keys ${sub}`);
      }
    }),
};

async function keysCreate(args: string[], out: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { tenant: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const tenant = values.tenant?.trim();
  if (!tenant || tenant.length > 128) throw new UsageError('--tenant is required (1 to 128 characters)');
  const role = Role.safeParse(values.role);
  if (!role.success) throw new UsageError(`--role must be one of ${Role.options.join(', ')}`);
  if (tenant === GLOBAL_AUDIT_TENANT) throw new UsageError(`--tenant ${GLOBAL_AUDIT_TENANT} is reserved (the audit log's "every tenant")`);
  const { key, info } = await withStore(async (store) => {
    const created = await createApiKey(store.db, { tenant, role: role.data, name: values.name });
    await auditCli(store.db, { tenant, action: 'key.create', target: created.info.id, detail: { role: created.info.role, name: created.info.name } });
    return created;
  });
  out(`Created API key ${info.id} for tenant ${info.tenant}, role ${info.role}${info.name ? ` (${info.name})` : ''}.`);
  out('Store it now: only its hash is kept, it cannot be shown again. Send it as Authorization: Bearer <key>.');
  out(key);
  return 0;
}

async function keysList(out: Out): Promise<number> {
  const keys = await withStore((store) => listApiKeys(store.db));
  if (keys.length === 0) {
    out('No API keys. Make one with: aitl keys create --tenant T --role agent|analyst|admin');
    return 0;
  }
  table(
    out,
    ['ID', 'TENANT', 'ROLE', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'],
    keys.map((k) => [k.id, k.tenant, k.role, k.name || '-', k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-']),
  );
  return 0;
}

async function keysRevoke(id: string, out: Out, err: Out): Promise<number> {
  const result = await withStore(async (store) => {
    const revoked = await revokeApiKey(store.db, id);
    const tenant = (await getApiKey(store.db, id))?.tenant;
    if (revoked === 'revoked' && tenant !== undefined)
      await auditCli(store.db, { tenant, action: 'key.revoke', target: id, detail: { result: revoked } });
    return revoked;
  });
  if (result === 'not_found') {
    err(`No API key ${id}`);
    return 1;
  }
  out(result === 'revoked' ? `Revoked API key ${id}` : `API key ${id} was already revoked`);
  return 0;
}
