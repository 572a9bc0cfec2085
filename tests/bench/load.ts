/**
 * `npm run load [-- --seconds 60] [--clients 24] [--requests N] [--database postgres://…]`: three backends on one
 * PostgreSQL database under load, one of them killed midway, a knowledge import and a flywheel cycle meanwhile.
 *
 * 1. A fresh schema `aitl_load_<random>` in the database (default postgres://postgres@127.0.0.1:5432/test, or
 *    AITL_LOAD_DATABASE_URL); the backends reach it through `?options=-c search_path=<schema>` in their
 *    AITL_DATABASE_URL, as tests/integration/dialects.ts does for the CLI.
 * 2. Keys are required (AITL_AUTH=required): keyless calls act as an agent only, and the import needs an admin. An
 *    agent key and an admin key come from `aitl keys create`. Then `aitl serve` three times on 127.0.0.1, port 0
 *    (each reads its port from the start banner); the first alone, so only it loads the demo help centre.
 * 3. `--clients` simulated agents (load-traffic.ts) each ask for a suggestion and sync what they did with it through
 *    POST /v1/annotations:batch, round-robin over the backends, for `--seconds` (or `--requests` in all). A client
 *    keeps every item until the server answers it, as the extension's outbox does, and resends it with the same id
 *    to the next backend when a batch fails.
 * 4. At 30 % of the run the third backend gets SIGKILL; at 40 % a JSONL knowledge file with one new article is posted
 *    to POST /v1/admin/kb/import on the first; at 50 % `aitl flywheel run --json` runs as its own process.
 * 5. From the kill on, GET /v1/health is asked of each surviving backend every 100 ms, and the store every 50 ms: how
 *    long after the import (or a ranking promotion) committed each backend served it, by its `indexVersion`
 *    (`…+rerank-<ranking version>@<import id>`). A backend that has not after PROPAGATION_TIMEOUT_MS reports null.
 * 6. After the load the clients drain their outboxes; the stored annotations are compared with the acknowledged ones.
 *
 * Prints one JSON object. Exit code 1 when the store does not hold exactly the acknowledged items once each, when any
 * backend answered a 5xx or a request to a live backend failed to connect or timed out. Only loopback addresses are
 * used; the children are killed and the schema dropped on every exit, Ctrl-C and errors included.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { HealthResponse, SuggestionResponse, SyncResponse } from '../../shared/index.ts';
import { isLoopbackHost } from '../../backend/config.ts';
import { KbImportResult } from '../../backend/routes/admin.ts';
import { isPostgresUrl, openStore, type Store } from '../../backend/store/connect.ts';
import { Agent, knowledgeFile, Outbox, TENANT } from './load-traffic.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    clients: { type: 'string', default: '24' },
    requests: { type: 'string' },
    database: { type: 'string', default: process.env.AITL_LOAD_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const seconds = Number(values.seconds);
const clients = Number(values.clients);
const maxRequests = values.requests === undefined ? undefined : Number(values.requests);
const databaseUrl = values.database;
const USAGE = 'Usage: npm run load [-- --seconds 60 (5-600)] [--clients 24 (1-200)] [--requests N] [--database postgres://user@127.0.0.1:5432/db]';
if (
  !Number.isInteger(seconds) ||
  seconds < 5 ||
  seconds > 600 ||
  !Number.isInteger(clients) ||
  clients < 1 ||
  clients > 200 ||
  (maxRequests !== undefined && !(Number.isInteger(maxRequests) && maxRequests >= 10))
) {
  console.error(USAGE);
  process.exit(2);
}

/** Refuses anything but this machine: the bench starts servers and sends traffic, never to another host. */
function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!isLoopbackHost(host)) throw new Error(`Refusing a non-loopback address: ${host} (npm run load only talks to 127.0.0.1, ::1 or localhost)`);
}
if (!isPostgresUrl(databaseUrl) || !isLoopbackHost(new URL(databaseUrl).hostname)) {
  console.error(`--database must be a postgres:// URL on this machine (127.0.0.1, ::1 or localhost)\n${USAGE}`);
  process.exit(2);
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const AITL_BIN = fileURLToPath(new URL('../../backend/bin/aitl.js', import.meta.url));
const BACKENDS = 3;
const KILL_AT = 0.3;
const IMPORT_AT = 0.4;
const FLYWHEEL_AT = 0.5;
const HEALTH_EVERY_MS = 100;
const STORE_EVERY_MS = 50;
/** Long enough for a backend that polls the store every 30 s, plus its rebuild. */
const PROPAGATION_TIMEOUT_MS = 45_000;
const DRAIN_MS = 20_000;
const REQUEST_TIMEOUT_MS = 15_000;
const FLYWHEEL_TIMEOUT_MS = 180_000;
/** How long a client leaves a backend alone after it refused a connection (a proxy's health check would do that). */
const DOWN_MS = 5_000;

/** Progress on stderr; stdout carries the one JSON object. */
const progressNote = (line: string) => console.error(`[load] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();

// ---- Child processes: every one is tracked, so cleanup can always end them. ----

interface Child {
  name: string;
  proc: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  done: boolean;
}
const children: Child[] = [];

function spawnAitl(name: string, args: string[], env: NodeJS.ProcessEnv, onLine?: (line: string) => void): Child {
  const proc = spawn(process.execPath, [AITL_BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const child: Child = { name, proc, lines: [], done: false, exited: undefined as unknown as Promise<number | null> };
  // Drain both pipes (a full pipe would block the child's logger); keep the recent lines for error messages.
  for (const stream of [proc.stdout!, proc.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      child.lines.push(line);
      if (child.lines.length > 2_000) child.lines.shift();
      onLine?.(line);
    });
  }
  child.exited = new Promise((resolve) => proc.once('exit', (code) => ((child.done = true), resolve(code))));
  children.push(child);
  return child;
}

/** Runs a short `aitl` command to its end; its output lines, or an error with them. */
async function runAitl(name: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string[]> {
  const child = spawnAitl(name, args, env);
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), timeoutMs);
  const code = await child.exited;
  clearTimeout(timer);
  // The pipes may still hold the last lines after 'exit'.
  await sleep(50);
  if (code !== 0) throw new Error(`aitl ${args.join(' ')} exited with ${code}:\n${child.lines.slice(-20).join('\n')}`);
  return child.lines;
}

// ---- Cleanup, once, on every way out. ----

let store: Store | undefined;
let schema: string | undefined;
let cleaning: Promise<void> | undefined;
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    const running = children.filter((c) => !c.done);
    for (const c of running) c.proc.kill('SIGTERM');
    await Promise.race([Promise.all(running.map((c) => c.exited)), sleep(3_000)]);
    for (const c of running) if (!c.done) c.proc.kill('SIGKILL');
    await Promise.all(running.map((c) => c.exited));
    if (store && schema) {
      // The children's sessions are gone with them; a lock timeout keeps a straggler from hanging the drop.
      for (let attempt = 1; ; attempt++) {
        try {
          await sql.raw(`SET lock_timeout = '10s'; DROP SCHEMA IF EXISTS ${schema} CASCADE`).execute(store.db);
          break;
        } catch (error) {
          if (attempt >= 3) {
            console.error(`could not drop schema ${schema}: ${(error as Error).message}`);
            break;
          }
          await sleep(1_000);
        }
      }
    }
    await store?.close();
  })();
  return cleaning;
}
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the backends and dropping the schema`);
    void cleanup().finally(() => process.exit(code));
  });
}
// A bug that escapes the run must not leave three servers and a schema behind either.
for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.once(event, (error) => {
    console.error(`${event}: ${(error as Error)?.stack ?? String(error)}`);
    void cleanup().finally(() => process.exit(1));
  });
}

