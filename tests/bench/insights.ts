/**
 * `npm run bench:insights [-- --annotations 1000000] [--days 180] [--requests 30] [--postgres] [--backfill]`: how fast
 * the analyst console's charts answer on a large store. Target: p95 ≤ 300 ms per endpoint.
 *
 * Seeding (not timed): a fresh SQLite file (and with --postgres a throwaway schema on AITL_BENCH_DATABASE_URL,
 * default postgres://postgres@127.0.0.1:5432/test) gets `--annotations` annotations of tenant `bench` over `--days`
 * days up to now, a tenth as many of tenant `noise`, a suggestion per five annotations, the insights rollup of them
 * (bench/insights-fill.ts), 30 flywheel runs with full gate and agreement reports and 30 trained versions with
 * held-out evidence. With --backfill, rebuilding the rollup from the rows (migration 0009) is timed and checked
 * against what was counted while writing.
 *
 * Timed: every GET /v1/insights/… through the app (`createApp(deps).request`, an analyst key, auth required),
 * `--requests` times each, round-robin, with windows of 7 to 400 days placed at random (and now and then none: the
 * default 90 days). Prints one JSON line with p50/p95/max milliseconds per endpoint and store.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { createApp } from '../../backend/app.ts';
import { loadConfig } from '../../backend/config.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { INSIGHT_ROUTES } from '../../backend/routes/insights.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { openStore, type Store } from '../../backend/store/connect.ts';
import { backfillInsightCounts } from '../../backend/store/insight-counts.ts';
import { type BulkWriter, fill, postgresWriter, sqliteWriter, VARIANTS } from './insights-fill.ts';
import { prng } from '../../backend/prng.ts';

const { values } = parseArgs({
  options: {
    annotations: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '180' },
    requests: { type: 'string', default: '30' },
    postgres: { type: 'boolean', default: false },
    backfill: { type: 'boolean', default: false },
  },
});
const total = Number(values.annotations);
const days = Number(values.days);
const requests = Number(values.requests);
if (![total, days, requests].every((n) => Number.isInteger(n) && n > 0)) {
  console.error('Usage: npm run bench:insights [-- --annotations 1000000] [--days 180] [--requests 30] [--postgres] [--backfill]');
  process.exit(2);
}
const TARGET_P95_MS = 300;
const TENANT = 'bench';
const DAY = 86_400_000;
const POSTGRES_URL = process.env.AITL_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Runs and versions as the flywheel stores them, one a week: what the agreement, gate and flywheel charts read. */
async function seedFlywheel(store: Store, end: number): Promise<void> {
  const random = prng(11);
  const signal = () => ({ groups: 400 + Math.floor(random() * 100), ratings: 1_300, agreement: 0.7 + random() / 5, kappa: 0.4 + random() / 5 });
  const agents = Array.from({ length: 40 }, (_, i) => ({
    agent: `agent-${i}`,
    annotations: 20_000,
    relevance: 0.8,
    relevanceVotes: 900,
    preference: 0.7,
    preferenceVotes: 300,
    leftShare: 0.5,
    leftRightChoices: 600,
  }));
  // A few thousand memory entries: versions are listed with their artefacts, as the registry keeps them.
  const artefact = JSON.stringify({
    memory: Array.from({ length: 2_000 }, (_, i) => ({ query: `question ${i} about lamps`, passage: `article-${i % 500}#s1`, weight: 0.5 })),
  });
  for (let w = 30; w >= 1; w--) {
    const at = new Date(end - w * 7 * DAY).toISOString();
    const runId = `run-bench-${String(w).padStart(2, '0')}`;
    const gate = {
      total: 1_000_000,
      passed: 900_000,
      reduced: 60_000,
      setAside: 40_000,
      superseded: 5_000,
      byRule: { position_bias: 20_000, contradiction: 3_000, rapid_fire: 9_000, llm_judge: 0, disagreement: 30_000 },
    };
    const summary = {
      runId,
      tenant: TENANT,
      startedAt: at,
      status: 'kept',
      gate,
      agreement: { relevance: signal(), preference: signal() },
      agreementPerAgent: agents,
    };
    await store.db
      .insertInto('flywheel_runs')
      .values({ id: runId, tenant: TENANT, started_at: at, finished_at: at, status: 'kept', summary: JSON.stringify(summary) })
      .execute();
    const metric = () => ({ current: 0.5, candidate: 0.5 + random() / 20, diff: random() / 20, se: 0.01 });
    const comparisons = [{ set: 'cross-validated checks', n: 4_000, metrics: { 'ndcg@10': metric(), 'mrr@10': metric(), 'recall@10': metric() } }];
    await store.db
      .insertInto('model_versions')
      .values({
        id: `ranking-bench-${String(w).padStart(2, '0')}`,
        tenant: TENANT,
        kind: 'ranking',
        parent: null,
        run_id: runId,
        status: w === 1 ? 'promoted' : w % 3 === 0 ? 'kept' : 'retired',
        reason: 'bench',
        inputs: '{}',
        metrics: JSON.stringify({ comparisons }),
        artefact,
        created_at: at,
        status_at: at,
      })
      .execute();
  }
}

