/**
 * The `aitl` command. Each subcommand reads the same AITL_* configuration as the server.
 *
 *   aitl serve              start the backend (demo help centre loaded when the knowledge base is empty)
 *   aitl kb import PATH [--tenant T]   import a BEIR folder, a JSONL file or a folder of Markdown articles
 *   aitl keys create --tenant T --role R [--name N]   make an API key; the key alone is the last line printed
 *   aitl keys list          list keys (never their secrets)
 *   aitl keys revoke ID     revoke a key for good
 *   aitl config show [--tenant T]       print a tenant's host-adapter selector overrides (JSON)
 *   aitl config set FILE [--tenant T]   validate a JSON file with HostConfigUpdate and store it for the tenant
 *   aitl eval --dataset DIR [--split test] [--replies] [--json]   retrieval quality and speed on a BEIR folder (last line JSON)
 *   aitl tenants list | kb status | audit   admin views (backend/admin/command.ts)
 * What changes keys, knowledge, selector config or the flywheel is written to the audit log as actor `cli`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { HostConfigUpdate, Role, toIssues } from '../shared/index.ts';
import { auditCli } from './admin/cli-audit.ts';
import { AUDIT_USAGE, auditCommand, KB_STATUS_USAGE, kbStatusCommand, TENANTS_USAGE, tenantsCommand } from './admin/command.ts';
import { ConfigError, loadConfig } from './config.ts';
import { EVAL_USAGE, evalCommand } from './eval/command.ts';
import { EXPORT_USAGE, exportCommand } from './exports/command.ts';
import { FLYWHEEL_USAGE, flywheelCommand } from './flywheel/command.ts';
import { SIMULATE_USAGE, simulateCommand } from './flywheel/simulate/command.ts';
import { GAPS_USAGE, gapsCommand } from './flywheel/gaps-command.ts';
import { ImportBusyError, ingestKnowledge } from './kb/ingest.ts';
import { ImportError } from './kb/sources.ts';
import { SHARED_KNOWLEDGE } from './rag/knowledge-bases.ts';
import { ListenError, startServer } from './server.ts';
import { createApiKey, getApiKey, listApiKeys, revokeApiKey } from './store/api-keys.ts';
import { GLOBAL_AUDIT_TENANT } from './store/audit.ts';
import { openStore, type Store } from './store/connect.ts';
import { EMPTY_HOST_CONFIG_JSON, getHostConfig, putHostConfig } from './store/host-config.ts';

const USAGE = `Usage: aitl <command>

Commands:
  serve                 Start the backend (AITL_HOST, AITL_PORT, AITL_DATABASE_URL)
  kb import PATH [--tenant T]
                        Import knowledge: a BEIR folder (corpus.jsonl), a JSONL file of
                        {id,title,body,url?}, or a folder of Markdown articles, into tenant T's
                        own knowledge base, or without --tenant into the shared one (it serves
                        every tenant that has none of its own)
  kb status [--tenant T] [--json]
                        The knowledge base serving T: newest import, passages stored, index version
  tenants list [--json] Every tenant: keys by role, annotations, suggestions, last activity
  audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]
                        The audit log, newest first (admin API and command-line changes, exports)
  keys create --tenant T --role agent|analyst|admin [--name N]
                        Make an API key; it is printed once, alone on the last line
  keys list             List API keys (id, tenant, role, name, dates; never secrets)
  keys revoke ID        Revoke an API key for good
  config show [--tenant T]
                        Print the tenant's host-adapter selector overrides as JSON
  config set FILE [--tenant T]
                        Check a JSON file of selector overrides and store it for the tenant
                        (default tenant: AITL_DEFAULT_TENANT)
  eval --dataset DIR [--split test] [--replies] [--json]
                        Measure retrieval on a BEIR folder in a throwaway store; the last
                        line is a JSON object of recall@75, precision@8, MRR, nDCG@10, timings
  flywheel run [--tenant T] [--json] [--regression DIR [--split S]]
                        One cycle per tenant with signals (or for T only): quality gate, train on
                        its signals, evaluate on held-out checks, promote or keep
  flywheel status [--tenant T] [--json]
                        The tenant's current versions, registry and recent runs
  flywheel rollback VERSION [--tenant T]
                        Make an earlier version (or ranking-default / variants-default) current again
  simulate --dataset DIR [--cycles N] [--agents K] [--noise P] [--seed S] [--json] [--out DIR] [--store PATH]
                        Run the flywheel on a BEIR folder: simulated agents replay its train split
                        through the API; report.md and plot.svg of its test split per cycle
  gaps [--tenant T] [--json] [--limit N]
                        The gap queue: missing-knowledge reports grouped, biggest first
  export --kind dpo|sft|kto|retrieval|beir|gaps|all --out DIR [--since ISO|last] [--until ISO] [--tenant T]
         [--passed-gate] [--min-weight N] [--exclude-reason R]... [--min-edit-similarity N]
                        Write training-set files and manifest.json into DIR (progress on stderr)
  help [COMMAND]        Show this help, or one command's (also: aitl COMMAND --help)

Configuration is read from AITL_* environment variables; see README.md.`;

const SERVE_USAGE = `Usage: aitl serve

Starts the backend on AITL_HOST:AITL_PORT with the store AITL_DATABASE_URL (every AITL_* variable: README.md).
It loads the demo help centre when the knowledge base is empty (AITL_DEMO=false: never) and runs until stopped.`;

const KB_IMPORT_USAGE = `Usage: aitl kb import PATH [--tenant T]

PATH: a BEIR folder (corpus.jsonl), a JSONL file of {id,title,body,url?,tags?}, or a folder of Markdown articles.
--tenant T  import into T's own knowledge base; without it, into the shared one (serving every tenant without its own)`;

const KB_USAGE = `${KB_IMPORT_USAGE}\n\n${KB_STATUS_USAGE}`;

/**
 * Each command's own usage, for `aitl <command> --help`, `-h` and `aitl help <command>` (a function: some of these
 * texts are declared further down the module).
 */
