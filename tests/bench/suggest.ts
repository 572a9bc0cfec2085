/**
 * `npm run bench:suggest -- --dataset DIR [--split test]`: imports a BEIR corpus into a fresh SQLite store and
 * times POST /v1/suggestions in-process (routing, validation, retrieval, generation, storing the suggestion) over
 * the split's queries. Prints one JSON line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { createApp } from '../../backend/app.ts';
import { loadConfig } from '../../backend/config.ts';
import { loadBeirQueries } from '../../backend/eval/beir-queries.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { openStore } from '../../backend/store/connect.ts';

const { values } = parseArgs({ options: { dataset: { type: 'string' }, split: { type: 'string', default: 'test' } } });
if (!values.dataset) {
  console.error('Usage: npm run bench:suggest -- --dataset DIR [--split test]');
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'aitl-bench-'));
const store = await openStore(join(dir, 'bench.db'));
try {
  const importStarted = performance.now();
  const summary = await importKnowledge(store.db, values.dataset);
  const importMs = performance.now() - importStarted;
  const knowledge = await createKnowledge(store.db);
  const config = { ...loadConfig({}), databaseUrl: join(dir, 'bench.db'), demo: false };
  const app = createApp({ config, store, knowledge, logger: pino({ level: 'silent' }) });
  const queries = loadBeirQueries(values.dataset, values.split);
  const times: number[] = [];
  for (const q of queries) {
    const started = performance.now();
    const res = await app.request('/v1/suggestions', { method: 'POST', body: JSON.stringify({ ticket: q.ticket }) });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (res.status !== 200) throw new Error(`query ${q.id} answered ${res.status}`);
  }
  times.sort((a, b) => a - b);
  const pct = (p: number) => round(times[Math.min(times.length - 1, Math.ceil((p / 100) * times.length) - 1)]!);
  console.log(
    JSON.stringify({
      dataset: values.dataset,
      split: values.split,
      queries: times.length,
      passages: summary.passages,
      import_ms: round(importMs),
      index_build_ms: round((await knowledge.of(config.defaultTenant)).buildMs),
      p50_ms: pct(50),
      p95_ms: pct(95),
      max_ms: round(times[times.length - 1]!),
      rss_mb: round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