// ---- HTTP with bookkeeping. ----

interface Backend {
  name: string;
  url: string;
  child: Child;
  killedAt?: number;
  downUntil: number;
  /** indexVersion → when GET /v1/health first answered it. */
  seen: Map<string, number>;
}

const stats = {
  total: 0,
  byRoute: {} as Record<string, number>,
  errorsByRoute: {} as Record<string, number>,
  errorsByStatus: {} as Record<string, number>,
  latency: {} as Record<string, number[]>,
  /** Failed connections and timeouts: to the killed backend (expected) or to a live one (not). */
  connection: { killedBackend: 0, liveBackend: 0 },
  serverErrors: 0,
};
const failures: string[] = [];
const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);

/** One request; undefined when no HTTP answer came (refused, reset, timed out). Every outcome is counted. */
async function call(b: Backend, method: 'GET' | 'POST', path: string, init: { key?: string; type?: string; body?: string; count?: boolean } = {}) {
  const url = `${b.url}${path}`;
  assertLoopback(url);
  const route = `${method} ${path}`;
  const count = init.count !== false;
  if (count) stats.total++, bump(stats.byRoute, route);
  const headers: Record<string, string> = {};
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  if (init.type) headers['content-type'] = init.type;
  const started = now();
  try {
    const response = await fetch(url, { method, headers, body: init.body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    if (count) {
      (stats.latency[route] ??= []).push(now() - started);
      if (response.status >= 400) bump(stats.errorsByRoute, route), bump(stats.errorsByStatus, String(response.status));
      if (response.status >= 500) {
        stats.serverErrors++;
        if (stats.serverErrors <= 5) failures.push(`${b.name} ${route} answered ${response.status}: ${text.slice(0, 300)}`);
      }
    }
    return { status: response.status, text };
  } catch (error) {
    const kind = (error as Error).name === 'TimeoutError' ? 'timeout' : 'connection';
    // A request to the killed backend may have started before the kill: its socket dies with the process.
    const killed = b.killedAt !== undefined && started >= b.killedAt - REQUEST_TIMEOUT_MS;
    if (count) {
      bump(stats.errorsByRoute, route);
      bump(stats.errorsByStatus, kind);
      if (killed) stats.connection.killedBackend++;
      else {
        stats.connection.liveBackend++;
        if (stats.connection.liveBackend <= 5) failures.push(`${b.name} ${route}: ${kind} (${(error as Error).cause ?? (error as Error).message})`);
      }
    }
    b.downUntil = now() + DOWN_MS;
    return undefined;
  }
}

const backends: Backend[] = [];
let turn = 0;
/** Round-robin over the backends, skipping one that refused a connection in the last DOWN_MS. */
function pick(): Backend {
  for (let i = 0; i < backends.length; i++) {
    const b = backends[turn++ % backends.length]!;
    if (b.downUntil <= now()) return b;
  }
  return backends[turn++ % backends.length]!;
}

// ---- Items: what was sent, what the servers acknowledged. ----

const sentIds = new Set<string>();
const acknowledged = new Set<string>();
const outcome = { accepted: 0, duplicate: 0, rejected: 0, resent: 0, acknowledgedTwice: 0 };

/** Sends the outbox's oldest items to the next backend; false when no answer per item came back. */
async function flush(outbox: Outbox, key: string): Promise<boolean> {
  const items = outbox.next();
  for (const a of items) {
    if (sentIds.has(a.id)) outcome.resent++;
    sentIds.add(a.id);
  }
  const r = await call(pick(), 'POST', '/v1/annotations:batch', {
    key,
    type: 'application/json',
    body: JSON.stringify({ items, sentAt: new Date().toISOString() }),
  });
  if (r?.status !== 200) return false;
  const { results } = SyncResponse.parse(JSON.parse(r.text));
  results.forEach((result, i) => {
    const id = items[i]!.id;
    if (result.status === 'rejected') {
      outcome.rejected++;
      if (outcome.rejected <= 5) failures.push(`item ${id} rejected: ${result.error?.code} ${result.error?.message}`);
    } else {
      outcome[result.status]++;
      if (acknowledged.has(id)) outcome.acknowledgedTwice++;
      acknowledged.add(id);
    }
    outbox.settle(id);
  });
  return true;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]! * 10) / 10 : null;

// ---- The run. ----

let exitCode = 1;
try {
  schema = `aitl_load_${randomBytes(6).toString('hex')}`;
  // openStore creates the schema and migrates it, before any backend races to.
  store = await openStore(databaseUrl, { schema });
  const db = store.db;
  const backendDbUrl = `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  // Only our settings reach the children (a developer's AITL_* must not point them elsewhere), except the refresh
  // interval, which one may want to vary.
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AITL_') || k === 'AITL_INDEX_REFRESH_SECONDS')),
    AITL_DATABASE_URL: backendDbUrl,
    AITL_HOST: '127.0.0.1',
    AITL_PORT: '0',
    AITL_AUTH: 'required',
    AITL_LINK_SECRET: randomBytes(24).toString('hex'),
    AITL_LOG_LEVEL: 'warn',
    // Unnamed tenant = ours, so `aitl flywheel run` and GET /v1/health speak of the tenant under load.
    AITL_DEFAULT_TENANT: TENANT,
    // One knowledge base for all: the admin's import joins the demo help centre instead of starting a tenant's own.
    AITL_KNOWLEDGE: 'shared',
  };

  const makeKey = async (role: string) =>
    (await runAitl(`keys-${role}`, ['keys', 'create', '--tenant', TENANT, '--role', role, '--name', `load-${role}`], env, 60_000)).at(-1)!.trim();
  progressNote(`schema ${schema}: making keys, starting ${BACKENDS} backends`);
  const [agentKey, adminKey] = await Promise.all([makeKey('agent'), makeKey('admin')]);

  const startBackend = (i: number) =>
    new Promise<Backend>((resolve, reject) => {
      const name = `b${i + 1}`;
      const child = spawnAitl(name, ['serve'], env, (line) => {
        const m = /^AITL backend\s+(http:\/\/\S+)/.exec(line);
        if (m) resolve({ name, url: m[1]!, child, downUntil: 0, seen: new Map() });
      });
      void child.exited.then((code) =>
        reject(new Error(`backend ${name} exited with ${code} before listening:\n${child.lines.slice(-20).join('\n')}`)),
      );
      setTimeout(() => reject(new Error(`backend ${name} did not start within 60 s`)), 60_000).unref();
    });
  // The first loads the demo help centre into the empty store; the others find it there.
  backends.push(await startBackend(0));
  backends.push(...(await Promise.all(Array.from({ length: BACKENDS - 1 }, (_, i) => startBackend(i + 1)))));
  for (const b of backends) assertLoopback(b.url);

  progressNote(
    `${backends.map((b) => `${b.name} ${b.url}`).join(', ')}; ${clients} clients for ${seconds} s${maxRequests ? ` or ${maxRequests} requests` : ''}`,
  );
  const victim = backends[BACKENDS - 1]!;
  const survivors = backends.filter((b) => b !== victim);
  const t0 = now();
  const progress = () => Math.max((now() - t0) / (seconds * 1000), maxRequests ? stats.total / maxRequests : 0);
  const loadOver = () => progress() >= 1;
  const until = async (done: () => boolean, deadline = Infinity) => {
    while (!done() && now() < deadline) await sleep(20);
  };

  // The store, every STORE_EVERY_MS: when each import and each promoted ranking version first became visible.
  const committedAt = new Map<string, number>();
  let watching = true;
  const storeWatch = (async () => {
    while (watching) {
      const [imports, promoted] = await Promise.all([
        db.selectFrom('kb_imports').select('id').execute(),
        db.selectFrom('model_versions').select('id').where('kind', '=', 'ranking').where('status', '=', 'promoted').execute(),
      ]).catch((error: Error) => (failures.push(`store watch: ${error.message}`), [[], []]));
      const at = now();
      for (const { id } of [...imports, ...promoted]) if (!committedAt.has(id)) committedAt.set(id, at);
      await sleep(STORE_EVERY_MS);
    }
  })();
  const healthPolls = (b: Backend) =>
    (async () => {
      while (watching) {
        const next = now() + HEALTH_EVERY_MS;
        const r = await call(b, 'GET', '/v1/health', { count: false });
        const health = r?.status === 200 ? HealthResponse.safeParse(JSON.parse(r.text)) : undefined;
        if (health?.success && !b.seen.has(health.data.indexVersion)) b.seen.set(health.data.indexVersion, now());
        await sleep(Math.max(0, next - now()));
      }
    })();

  // The events, at their share of the run.
  let killedAtMs: number | undefined;
  let importId: string | undefined;
  let flywheelReport: Record<string, any> | undefined;
  let flywheelError: string | undefined;
  let eventsError: string | undefined;
  const pollers: Promise<void>[] = [];
  const events = (async () => {
    await until(() => progress() >= KILL_AT);
    victim.killedAt = now();
    victim.child.proc.kill('SIGKILL');
    killedAtMs = Math.round(victim.killedAt - t0);
    pollers.push(...survivors.map(healthPolls));

    await until(() => progress() >= IMPORT_AT);
    const r = await call(survivors[0]!, 'POST', '/v1/admin/kb/import', {
      key: adminKey,
      type: 'application/x-ndjson',
      body: knowledgeFile(schema!.slice(10)),
    });
    if (r?.status === 200) importId = KbImportResult.parse(JSON.parse(r.text)).importId;
    else failures.push(`knowledge import answered ${r?.status ?? 'no response'}: ${r?.text.slice(0, 300)}`);

    await until(() => progress() >= FLYWHEEL_AT);
    try {
      const lines = await runAitl('flywheel', ['flywheel', 'run', '--json'], env, FLYWHEEL_TIMEOUT_MS);
      const json = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
      flywheelReport = json.reverse().find((o) => typeof o.runId === 'string' && (o.tenant === undefined || o.tenant === TENANT));
      if (!flywheelReport) flywheelError = `no report in its output: ${lines.slice(-5).join(' | ')}`;
    } catch (error) {
      flywheelError = (error as Error).message;
    }
  })().catch((error: Error) => void (eventsError = error.stack ?? error.message));

  // The clients.
  const outboxes = Array.from({ length: clients }, () => new Outbox());
  await Promise.all(
    outboxes.map(async (outbox, i) => {
      const agent = new Agent(i + 1);
      while (!loadOver()) {
        const asked = agent.nextTicket();
        const r = await call(pick(), 'POST', '/v1/suggestions', { key: agentKey, type: 'application/json', body: JSON.stringify(asked.request) });
        if (r?.status === 200) outbox.add(agent.annotate(asked, SuggestionResponse.parse(JSON.parse(r.text))));
        if (outbox.size > 0 && !loadOver()) await flush(outbox, agentKey);
      }
    }),
  );
  const loadMs = Math.round(now() - t0);
  progressNote('load over: draining the outboxes, waiting for the flywheel and for propagation');
  // What is still unacknowledged goes out now, as an outbox keeps retrying after the agent stops working.
  const drainUntil = now() + DRAIN_MS;
  await Promise.all(
    outboxes.map(async (outbox) => {
      while (outbox.size > 0 && now() < drainUntil) if (!(await flush(outbox, agentKey))) await sleep(200);
    }),
  );
  await events;

  // Propagation: wait (bounded) until every survivor served the import and the promotion, if there was one.
  const promotedId: string | undefined = flywheelReport?.ranking?.decision === 'promoted' ? flywheelReport.ranking.versionId : undefined;
  const servedAt = (b: Backend, match: (v: string) => boolean) => [...b.seen].find(([v]) => match(v))?.[1];
  const isImport = (v: string) => importId !== undefined && v.endsWith(`@${importId}`);
  const isPromotion = (v: string) => promotedId !== undefined && v.includes(`+rerank-${promotedId}@`);
  const waits = [importId && isImport, promotedId && isPromotion].filter(Boolean) as ((v: string) => boolean)[];
  await until(() => waits.every((m) => survivors.every((b) => servedAt(b, m) !== undefined)), now() + PROPAGATION_TIMEOUT_MS);
  watching = false;
  await Promise.all([storeWatch, ...pollers]);
  const propagation = (id: string, match: (v: string) => boolean) => {
    const served = survivors.map((b) => [b.name, servedAt(b, match)] as const);
    // The backend that ran the import serves it before its response; it may beat the store watch by a poll.
    const commit = Math.min(committedAt.get(id) ?? Infinity, ...served.map(([, t]) => t ?? Infinity));
    return Object.fromEntries(served.map(([name, t]) => [name, t === undefined ? null : Math.round(t - commit)]));
  };

  // The store's view: every annotation of the tenant, against what the servers acknowledged.
  const rows = await db.selectFrom('annotations').select('id').where('tenant', '=', TENANT).execute();
  const storedCount = new Map<string, number>();
  for (const { id } of rows) storedCount.set(id, (storedCount.get(id) ?? 0) + 1);
  const missing = [...acknowledged].filter((id) => !storedCount.has(id)).length;
  const storedUnacknowledged = [...storedCount.keys()].filter((id) => !acknowledged.has(id)).length;
  const duplicates = [...storedCount.values()].filter((n) => n > 1).length + outcome.acknowledgedTwice;
  const pending = outboxes.reduce((n, o) => n + o.size, 0);
  const exactlyOnce = missing === 0 && storedUnacknowledged === 0 && duplicates === 0 && pending === 0 && rows.length === acknowledged.size;

  if (!exactlyOnce) failures.push('the store does not hold exactly the acknowledged items, once each');
  if (flywheelError) failures.push(`flywheel: ${flywheelError}`);
  if (eventsError) failures.push(`kill, import or flywheel: ${eventsError}`);
  const ok =
    exactlyOnce &&
    stats.serverErrors === 0 &&
    stats.connection.liveBackend === 0 &&
    outcome.rejected === 0 &&
    importId !== undefined &&
    !flywheelError &&
    !eventsError;
  console.log(
    JSON.stringify({
      backends: BACKENDS,
      store: `postgres, schema ${schema} (dropped on exit)`,
      auth: 'required: agent and admin keys from `aitl keys create`',
      killed: { backend: victim.name, atMs: killedAtMs ?? null },
      seconds,
      clients,
      loadMs,
      requests: { total: stats.total, byRoute: stats.byRoute },
      errors: { byRoute: stats.errorsByRoute, byStatus: stats.errorsByStatus, connection: stats.connection },
      latencyMs: Object.fromEntries(
        Object.entries(stats.latency).map(([route, ms]) => {
          const sorted = ms.sort((a, b) => a - b);
          return [route, { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), n: sorted.length }];
        }),
      ),
      items: {
        sent: sentIds.size,
        acknowledged: acknowledged.size,
        accepted: outcome.accepted,
        duplicate: outcome.duplicate,
        resent: outcome.resent,
        rejected: outcome.rejected,
        pending,
        stored: rows.length,
        missing,
        storedUnacknowledged,
        duplicates,
        exactlyOnce,
      },
      propagation: {
        import: importId ? propagation(importId, isImport) : null,
        promotion: promotedId ? propagation(promotedId, isPromotion) : null,
      },
      flywheel: flywheelReport
        ? {
            status: flywheelReport.status,
            reason: flywheelReport.ranking?.reason,
            ranking: flywheelReport.ranking?.decision,
            version: flywheelReport.ranking?.versionId ?? null,
            variants: flywheelReport.variants?.decision,
            annotations: flywheelReport.annotations,
            durationMs: flywheelReport.durationMs,
          }
        : { status: 'failed', reason: flywheelError },
      ok,
      ...(failures.length > 0 && { failures }),
    }),
  );
  exitCode = ok ? 0 : 1;
} catch (error) {
  // After Ctrl-C the children dying is what was asked for, not news.
  if (!cleaning) console.error((error as Error).stack ?? String(error));
  exitCode = 1;
} finally {
  await cleanup();
}
process.exit(exitCode);
