/**
 * `aitl eval`: imports a BEIR folder into a fresh temporary SQLite store, builds the knowledge index exactly as the
 * server does, runs every query of a split through the suggestion pipeline (conversation → query → retrieve 75 →
 * rerank → show 8 → replies) and scores the ranked passages against the qrels by BEIR document id. With an
 * embeddings client, passages and queries are embedded (in batches) and retrieval is dense + lexical, as in the server.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importKnowledge } from '../kb/import.ts';
import { ImportError } from '../kb/sources.ts';
import type { EmbeddingsClient } from '../llm/embeddings.ts';
import { LlmError } from '../llm/http.ts';
import type { ReplyGenerator } from '../rag/model-replies.ts';
import { embedMissingPassages, normalise } from '../rag/dense.ts';
import { loadIndex, type KnowledgeIndex } from '../rag/knowledge-index.ts';
import { buildQuery } from '../rag/query.ts';
import { suggestReplies, suggestWithRetrieval } from '../rag/suggest.ts';
import { openStore } from '../store/connect.ts';
import { type EvalQuery, loadBeirQueries } from './beir-queries.ts';
import { loadGoldResponses, meanReplyScores, type ReplyScores, scoreReplies } from './reply-metrics.ts';
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

/** Queries of the model's replies in flight at once in `--replies`. */
const REPLY_CONCURRENCY = 4;
/** The tenant an evaluation's throwaway store serves (any name: nothing is trained there). */
const EVAL_TENANT = 'eval';

/**
 * Builds a knowledge index from a BEIR folder in a throwaway SQLite store (the store is deleted before return); with
 * an embeddings client its passages are embedded and searched densely too.
 */
export async function indexBeirFolder(
  dataset: string,
  embeddings?: EmbeddingsClient,
): Promise<{ index: KnowledgeIndex; passages: number; importMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'aitl-eval-'));
  const store = await openStore(join(dir, 'eval.db'));
  try {
    const started = performance.now();
    const summary = await importKnowledge(store.db, dataset);
    const importMs = performance.now() - started;
    if (embeddings) await embedMissingPassages(store.db, embeddings, summary.base);
    // A throwaway store: its one (shared) knowledge base, with no trained version of any tenant.
    return { index: await loadIndex(store.db, { tenant: EVAL_TENANT, embedModel: embeddings?.model }), passages: summary.passages, importMs };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The unit-length embeddings of the queries' texts (as the server embeds them), in batches of the client's size. */
export async function embedQueries(client: EmbeddingsClient, queries: readonly EvalQuery[]): Promise<(Float32Array | undefined)[]> {
  const vectors = await client.embed(queries.map((q) => buildQuery(q.ticket).text));
  return vectors.map((v) => normalise(v));
}

/** Scores one split's queries against an index already built; `vectors[i]` is query i's embedding (dense retrieval). */
export function evaluateQueries(
  index: KnowledgeIndex,
  queries: readonly EvalQuery[],
  dataset: string,
  split: string,
  vectors?: readonly (Float32Array | undefined)[],
): Pick<EvalRun, 'result' | 'perQuery'> {
  const now = new Date();
  const perQuery: EvalRun['perQuery'] = [];
  // A few queries first so the timings below measure the pipeline, not the JIT warming up.
  queries.slice(0, 20).forEach((q, i) => suggestWithRetrieval(index, { ticket: q.ticket }, { now, queryVector: vectors?.[i] }));
  for (const [i, q] of queries.entries()) {
    const started = performance.now();
    const { retrieval } = suggestWithRetrieval(index, { ticket: q.ticket }, { now, queryVector: vectors?.[i] });
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

export async function runEval(
  dataset: string,
  split: string,
  options: { replies?: boolean; generator?: ReplyGenerator | undefined; embeddings?: EmbeddingsClient | undefined } = {},
): Promise<EvalRun> {
  if (!existsSync(join(dataset, 'corpus.jsonl'))) throw new EvalError(`${dataset} is not a BEIR folder: corpus.jsonl is missing`);
  let queries: EvalQuery[];
  try {
    queries = loadBeirQueries(dataset, split);
  } catch (error) {
    throw new EvalError((error as Error).message);
  }
  if (queries.length === 0) throw new EvalError(`No query of split "${split}" has a relevant document in ${dataset}`);
  const { embeddings } = options;
  let built;
  let vectors: (Float32Array | undefined)[] | undefined;
  try {
    built = await indexBeirFolder(dataset, embeddings);
    vectors = embeddings && (await embedQueries(embeddings, queries));
  } catch (error) {
    if (error instanceof ImportError) throw new EvalError(error.message);
    // Figures silently made without the configured dense retrieval would mislead; say so instead.
    if (embeddings && error instanceof LlmError) throw new EvalError(`Embeddings with ${embeddings.model} failed: ${error.message}`);
    throw error;
  }
  const { index, passages, importMs } = built;
  const evaluated = evaluateQueries(index, queries, dataset, split, vectors);
  if (!options.replies) return { ...evaluated, index, passages, importMs };
  const replies = await evaluateReplies(index, queries, loadGoldResponses(dataset), options.generator, vectors);
  return { ...evaluated, result: { ...evaluated.result, ...replies }, index, passages, importMs };
}

/**
 * Every query through the pipeline with replies (model-backed when a generator is given), REPLY_CONCURRENCY at a time
 * since a model answers slowly; scored in query order, so the means do not depend on which answer came first.
 */
async function evaluateReplies(
  index: KnowledgeIndex,
  queries: readonly EvalQuery[],
  gold: ReadonlyMap<string, string>,
  generator: ReplyGenerator | undefined,
  vectors: readonly (Float32Array | undefined)[] | undefined,
): Promise<EvalReplyResult> {
  const now = new Date();
  const responses = await mapWithConcurrency(queries, REPLY_CONCURRENCY, (q, i) =>
    suggestReplies(index, { ticket: q.ticket }, { now, generator, queryVector: vectors?.[i] }),
  );
  const mean = meanReplyScores(responses.map((response, i) => scoreReplies(response, gold.get(queries[i]!.id), queries[i]!.relevant)));
  const rounded = Object.fromEntries(Object.entries(mean).map(([k, v]) => [k, k === 'n_replies' ? v : round(v)])) as typeof mean;
  return { ...rounded, reply_fallbacks: responses.reduce((n, r) => n + r.candidates.filter((c) => c.fallbackFrom).length, 0) };
}

/** `fn` over `items` with at most `limit` calls pending; results in the items' order. */
async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
