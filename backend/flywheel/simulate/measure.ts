/**
 * The simulator's yardstick, computed in-process on the held-out split (never sent to the API): retrieval metrics
 * of the index now serving, token F1 of the two candidates against the gold reply, and the adoption rate.
 *
 * Adoption rule. An agent sends their own (gold) reply, and an extractive candidate is almost never within edit
 * similarity 0.5 of a human reply, so "verbatim or edited" by `adoptionOutcome` would be ~0 everywhere. Instead a
 * query counts as adopted when the closer candidate's token F1 with the gold reply is at least τ, and τ is fixed
 * once, on the TRAIN split before any feedback: the median closer-candidate F1 there (at least MIN_TAU), so about
 * half of the train tickets would be adopted at the start and the rate moves only with the replies.
 */
import type { AppDeps } from '../../deps.ts';
import type { EvalQuery } from '../../eval/beir-queries.ts';
import { round } from '../../eval/metrics.ts';
import { scoreReplies } from '../../eval/reply-metrics.ts';
import { evaluateQueries } from '../../eval/run.ts';
import { suggestReplies } from '../../rag/suggest.ts';

/** A closer candidate sharing less than this with the reply sent is never counted as adopted. */
export const MIN_TAU = 0.1;

export interface CycleMetrics {
  cycle: number;
  'recall@75': number;
  'precision@8': number;
  mrr: number;
  'ndcg@10': number;
  /** Mean token F1 of the two candidates against the gold reply; null without gold replies. */
  reply_f1: number | null;
  /** Share of queries (with a gold reply) whose closer candidate has token F1 ≥ τ; null without gold replies. */
  adoption_rate: number | null;
}

export interface ReplyF1s {
  /** Per query with a gold reply: mean F1 of the candidates, and the closer candidate's F1. */
  mean: number[];
  best: number[];
}

/** Candidates for every query with a gold reply, made as the suggestion route makes them, scored against it. */
export async function replyF1s(deps: AppDeps, queries: readonly EvalQuery[], gold: ReadonlyMap<string, string>): Promise<ReplyF1s> {
  const out: ReplyF1s = { mean: [], best: [] };
  // The simulator's agents are the default tenant's: its index is theirs.
  const index = await deps.knowledge.of(deps.config.defaultTenant);
  for (const q of queries) {
    const reply = gold.get(q.id);
    if (reply === undefined) continue;
    const response = await suggestReplies(index, { ticket: q.ticket }, { generator: deps.replies, embedder: deps.embedder });
    const scores = scoreReplies(response, reply, q.relevant);
    out.mean.push(scores.reply_f1 ?? 0);
    out.best.push(scores.reply_f1_best ?? 0);
  }
  return out;
}

/** τ: the median of the closer candidates' F1 (at least MIN_TAU). */
export function adoptionThreshold(best: readonly number[]): number {
  if (best.length === 0) return MIN_TAU;
  const sorted = [...best].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return round(Math.max(MIN_TAU, median));
}

/** One row of the per-cycle table: the serving index and replies on the held-out queries. */
export async function measureCycle(
  deps: AppDeps,
  cycle: number,
  queries: readonly EvalQuery[],
  gold: ReadonlyMap<string, string>,
  tau: number,
  dataset: string,
  split: string,
): Promise<CycleMetrics> {
  const { result } = evaluateQueries(await deps.knowledge.of(deps.config.defaultTenant), queries, dataset, split);
  const f1 = await replyF1s(deps, queries, gold);
  const n = f1.best.length;
  return {
    cycle,
    'recall@75': result['recall@75'],
    'precision@8': result['precision@8'],
    mrr: result.mrr,
    'ndcg@10': result['ndcg@10'],
    reply_f1: n ? round(f1.mean.reduce((a, b) => a + b, 0) / n) : null,
    adoption_rate: n ? round(f1.best.filter((x) => x >= tau).length / n) : null,
  };
}
