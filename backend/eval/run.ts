/**
 * `aitl eval`: imports a BEIR folder into a fresh temporary SQLite store, builds the knowledge index exactly as the
 * server does, runs every query of a split through the suggestion pipeline (conversation → query → retrieve 75 →
 * rerank → show 8 → replies) and scores the ranked passages against the qrels by BEIR document id.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importKnowledge } from '../kb/import.ts';
import { ImportError } from '../kb/sources.ts';
import { loadIndex, type KnowledgeIndex } from '../rag/knowledge-index.ts';
import { suggestWithRetrieval } from '../rag/suggest.ts';
import { openStore } from '../store/connect.ts';
import { type EvalQuery, loadBeirQueries } from './beir-queries.ts';
import type { ReplyGenerator } from '../llm/replies.ts';
import { evaluateReplies, loadGoldResponses, type ReplyScores } from './reply-metrics.ts';
import { meanMetrics, percentile, queryMetrics, type QueryMetrics, round } from './metrics.ts';

/** A data set that cannot be evaluated (missing files, bad lines); the message says why. */
export class EvalError extends Error {
  override name = 'EvalError';
}

export interface EvalResult {
  dataset: string;
  split: string;
  n: number;
  'recall@75': number;
  'precision@8': number;
  'recall@8': number;
  mrr: number;
  'ndcg@10': number;
  ms_p50: number;
  ms_p95: number;
}

/** With `--replies`: reply metrics (see reply-metrics.ts) added to the result. */
export type EvalReplyResult = ReplyScores & { n_replies?: number; reply_fallbacks?: number };

export interface EvalRun {
  result: EvalResult & EvalReplyResult;
  index: KnowledgeIndex;
  passages: number;
  importMs: number;
  perQuery: { id: string; metrics: QueryMetrics; ms: number; ranked: string[] }[];
}

/** Builds a knowledge index from a BEIR folder in a throwaway SQLite store (the store is deleted before return). */
export async function indexBeirFolder(dataset: string): Promise<{ index: KnowledgeIndex; passages: number; importMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'aitl-eval-'));
  const store = await openStore(join(dir, 'eval.db'));
  try {
    const started = performance.now();
    const summary = await importKnowledge(store.db, dataset);
    const importMs = performance.now() - started;
    return { index: await loadIndex(store.db), passages: summary.passages, importMs };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Scores one split's queries against an index already built. */
export function evaluateQueries(index: KnowledgeIndex, queries: readonly EvalQuery[], dataset: string, split: string): Pick<EvalRun, 'result' | 'perQuery'> {
  const now = new Date();
  const perQuery: EvalRun['perQuery'] = [];
  // A few queries first so the timings below measure the pipeline, not the JIT warming up.
  for (const q of queries.slice(0, 20)) suggestWithRetrieval(index, { ticket: q.ticket }, { now });
  for (const q of queries) {
    const started = performance.now();
    const { retrieval } = suggestWithRetrieval(index, { ticket: q.ticket }, { now });
    const ms = performance.now() - started;
    const ranked = retrieval.ranked.map((hit) => index.passages[hit.doc]!.article_id);
    perQuery.push({ id: q.id, metrics: queryMetrics(ranked, q.relevant), ms, ranked });
  }
  const mean = meanMetrics(perQuery.map((p) => p.metrics));
  const times = perQuery.map((p) => p.ms);
  const result: EvalResult = {
    dataset,
    split,
    n: queries.length,
    'recall@75': round(mean['recall@75']),
    'precision@8': round(mean['precision@8']),
    'recall@8': round(mean['recall@8']),
    mrr: round(mean.mrr),
    'ndcg@10': round(mean['ndcg@10']),
    ms_p50: round(percentile(times, 50), 2),
    ms_p95: round(percentile(times, 95), 2),
  };
  return { result, perQuery };
}

export async function runEval(dataset: string, split: string, options: { replies?: boolean; generator?: ReplyGenerator | undefined } = {}): Promise<EvalRun> {
  if (!existsSync(join(dataset, 'corpus.jsonl'))) throw new EvalError(`${dataset} is not a BEIR folder: corpus.jsonl is missing`);
  let queries: EvalQuery[];
  try {
    queries = loadBeirQueries(dataset, split);
  } catch (error) {
    throw new EvalError((error as Error).message);
  }
  if (queries.length === 0) throw new EvalError(`No query of split "${split}" has a relevant document in ${dataset}`);
  let built;
  try {
    built = await indexBeirFolder(dataset);
  } catch (error) {
    if (error instanceof ImportError) throw new EvalError(error.message);
    throw error;
  }
  const { index, passages, importMs } = built;
  const evaluated = evaluateQueries(index, queries, dataset, split);
  if (!options.replies) return { ...evaluated, index, passages, importMs };
  const replies = await evaluateReplies(index, queries, loadGoldResponses(dataset), options.generator);
  return { ...evaluated, result: { ...evaluated.result, ...replies }, index, passages, importMs };
}
