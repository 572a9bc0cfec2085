/**
 * Reply quality for `aitl eval --replies`: token F1 and ROUGE-L (LCS F-measure) of each candidate against the
 * query's `metadata.gold_response`, and citation precision (cited snippets whose article is relevant in the qrels).
 * Per query each metric is the mean over its candidates (what an agent is shown on average); `_best` keys give the
 * better of the two. The summary is the mean over queries that have a gold response (citation precision: over
 * queries whose candidates cite anything).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SuggestionResponse } from '../../shared/index.ts';

/** Lower-cased letter/number runs; citation markers like [1] are not words of the reply. */
export function replyTokens(text: string): string[] {
  return (
    text
      .replace(/\[\d+(?:\s*,\s*\d+)*\]/g, ' ')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** SQuAD-style token F1: overlap counted with multiplicity. */
export function tokenF1(prediction: string, gold: string): number {
  const p = replyTokens(prediction);
  const g = replyTokens(gold);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let overlap = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      overlap++;
      counts.set(t, c - 1);
    }
  }
  if (overlap === 0) return 0;
  const precision = overlap / p.length;
  const recall = overlap / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Length of the longest common subsequence of two token lists (O(n·m) time, O(m) memory). */
export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Array<number>(b.length + 1).fill(0);
  let cur = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) cur[j] = a[i - 1] === b[j - 1] ? prev[j - 1]! + 1 : Math.max(prev[j]!, cur[j - 1]!);
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

/** ROUGE-L F1: LCS over the prediction's and gold's tokens, as precision and recall, harmonic mean. */
export function rougeL(prediction: string, gold: string): number {
  const p = replyTokens(prediction);
  const g = replyTokens(gold);
  if (p.length === 0 || g.length === 0) return p.length === g.length ? 1 : 0;
  const lcs = lcsLength(p, g);
  if (lcs === 0) return 0;
  const precision = lcs / p.length;
  const recall = lcs / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Fraction of cited articles (one per cited snippet) that are relevant; undefined when nothing is cited. */
export function citationPrecision(
  citedArticleIds: readonly string[],
  relevant: ReadonlyMap<string, number> | ReadonlySet<string>,
): number | undefined {
  if (citedArticleIds.length === 0) return undefined;
  return citedArticleIds.filter((id) => relevant.has(id)).length / citedArticleIds.length;
}

/** `metadata.gold_response` of each query in `queries.jsonl` that has one. */
export function loadGoldResponses(dir: string): Map<string, string> {
  const gold = new Map<string, string>();
  const file = join(dir, 'queries.jsonl');
  if (!existsSync(file)) return gold;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      const q = JSON.parse(line) as { _id?: unknown; metadata?: { gold_response?: unknown } | null };
      const response = q.metadata?.gold_response;
      if (q._id !== undefined && typeof response === 'string' && response.trim()) gold.set(String(q._id), response);
    } catch {
      // Bad lines are reported by the query loader.
    }
  }
  return gold;
}

export interface ReplyScores {
  reply_f1?: number;
  reply_rougeL?: number;
  reply_f1_best?: number;
  reply_rougeL_best?: number;
  citation_precision?: number;
}

/** One query's reply scores from its response; keys are absent when not measurable. */
export function scoreReplies(response: SuggestionResponse, gold: string | undefined, relevant: ReadonlyMap<string, number>): ReplyScores {
  const scores: ReplyScores = {};
  const candidates = response.candidates;
  if (candidates.length === 0) return gold === undefined ? scores : { reply_f1: 0, reply_rougeL: 0, reply_f1_best: 0, reply_rougeL_best: 0 };
  if (gold !== undefined) {
    const f1 = candidates.map((c) => tokenF1(c.text, gold));
    const rl = candidates.map((c) => rougeL(c.text, gold));
    scores.reply_f1 = mean(f1);
    scores.reply_rougeL = mean(rl);
    scores.reply_f1_best = Math.max(...f1);
    scores.reply_rougeL_best = Math.max(...rl);
  }
  const articleOf = new Map(response.snippets.map((s) => [s.snippetId, s.articleId]));
  const cited = candidates.flatMap((c) => c.citations.map((id) => articleOf.get(id) ?? ''));
  const precision = citationPrecision(cited, relevant);
  if (precision !== undefined) scores.citation_precision = precision;
  return scores;
}

/** Mean of each key over the queries that have it. */
export function meanReplyScores(all: readonly ReplyScores[]): ReplyScores & { n_replies: number } {
  const keys = ['reply_f1', 'reply_rougeL', 'reply_f1_best', 'reply_rougeL_best', 'citation_precision'] as const;
  const out: ReplyScores & { n_replies: number } = { n_replies: all.filter((s) => s.reply_f1 !== undefined).length };
  for (const key of keys) {
    const values = all.map((s) => s[key]).filter((v): v is number => v !== undefined);
    if (values.length) out[key] = mean(values);
  }
  return out;
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