/** A window of 7 to 400 days somewhere in the filled span, or (one time in six) none. */
function windowQuery(random: () => number, end: number): string {
  if (random() < 1 / 6) return '';
  const length = 7 + Math.floor(random() * 394);
  const to = end - Math.floor(random() * days * 0.8) * DAY;
  return `?from=${new Date(to - length * DAY).toISOString()}&to=${new Date(to).toISOString()}`;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!;
const round = (n: number) => Math.round(n * 10) / 10;

async function run(store: Store, writer: BulkWriter, where: string, size: () => number | undefined): Promise<Record<string, unknown>> {
  const end = Date.now();
  const filled = performance.now();
  const counts = await fill(store, writer, { [TENANT]: total, noise: Math.ceil(total / 10) }, days, end);
  await writer.close();
  await seedFlywheel(store, end);
  const fillS = (performance.now() - filled) / 1000;
  let backfill: Record<string, unknown> = {};
  if (values.backfill) {
    const key = (r: Record<string, unknown>) => JSON.stringify({ ...r, n: Number(r.n) });
    const before = (await store.db.selectFrom('insight_counts').selectAll().execute()).map(key).sort();
    const started = performance.now();
    await backfillInsightCounts(store.db);
    const backfillS = (performance.now() - started) / 1000;
    const after = (await store.db.selectFrom('insight_counts').selectAll().execute()).map(key).sort();
    backfill = { backfill_s: round(backfillS), backfill_matches: before.length === after.length && before.every((k, i) => k === after[i]) };
  }

  const config = { ...loadConfig({ AITL_DATABASE_URL: where, AITL_AUTH: 'required', AITL_LOG_LEVEL: 'silent' }), demo: false };
  const app = createApp({ config, store, knowledge: await createKnowledge(store.db), logger: pino({ level: 'silent' }) });
  const { key } = await createApiKey(store.db, { tenant: TENANT, role: 'analyst', name: 'bench' });
  const headers = { authorization: `Bearer ${key}` };
  const random = prng(23);
  const times = new Map<string, number[]>(INSIGHT_ROUTES.map((r) => [r.name, []]));
  for (let i = -2; i < requests; i++) {
    for (const route of INSIGHT_ROUTES) {
      const url = `/v1/insights/${route.name}${windowQuery(random, end)}`;
      const started = performance.now();
      const response = await app.request(url, { headers });
      const body = await response.text();
      const ms = performance.now() - started;
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${body.slice(0, 300)}`);
      if (i >= 0) times.get(route.name)!.push(ms); // the first two rounds warm caches and statements
    }
  }
  const endpoints = Object.fromEntries(
    [...times].map(([name, ms]) => {
      const sorted = [...ms].sort((a, b) => a - b);
      return [name, { p50_ms: round(percentile(sorted, 0.5)), p95_ms: round(percentile(sorted, 0.95)), max_ms: round(sorted.at(-1)!) }];
    }),
  );
  const worst = Math.max(...Object.values(endpoints).map((e) => e.p95_ms));
  const bytes = size();
  return {
    annotations: counts.annotations,
    suggestions: counts.suggestions,
    rollup_rows: counts.rollupRows,
    fill_s: round(fillS),
    ...(bytes !== undefined ? { db_mb: Math.round(bytes / 2 ** 20) } : {}),
    ...backfill,
    endpoints,
    worst_p95_ms: worst,
    ok: worst <= TARGET_P95_MS,
  };
}

const results: Record<string, unknown> = {};
const dir = mkdtempSync(join(tmpdir(), 'aitl-bench-insights-'));
try {
  const file = join(dir, 'aitl.db');
  const sqlite = await openStore(file);
  const fileSize = () => ['', '-wal'].reduce((sum, suffix) => sum + (statSync(file + suffix, { throwIfNoEntry: false })?.size ?? 0), 0);
  try {
    results.sqlite = await run(sqlite, sqliteWriter(file), file, fileSize);
  } finally {
    await sqlite.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (values.postgres) {
  const schema = `aitl_bench_${randomBytes(6).toString('hex')}`;
  const store = await openStore(POSTGRES_URL, { schema });
  try {
    results.postgres = await run(store, await postgresWriter(POSTGRES_URL, schema), POSTGRES_URL, () => undefined);
  } finally {
    await store.close();
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  }
}
console.log(JSON.stringify({ days, requests_per_endpoint: requests, variants: VARIANTS.length, target_p95_ms: TARGET_P95_MS, ...results }));
