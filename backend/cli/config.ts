/**
 * `aitl config show [--tenant T]`: print a tenant's host-adapter selector overrides (JSON).
 * `aitl config set FILE [--tenant T]`: validate a JSON file with HostConfigUpdate and store it for the tenant.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { HostConfigUpdate, toIssues } from '../../shared/index.ts';
import { loadConfig } from '../config.ts';
import { EMPTY_HOST_CONFIG_JSON, getHostConfig, putHostConfig } from '../store/host-config.ts';
import { auditCli, type Command, type Out, UsageError, withStore, withUsage } from './kit.ts';

const CONFIG_USAGE = `Usage: aitl config show [--tenant T]
       aitl config set FILE [--tenant T]`;

export const config: Command = {
  usage: CONFIG_USAGE,
  run: (args, out, err) =>
    withUsage(CONFIG_USAGE, err, async () => {
      const [sub, ...rest] = args;
      if (sub !== 'show' && sub !== 'set') throw new UsageError(sub === undefined ? 'Missing subcommand' : `Unknown subcommand: config ${sub}`);
      const { values, positionals } = parseArgs({ args: rest, options: { tenant: { type: 'string' } }, strict: true, allowPositionals: true });
      const tenantFlag = values.tenant?.trim();
      if (tenantFlag !== undefined && (!tenantFlag || tenantFlag.length > 128)) throw new UsageError('--tenant must be 1 to 128 characters');
      if (sub === 'show') {
        if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
        return await configShow(tenantFlag, out);
      }
      if (positionals.length !== 1)
        throw new UsageError(positionals.length === 0 ? 'Name the JSON file to store' : `Unexpected argument: ${positionals[1]}`);
      return await configSet(positionals[0]!, tenantFlag, out, err);
    }),
};

async function configShow(tenantFlag: string | undefined, out: Out): Promise<number> {
  const tenant = tenantFlag ?? loadConfig().defaultTenant;
  const stored = await withStore((store) => getHostConfig(store.db, tenant));
  out(JSON.stringify(JSON.parse(stored?.json ?? EMPTY_HOST_CONFIG_JSON), null, 2));
  return 0;
}

async function configSet(file: string, tenantFlag: string | undefined, out: Out, err: Out): Promise<number> {
  const tenant = tenantFlag ?? loadConfig().defaultTenant;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    err(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
    return 1;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    err(`${file}: not valid JSON: ${(error as Error).message}`);
    return 1;
  }
  const parsed = HostConfigUpdate.safeParse(value);
  if (!parsed.success) {
    for (const issue of toIssues(parsed.error)) err(`${file}: ${issue.path}: ${issue.message}`);
    err('Nothing was stored.');
    return 1;
  }
  await withStore(async (store) => {
    await putHostConfig(store.db, tenant, parsed.data, null);
    await auditCli(store.db, {
      tenant,
      action: 'config.set',
      target: null,
      detail: { hosts: Object.keys(parsed.data.selectors), settings: Object.keys(parsed.data.settings ?? {}) },
    });
  });
  const hosts = Object.entries(parsed.data.selectors).map(([host, keys]) => `${host} (${Object.keys(keys ?? {}).length})`);
  out(`Stored host config for tenant ${tenant}: ${hosts.length > 0 ? `selector overrides for ${hosts.join(', ')}` : 'no selector overrides'}.`);
  if (parsed.data.settings) out(`Extension settings for the tenant: ${Object.keys(parsed.data.settings).join(', ') || 'none'}.`);
  return 0;
}
