/**
 * `npm run bench:retrieval -- --dataset DIR [--split test]`: our retrieval pipeline against MiniSearch (defaults,
 * title+text, query = the last 3 turns joined) in one process over the same queries; prints quality (recall@75,
 * precision@8, MRR), per-query p50/p95 of both (each query's best of two rounds, the order of the two engines
 * swapped in the second), and speed_ratio = MiniSearch p50 ms / ours.
 * Ours is timed from ticket to reranked 75 (query building, facet mentions, first stage, reranker); the full
 * suggestion (with replies) is reported as `suggest_ms_*`.
 *
 * `npm run bench:retrieval -- --scale 100000 [--seed 42]`: a synthetic knowledge base of that many passages
 * (retrieval-synthetic.ts): index build ms, p50/p95 query ms, RSS and heap MB.
 *
 * The last line printed is one JSON object.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import MiniSearch from 'minisearch';
import { loadBeirQueries } from '../../backend/eval/beir-queries.ts';
import { meanMetrics, percentile, queryMetrics, round } from '../../backend/eval/metrics.ts';
import { indexBeirFolder } from '../../backend/eval/run.ts';
import { buildIndex } from '../../backend/rag/knowledge-index.ts';
import { retrieve, SHOW_K, suggest } from '../../backend/rag/suggest.ts';
import { syntheticKb } from './retrieval-synthetic.ts';

const { values } = parseArgs({
  options: {
    dataset: { type: 'string' },
    split: { type: 'string', default: 'test' },
    scale: { type: 'string' },
    seed: { type: 'string', default: '42' },
    queries: { type: 'string', default: '500' },
  },
});

if (values.scale) await scaleBench(Number(values.scale), Number(values.seed), Number(values.queries));
else if (values.dataset) await datasetBench(values.dataset, values.split ?? 'test');
else {
  console.error(
    'Usage: npm run bench:retrieval -- --dataset DIR [--split test]\n       npm run bench:retrieval -- --scale N [--seed 42] [--queries 500]',
  );
  process.exit(2);
}

async function datasetBench(dataset: string, split: string): Promise<void> {
  const queries = loadBeirQueries(dataset, split);
  const { index, passages } = await indexBeirFolder(dataset);

  const msStarted = performance.now();
  const docs = readFileSync(join(dataset, 'corpus.jsonl'), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const d = JSON.parse(line) as { _id: string | number; title?: string; text: string };
      return { id: String(d._id), title: d.title ?? '', text: d.text };
    });
  const minisearch = new MiniSearch({ fields: ['title', 'text'] });
  minisearch.addAll(docs);
  const msBuildMs = performance.now() - msStarted;

  const lastTurns = (q: (typeof queries)[number]) =>
    q.ticket.messages
      .slice(-3)
      .map((m) => m.text)
      .join(' ');
  const runOurs = (q: (typeof queries)[number]) => retrieve(index, q.ticket).ranked.map((h) => index.passages[h.doc]!.article_id);
  const runMini = (q: (typeof queries)[number]) =>
    minisearch
      .search(lastTurns(q))
      .slice(0, 75)
      .map((r) => String(r.id));
  for (const q of queries.slice(0, 20)) {
    runOurs(q);
    runMini(q);
  }

  // Rounds of whole blocks, ours then MiniSearch, then the other way round, with a collection between blocks so
  // neither pays for the other's garbage; each query's time is its best round.
  const gc = (globalThis as { gc?: () => void }).gc;
  const block = (run: (q: (typeof queries)[number]) => string[]) =>
    queries.map((q) => {
      const started = performance.now();
      run(q);
      return performance.now() - started;
    });
  const best = (a: number[], b: number[]) => a.map((x, i) => Math.min(x, b[i]!));
  gc?.();
  const ours1 = block(runOurs);
  gc?.();
  const mini1 = block(runMini);
  gc?.();
  const mini2 = block(runMini);
  gc?.();
  const ours2 = block(runOurs);
  const ours = { metrics: queries.map((q) => queryMetrics(runOurs(q), q.relevant)), ms: best(ours1, ours2) };
  const mini = { metrics: queries.map((q) => queryMetrics(runMini(q), q.relevant)), ms: best(mini1, mini2) };
  gc?.();
  const suggestMs = queries.map((q) => {
    const started = performance.now();
    suggest(index, { ticket: q.ticket });
    return performance.now() - started;
  });

  const summary = (r: typeof ours, buildMs: number) => {
    const m = meanMetrics(r.metrics);
    return {
      'recall@75': round(m['recall@75']),
      [`precision@${SHOW_K}`]: round(m['precision@8']),
      mrr: round(m.mrr),
      'ndcg@10': round(m['ndcg@10']),
      ms_p50: round(percentile(r.ms, 50), 3),
      ms_p95: round(percentile(r.ms, 95), 3),
      build_ms: Math.round(buildMs),
    };
  };
  console.log(
    JSON.stringify({
      dataset,
      split,
      n: queries.length,
      passages,
      ours: {
        ...summary(ours, index.buildMs),
        suggest_ms_p50: round(percentile(suggestMs, 50), 3),
        suggest_ms_p95: round(percentile(suggestMs, 95), 3),
        version: index.version,
      },
      minisearch: summary(mini, msBuildMs),
      speed_ratio: round(percentile(mini.ms, 50) / percentile(ours.ms, 50), 1),
      speed_ratio_p95: round(percentile(mini.ms, 95) / percentile(ours.ms, 95), 1),
    }),
  );
}

async function scaleBench(size: number, seed: number, queryCount: number): Promise<void> {
  if (!Number.isInteger(size) || size < 1) throw new Error('--scale must be a positive whole number of passages');
  const generated = syntheticKb(size, seed, queryCount);
  const gc = (globalThis as { gc?: () => void }).gc;
  const started = performance.now();
  const index = buildIndex(generated.passages, `synthetic-${seed}`);
  const buildMs = performance.now() - started;
  gc?.();
  const after = process.memoryUsage();

  for (const ticket of generated.tickets.slice(0, 20)) retrieve(index, ticket);
  const ms: number[] = [];
  let found = 0;
  generated.tickets.forEach((ticket, i) => {
    const t = performance.now();
    const { ranked } = retrieve(index, ticket);
    ms.push(performance.now() - t);
    if (ranked.slice(0, SHOW_K).some((h) => index.passages[h.doc]!.id === generated.targets[i])) found++;
  });
  console.log(
    JSON.stringify({
      scale: size,
      seed,
      passages: index.passages.length,
      facet_values: index.facets.values.length,
      queries: ms.length,
      build_ms: Math.round(buildMs),
      ms_p50: round(percentile(ms, 50), 3),
      ms_p95: round(percentile(ms, 95), 3),
      // The passage each synthetic conversation was written from, among the 8 shown.
      target_in_top8: round(found / Math.max(1, ms.length), 3),
      rss_mb: Math.round(after.rss / 2 ** 20),
      heap_mb: Math.round(after.heapUsed / 2 ** 20),
    }),
  );
}
