/**
 * Retrieval metrics over BEIR document ids. A ranked list holds one entry per retrieved passage (its article id,
 * so a split article counts for its BEIR document); an article seen again lower in the list adds nothing.
 */

export interface QueryMetrics {
  'recall@75': number;
  'precision@8': number;
  'recall@8': number;
  mrr: number;
  'ndcg@10': number;
}

export const METRIC_NAMES = ['recall@75', 'precision@8', 'recall@8', 'mrr', 'ndcg@10'] as const;

/** Relevant documents (of `relevant`) among the first k entries of the ranked list, each counted once. */
function hitsAt(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  const seen = new Set<string>();
  for (const id of ranked.slice(0, k)) if (relevant.has(id)) seen.add(id);
  return seen.size;
}

/** Fraction of the relevant documents found in the first k entries. */
export function recallAt(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  return relevant.size ? hitsAt(ranked, relevant, k) / relevant.size : 0;
}

/** Relevant documents in the first k entries, over k (a list shorter than k is not excused). */
export function precisionAt(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  return k > 0 ? hitsAt(ranked, relevant, k) / k : 0;
}

/** 1 / rank of the first relevant entry; 0 when none is relevant. */
export function reciprocalRank(ranked: readonly string[], relevant: ReadonlyMap<string, number>): number {
  const i = ranked.findIndex((id) => relevant.has(id));
  return i < 0 ? 0 : 1 / (i + 1);
}

/** nDCG@k with linear gains (the grade) and log2 discounts, as trec_eval and BEIR compute it. */
export function ndcgAt(ranked: readonly string[], relevant: ReadonlyMap<string, number>, k: number): number {
  const seen = new Set<string>();
  let dcg = 0;
  ranked.slice(0, k).forEach((id, i) => {
    const grade = relevant.get(id) ?? 0;
    if (grade > 0 && !seen.has(id)) dcg += grade / Math.log2(i + 2);
    seen.add(id);
  });
  const ideal = [...relevant.values()]
    .filter((g) => g > 0)
    .sort((a, b) => b - a)
    .slice(0, k)
    .reduce((sum, g, i) => sum + g / Math.log2(i + 2), 0);
  return ideal > 0 ? dcg / ideal : 0;
}

export function queryMetrics(ranked: readonly string[], relevant: ReadonlyMap<string, number>): QueryMetrics {
  return {
    'recall@75': recallAt(ranked, relevant, 75),
    'precision@8': precisionAt(ranked, relevant, 8),
    'recall@8': recallAt(ranked, relevant, 8),
    mrr: reciprocalRank(ranked, relevant),
    'ndcg@10': ndcgAt(ranked, relevant, 10),
  };
}

/** Mean of each metric over queries; zeros for none. */
export function meanMetrics(all: readonly QueryMetrics[]): QueryMetrics {
  const mean = {} as QueryMetrics;
  for (const name of METRIC_NAMES) mean[name] = all.length ? all.reduce((s, m) => s + m[name], 0) / all.length : 0;
  return mean;
}

/** The p-th percentile (nearest rank) of some numbers; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function round(n: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
