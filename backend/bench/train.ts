/**
 * `node --import tsx backend/bench/train.ts [--queries 100000] [--candidates 8]`: times the reranker trainer on
 * synthetic labelled queries (made before the clock starts). Prints one JSON line:
 * {queries, candidates, pairs, iterations, train_ms, cpu_ms (user time, garbage collection included), accuracy_base,
 * accuracy}.
 *
 * Also exports the generator, which the trainer's unit tests use: the right answer is known because the labels come
 * from `truth` weights.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { trainReranker, type LabelledQuery } from '../flywheel/train/reranker.ts';
import { DEFAULT_RERANKER } from '../rag/reranker.ts';
import { prng } from './retrieval-synthetic.ts';

/**
 * Queries whose candidates have uniform random features (`length` in −1..1, the others 0..1) and a hidden utility
 * Σ truth·x plus logistic noise of scale `noise`: per query the best candidate is labelled relevant, the second
 * partly relevant, the rest irrelevant.
 */
export function syntheticLabelledQueries(
  count: number,
  truth: Readonly<Record<string, number>>,
  options: { seed?: number; candidates?: number; noise?: number } = {},
): LabelledQuery[] {
  const random = prng(options.seed ?? 7);
  const perQuery = options.candidates ?? 8;
  const noise = options.noise ?? 0.3;
  const queries: LabelledQuery[] = [];
  for (let q = 0; q < count; q++) {
    const candidates = Array.from({ length: perQuery }, () => {
      const features: Record<string, number> = { lexical: random(), facet: random(), coverage: random(), title: random(), length: random() * 2 - 1 };
      const u = Math.min(Math.max(random(), 1e-9), 1 - 1e-9);
      let utility = noise * Math.log(u / (1 - u));
      for (const [name, w] of Object.entries(truth)) utility += w * (features[name] ?? 0);
      return { features, utility };
    });
    const order = candidates.map((_, i) => i).sort((a, b) => candidates[b]!.utility - candidates[a]!.utility);
    queries.push({
      candidates: candidates.map((c, i) => ({ features: c.features, label: i === order[0] ? 1 : i === order[1] ? 0.5 : 0 })),
    });
  }
  return queries;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { queries: { type: 'string', default: '100000' }, candidates: { type: 'string', default: '8' } } });
  const [count, candidates] = [Number(values.queries), Number(values.candidates)];
  const queries = syntheticLabelledQueries(count, { lexical: 0.5, facet: 0.5, coverage: 1, title: 1.5, length: -0.2 }, { candidates });
  const [started, cpu] = [performance.now(), process.cpuUsage()];
  const { stats } = trainReranker(queries, DEFAULT_RERANKER);
  const trainMs = Math.round(performance.now() - started);
  const cpuMs = Math.round(process.cpuUsage(cpu).user / 1000);
  console.log(
    JSON.stringify({
      queries: count,
      candidates,
      pairs: stats.pairs,
      iterations: stats.iterations,
      train_ms: trainMs,
      cpu_ms: cpuMs,
      accuracy_base: stats.baseAccuracy,
      accuracy: stats.accuracy,
    }),
  );
}