const commandUsage = (): Record<string, string> => ({
  serve: SERVE_USAGE,
  kb: KB_USAGE,
  keys: KEYS_USAGE,
  config: CONFIG_USAGE,
  eval: EVAL_USAGE,
  flywheel: FLYWHEEL_USAGE,
  tenants: TENANTS_USAGE,
  audit: AUDIT_USAGE,
  simulate: SIMULATE_USAGE,
  gaps: GAPS_USAGE,
  export: EXPORT_USAGE,
});

/** Whether the arguments ask for help: `--help` or `-h` anywhere before a `--`. */
function asksForHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export async function main(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const [command, ...rest] = argv;
  // Help is answered before anything reads the configuration or opens a store: it works on any machine.
  const usages = commandUsage();
  if (command !== undefined && Object.hasOwn(usages, command) && asksForHelp(rest)) {
    out(usages[command]!);
    return 0;
  }
  if (command === 'help' && rest.length > 0) {
    const usage = Object.hasOwn(usages, rest[0]!) ? usages[rest[0]!] : undefined;
    if (usage === undefined) {
      err(`Unknown command: ${rest[0]}\n\n${USAGE}`);
      return 2;
    }
    out(usage);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        if (rest.length > 0) {
          err(`Unexpected argument: ${rest[0]}\n\n${SERVE_USAGE}`);
          return 2;
        }
        return await serveCommand(out);
      case 'kb':
        if (rest[0] === 'import') return await kbImport(rest.slice(1), out, err);
        if (rest[0] === 'status') return await kbStatusCommand(rest.slice(1), out, err);
        err(KB_USAGE);
        return 2;
      case 'keys':
        return await keysCommand(rest, out, err);
      case 'config':
        return await configCommand(rest, out, err);
      case 'eval':
        return await evalCommand(rest, out, err);
      case 'flywheel':
        return await flywheelCommand(rest, out, err);
      case 'tenants':
        return await tenantsCommand(rest, out, err);
      case 'audit':
        return await auditCommand(rest, out, err);
      case 'simulate':
        return await simulateCommand(rest, out, err);
      case 'gaps':
        return await gapsCommand(rest, out, err);
      case 'export':
        return await exportCommand(rest, out, err);
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
    if (error instanceof ConfigError || error instanceof ImportError || error instanceof ImportBusyError || error instanceof ListenError) {
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
  const served = await server.deps.knowledge.of(server.deps.config.defaultTenant);
  out(`AITL backend   ${server.url}  (store: ${server.deps.store.dialect} ${server.deps.store.location}, ${served.passages.length} passages for tenant ${server.deps.config.defaultTenant})`);
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

async function kbImport(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  let parsed: { values: { tenant?: string | undefined }; positionals: string[] };
  try {
    parsed = parseArgs({ args, options: { tenant: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    err(`${(error as Error).message}\n\n${KB_IMPORT_USAGE}`);
    return 2;
  }
  const [path, ...extra] = parsed.positionals;
  const tenant = parsed.values.tenant?.trim();
  if (!path || extra.length > 0 || tenant === '' || (tenant && tenant.length > 128)) {
    err('Usage: aitl kb import PATH [--tenant T]   (one PATH; T 1 to 128 characters)');
    return 2;
  }
  const config = loadConfig();
  // AITL_KNOWLEDGE=shared keeps one knowledge base for all: a tenant named here imports into it too.
  const base = tenant && config.knowledge !== 'shared' ? tenant : SHARED_KNOWLEDGE;
  const store = await openStore(config.databaseUrl);
  try {
    const result = await ingestKnowledge(store, path, { base, embed: config.embed });
    const into = base === SHARED_KNOWLEDGE ? 'the shared knowledge base' : `tenant ${base}'s knowledge base`;
    out(`Imported ${result.articles} articles as ${result.passages} passages (${result.format}) into ${into} in ${store.location}; import ${result.importId}`);
    await auditCli({
      tenant: base === SHARED_KNOWLEDGE ? GLOBAL_AUDIT_TENANT : base,
      action: 'kb.import',
      target: result.importId,
      detail: { source: path, format: result.format, articles: result.articles, passages: result.passages, base },
    });
    if (result.embedding && 'error' in result.embedding) out(`Embeddings not stored (${result.embedding.error}); run the import again to retry`);
    else if (result.embedding) out(`Embedded ${result.embedding.embedded} passages with ${config.embed!.model}`);
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
  if (tenant === GLOBAL_AUDIT_TENANT) throw new UsageError(`--tenant ${GLOBAL_AUDIT_TENANT} is reserved (the audit log's "every tenant")`);
  const { key, info } = await withStore((store) => createApiKey(store.db, { tenant, role: role.data, name: values.name }));
  await auditCli({ tenant, action: 'key.create', target: info.id, detail: { role: info.role, name: info.name } });
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
  const { result, tenant } = await withStore(async (store) => ({ result: await revokeApiKey(store.db, id), tenant: (await getApiKey(store.db, id))?.tenant }));
  if (result === 'not_found') {
    err(`No API key ${id}`);
    return 1;
  }
  if (result === 'revoked' && tenant !== undefined) await auditCli({ tenant, action: 'key.revoke', target: id, detail: { result } });
  out(result === 'revoked' ? `Revoked API key ${id}` : `API key ${id} was already revoked`);
  return 0;
}

const CONFIG_USAGE = `Usage: aitl config show [--tenant T]
       aitl config set FILE [--tenant T]`;

async function configCommand(args: string[], out: (line: string) => void, err: (line: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  try {
    if (sub !== 'show' && sub !== 'set') throw new UsageError(sub === undefined ? 'Missing subcommand' : `Unknown subcommand: config ${sub}`);
    const { values, positionals } = parseArgs({ args: rest, options: { tenant: { type: 'string' } }, strict: true, allowPositionals: true });
    const tenantFlag = values.tenant?.trim();
    if (tenantFlag !== undefined && (!tenantFlag || tenantFlag.length > 128)) throw new UsageError('--tenant must be 1 to 128 characters');
    if (sub === 'show') {
      if (positionals.length > 0) throw new UsageError(`Unexpected argument: ${positionals[0]}`);
      return await configShow(tenantFlag, out);
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'Name the JSON file to store' : `Unexpected argument: ${positionals[1]}`);
    return await configSet(positionals[0]!, tenantFlag, out, err);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      err(`${(error as Error).message}\n\n${CONFIG_USAGE}`);
      return 2;
    }
    throw error;
  }
}

async function configShow(tenantFlag: string | undefined, out: (line: string) => void): Promise<number> {
  const tenant = tenantFlag ?? loadConfig().defaultTenant;
  const stored = await withStore((store) => getHostConfig(store.db, tenant));
  out(JSON.stringify(JSON.parse(stored?.json ?? EMPTY_HOST_CONFIG_JSON), null, 2));
  return 0;
}

async function configSet(file: string, tenantFlag: string | undefined, out: (line: string) => void, err: (line: string) => void): Promise<number> {
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
  await withStore((store) => putHostConfig(store.db, tenant, parsed.data, null));
  const hosts = Object.entries(parsed.data.selectors).map(([host, keys]) => `${host} (${Object.keys(keys ?? {}).length})`);
  out(`Stored host config for tenant ${tenant}: ${hosts.length > 0 ? `selector overrides for ${hosts.join(', ')}` : 'no selector overrides'}.`);
  if (parsed.data.settings) out(`Extension settings for the tenant: ${Object.keys(parsed.data.settings).join(', ') || 'none'}.`);
  await auditCli({ tenant, action: 'config.set', target: null, detail: { hosts: Object.keys(parsed.data.selectors), settings: Object.keys(parsed.data.settings ?? {}) } });
  return 0;
}
