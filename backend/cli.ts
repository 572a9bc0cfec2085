/**
 * The `aitl` command. Each subcommand reads the same AITL_* configuration as the server.
 *
 *   aitl serve              start the backend (demo help centre loaded when the knowledge base is empty)
 *   aitl kb import PATH     import a BEIR folder, a JSONL file or a folder of Markdown articles
 *   aitl keys create --tenant T --role R [--name N]   make an API key; the key alone is the last line printed
 *   aitl keys list          list keys (never their secrets)
 *   aitl keys revoke ID     revoke a key for good
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Role } from '../shared/index.ts';
import { ConfigError, loadConfig } from './config.ts';
import { importKnowledge } from './kb/import.ts';
import { ImportError } from './kb/sources.ts';
import { startServer } from './server.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './store/api-keys.ts';
import { openStore, type Store } from './store/connect.ts';

const USAGE = `Usage: aitl <command>

Commands:
  serve                 Start the backend (AITL_HOST, AITL_PORT, AITL_DATABASE_URL)
  kb import PATH        Import knowledge: a BEIR folder (corpus.jsonl), a JSONL file of
                        {id,title,body,url?}, or a folder of Markdown articles
  keys create --tenant T --role agent|analyst|admin [--name N]
                        Make an API key; it is printed once, alone on the last line
  keys list             List API keys (id, tenant, role, name, dates; never secrets)
  keys revoke ID        Revoke an API key for good
  help                  Show this help

Configuration is read from AITL_* environment variables; see README.md.`;

export async function main(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(out);
      case 'kb':
        if (rest[0] === 'import' && rest[1]) return await kbImport(rest[1], out);
        err('Usage: aitl kb import PATH');
        return 2;
      case 'keys':
        return await keysCommand(rest, out, err);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        err(`Unknown command: ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof ImportError) {
      err(error.message);
      return 1;
    }
    throw error;
  }
}

async function serveCommand(out: (line: string) => void): Promise<number> {
  const config = loadConfig();
  const server = await startServer(config);
  const extension = resolve('.output/chrome-mv3');
  out(`AITL backend   ${server.url}  (store: ${server.deps.store.dialect} ${server.deps.store.location}, ${server.deps.knowledge.index.passages.length} passages)`);
  out(`Demo help desk ${server.url}/demo/tickets/1001`);
  out(
    existsSync(extension)
      ? `Extension      load the folder ${extension} in chrome://extensions (Developer mode → Load unpacked)`
      : 'Extension      not built yet: run `npm run build:extension`, then load .output/chrome-mv3 in chrome://extensions',
  );
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return 0;
}

async function kbImport(path: string, out: (line: string) => void): Promise<number> {
  const config = loadConfig();
  const store = await openStore(config.databaseUrl);
  try {
    const summary = await importKnowledge(store.db, path);
    out(`Imported ${summary.articles} articles as ${summary.passages} passages (${summary.format}) into ${store.location}; import ${summary.importId}`);
    return 0;
  } finally {
    await store.close();
  }
}

const KEYS_USAGE = `Usage: aitl keys create --tenant T --role agent|analyst|admin [--name N]
       aitl keys list
       aitl keys revoke ID`;

class UsageError extends Error {}

async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore(config.databaseUrl);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

async function keysCommand(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  try {
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
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(error as Error).message}\n\n${KEYS_USAGE}`);
      return 2;
    }
    throw error;
  }
}

async function keysCreate(args: string[], out: (line: string) => void): Promise<number> {
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
  const { key, info } = await withStore((store) => createApiKey(store.db, { tenant, role: role.data, name: values.name }));
  out(`Created API key ${info.id} for tenant ${info.tenant}, role ${info.role}${info.name ? ` (${info.name})` : ''}.`);
  out('Store it now: only its hash is kept, it cannot be shown again. Send it as Authorization: Bearer <key>.');
  out(key);
  return 0;
}

async function keysList(out: (line: string) => void): Promise<number> {
  const keys = await withStore((store) => listApiKeys(store.db));
  if (keys.length === 0) {
    out('No API keys. Make one with: aitl keys create --tenant T --role agent|analyst|admin');
    return 0;
  }
  const rows = [
    ['ID', 'TENANT', 'ROLE', 'NAME', 'CREATED', 'LAST USED', 'REVOKED'],
    ...keys.map((k) => [k.id, k.tenant, k.role, k.name || '-', k.createdAt, k.lastUsedAt ?? '-', k.revokedAt ?? '-']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const r of rows) out(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  return 0;
}

async function keysRevoke(id: string, out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const result = await withStore((store) => revokeApiKey(store.db, id));
  if (result === 'not_found') {
    err(`No API key ${id}`);
    return 1;
  }
  out(result === 'revoked' ? `Revoked API key ${id}` : `API key ${id} was already revoked`);
  return 0;
}
