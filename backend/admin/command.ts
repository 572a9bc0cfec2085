/**
 * Admin commands against the configured store:
 *
 *   aitl tenants list [--json]                                     every tenant with counts
 *   aitl kb status [--json]                                        newest import, passages, index version
 *   aitl audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]   the audit log, newest first
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { createKnowledge } from '../rag/knowledge.ts';
import { queryAudit } from '../store/audit.ts';
import { openStore, type Store } from '../store/connect.ts';
import { kbStatus } from './kb.ts';
import { tenantSummaries } from './tenants.ts';

type Out = (line: string) => void;

export const TENANTS_USAGE = `Usage: aitl tenants list [--json]

Every tenant: keys by role (active, revoked), annotations, suggestions, last activity, whether it has a host config.`;

export const KB_STATUS_USAGE = `Usage: aitl kb status [--tenant T] [--json]

The knowledge base serving tenant T (default AITL_DEFAULT_TENANT): its newest import, passages stored, index version.`;

export const AUDIT_USAGE = `Usage: aitl audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]

The audit log, newest first: admin API and command-line changes, exports. --limit from 1 to 10000 (default 100).`;

export const ADMIN_USAGE = `Usage:
  aitl tenants list [--json]
  aitl kb status [--tenant T] [--json]
  aitl audit [--tenant T] [--action A] [--since ISO] [--limit N] [--json]`;

async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(loadConfig().databaseUrl);
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

/** Runs a flag parse; a usage error is printed (the caller answers exit code 2). */
function flags<T>(parse: () => T, err: Out): T | undefined {
  try {
    return parse();
  } catch (error) {
    err(`${(error as Error).message}\n\n${ADMIN_USAGE}`);
    return undefined;
  }
}

const JSON_FLAG = { json: { type: 'boolean' } } as const;

/** Rows as aligned columns. */
function table(out: Out, header: string[], rows: string[][]): void {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  for (const r of all) out(r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

export async function tenantsCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'list') {
    err(ADMIN_USAGE);
    return 2;
  }
  const values = flags(() => parseArgs({ args: rest, options: JSON_FLAG, strict: true }).values, err);
  if (!values) return 2;
  const tenants = await withStore((store) => tenantSummaries(store.db));
  if (values.json) {
    out(JSON.stringify({ items: tenants }));
    return 0;
  }
  if (tenants.length === 0) {
    out('No tenants yet: a tenant exists once a key is made for it (aitl keys create --tenant T --role agent).');
    return 0;
  }
  table(
    out,
    ['TENANT', 'KEYS', 'REVOKED', 'AGENT/ANALYST/ADMIN', 'ANNOTATIONS', 'SUGGESTIONS', 'LAST ACTIVITY', 'CONFIG'],
    tenants.map((t) => [
      t.tenant,
      String(t.keys.active),
      String(t.keys.revoked),
      `${t.keys.agent}/${t.keys.analyst}/${t.keys.admin}`,
      String(t.annotations),
      String(t.suggestions),
      t.lastActivityAt ?? '-',
      t.hostConfig ? 'yes' : '-',
    ]),
  );
  return 0;
}

export async function kbStatusCommand(args: string[], out: Out, err: Out): Promise<number> {
  const values = flags(() => parseArgs({ args, options: { ...JSON_FLAG, tenant: { type: 'string' } }, strict: true }).values, err);
  if (!values) return 2;
  const config = loadConfig();
  const tenant = values.tenant ?? config.defaultTenant;
  const status = await withStore(async (store) => kbStatus({ store, knowledge: await createKnowledge(store.db, { embedModel: config.embed?.model, mode: config.knowledge }) }, tenant));
  if (values.json) {
    out(JSON.stringify(status));
    return 0;
  }
  out(`knowledge base  ${status.base === '*' ? 'shared (*)' : status.base} serving tenant ${tenant}`);
  const last = status.latestImport;
  out(last ? `latest import ${last.id}: ${last.articles} articles as ${last.passages} passages (${last.format}) from ${last.source}, ${last.createdAt}` : 'no import yet');
  out(`passages stored ${status.passages}`);
  out(`index version   ${status.indexVersion}`);
  return 0;
}

export async function auditCommand(args: string[], out: Out, err: Out): Promise<number> {
  const options = { tenant: { type: 'string' }, action: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, ...JSON_FLAG } as const;
  const values = flags(() => parseArgs({ args, options, strict: true }).values, err);
  if (!values) return 2;
  const limit = values.limit === undefined ? 100 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
    err(`--limit must be a whole number from 1 to 10000\n\n${ADMIN_USAGE}`);
    return 2;
  }
  if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
    err(`--since must be an ISO 8601 time\n\n${ADMIN_USAGE}`);
    return 2;
  }
  const entries = await withStore((store) =>
    queryAudit(store.db, {
      tenants: values.tenant === undefined ? undefined : [values.tenant],
      action: values.action,
      since: values.since,
      limit,
    }),
  );
  if (values.json) {
    out(JSON.stringify({ items: entries }));
    return 0;
  }
  if (entries.length === 0) {
    const scope = [
      values.tenant === undefined ? '' : ` of tenant ${values.tenant}`,
      values.action === undefined ? '' : ` with action ${values.action}`,
      values.since === undefined ? '' : ` since ${values.since}`,
    ].join('');
    out(`No audit entries${scope} yet.`);
    return 0;
  }
  table(
    out,
    ['AT', 'TENANT', 'ACTOR', 'ROLE', 'ACTION', 'TARGET', 'DETAIL'],
    entries.map((e) => [e.at, e.tenant, e.actor, e.role, e.action, e.target ?? '-', JSON.stringify(e.detail)]),
  );
  return 0;
}
