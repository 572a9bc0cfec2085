/**
 * The evaluation gate: a candidate ranking against the current one on data neither was trained on, and the rule
 * that decides promotion.
 *
 * Held-out checks are the newest suggestions agents checked (a time split). They were judged only where they were
 * shown, so rankings are compared on condensed lists (unjudged passages dropped, Sakai 2007): an unjudged passage
 * a new ranking brings up is neither rewarded nor punished. A BEIR folder (e.g. an exported `beir` batch of the
 * team's own labels) can be added as a regression set and is scored in full.
 *
 * Differences are paired per query; "beyond noise" means more than two standard errors of the paired difference
 * (and at least a small absolute margin), so a few hundred queries suffice to promote a real gain.
 */
import type { EvalQuery } from '../eval/beir-queries.ts';
import { METRIC_NAMES, type QueryMetrics, queryMetrics } from '../eval/metrics.ts';
import type { KnowledgeIndex } from '../rag/knowledge-index.ts';
import { retrieve } from '../rag/suggest.ts';
import type { CheckedSuggestion } from './feedback.ts';
import { normaliseQuery } from './train/expansions.ts';

export type MetricName = (typeof METRIC_NAMES)[number];

export interface PairedMetric {
  current: number;
  candidate: number;
  /** Mean paired difference (candidate − current) and its standard error. */
  diff: number;
  se: number;
}

export interface Comparison {
  set: string;
  n: number;
  metrics: Record<MetricName, PairedMetric>;
}

export interface PromotionRule {
  target: MetricName;
  /** Standard errors a difference must exceed to count (2). */
  z: number;
  /** Absolute difference below which nothing counts (0.002). */
  margin: number;
  /** Fewest held-out queries to decide on (20). */
  minQueries: number;
}

export const DEFAULT_PROMOTION: PromotionRule = { target: 'ndcg@10', z: 2, margin: 0.002, minQueries: 20 };

/**
 * The held-out suggestions whose question the training checks never asked (compared after normalising case,
 * punctuation and spacing). A question asked again is answered from memory by the expansions, so held-out repeats
 * would measure recall of the training data, not how the candidate does on the next new question.
 */
export function unseenQuestions(train: readonly CheckedSuggestion[], held: readonly CheckedSuggestion[]): CheckedSuggestion[] {
  const seen = new Set(train.map((s) => normaliseQuery(s.question)));
  return held.filter((s) => !seen.has(normaliseQuery(s.question)));
}

/** Held-out checks as queries with graded relevance over passage ids, and the passages judged (for condensing). */
export function heldOutQueries(checked: readonly CheckedSuggestion[]): { query: EvalQuery; judged: Set<string> }[] {
  const out: { query: EvalQuery; judged: Set<string> }[] = [];
  for (const s of checked) {
    const relevant = new Map<string, number>();
    for (const [passageId, c] of s.checks) if (c.label >= 0.5) relevant.set(passageId, c.label >= 0.75 ? 2 : 1);
    if (relevant.size === 0) continue;
    out.push({ query: { id: s.suggestionId, ticket: s.ticket, relevant }, judged: new Set(s.checks.keys()) });
  }
  return out;
}

/** Paired comparison on held-out checks: ranked passage ids, condensed to the judged ones. */
export function compareOnChecks(current: KnowledgeIndex, candidate: KnowledgeIndex, held: ReturnType<typeof heldOutQueries>): Comparison {
  const rank = (index: KnowledgeIndex, q: EvalQuery, judged: Set<string>) =>
    retrieve(index, q.ticket)
      .ranked.map((hit) => index.passages[hit.doc]!.id)
      .filter((id) => judged.has(id));
  return paired(
    'held-out checks',
    held.map(({ query, judged }) => [queryMetrics(rank(current, query, judged), query.relevant), queryMetrics(rank(candidate, query, judged), query.relevant)]),
  );
}

/** Paired comparison on a BEIR regression set (documents are article ids). */
export function compareOnBeir(current: KnowledgeIndex, candidate: KnowledgeIndex, queries: readonly EvalQuery[], name: string): Comparison {
  const rank = (index: KnowledgeIndex, q: EvalQuery) => retrieve(index, q.ticket).ranked.map((hit) => index.passages[hit.doc]!.article_id);
  return paired(
    name,
    queries.map((q) => [queryMetrics(rank(current, q), q.relevant), queryMetrics(rank(candidate, q), q.relevant)]),
  );
}

function paired(set: string, pairs: readonly [QueryMetrics, QueryMetrics][]): Comparison {
  const n = pairs.length;
  const metrics = {} as Record<MetricName, PairedMetric>;
  for (const name of METRIC_NAMES) {
    const a = pairs.map(([c]) => c[name]);
    const b = pairs.map(([, x]) => x[name]);
    const d = pairs.map(([c, x]) => x[name] - c[name]);
    const diff = mean(d);
    const variance = n > 1 ? d.reduce((s, v) => s + (v - diff) ** 2, 0) / (n - 1) : 0;
    metrics[name] = { current: round(mean(a)), candidate: round(mean(b)), diff: round(diff), se: round(n > 0 ? Math.sqrt(variance / n) : 0) };
  }
  return { set, n, metrics };
}

/**
 * Promote when the target metric improves beyond noise on the held-out checks and no metric of any set regresses
 * beyond noise; otherwise keep, saying why.
 */
export function decidePromotion(comparisons: readonly Comparison[], rule: PromotionRule = DEFAULT_PROMOTION): { promote: boolean; reason: string } {
  const [main, ...others] = comparisons;
  if (!main || main.n < rule.minQueries) {
    return { promote: false, reason: `too few held-out queries with a question training never saw (${main?.n ?? 0} < ${rule.minQueries})` };
  }
  const beyond = (m: PairedMetric) => Math.abs(m.diff) > Math.max(rule.margin, rule.z * m.se);
  for (const c of comparisons) {
    for (const name of METRIC_NAMES) {
      const m = c.metrics[name];
      if (m.diff < 0 && beyond(m)) return { promote: false, reason: `${name} regresses on ${c.set}: ${m.current} → ${m.candidate} (Δ ${m.diff} ± ${m.se})` };
    }
  }
  const t = main.metrics[rule.target];
  if (!(t.diff > 0 && beyond(t))) {
    return { promote: false, reason: `${rule.target} does not improve beyond noise on ${main.set}: ${t.current} → ${t.candidate} (Δ ${t.diff} ± ${t.se})` };
  }
  const also = others.map((c) => `${c.set} ${rule.target} ${c.metrics[rule.target].current} → ${c.metrics[rule.target].candidate}`);
  return {
    promote: true,
    reason: [`${rule.target} ${t.current} → ${t.candidate} on ${main.n} held-out queries (Δ ${t.diff} ± ${t.se}), nothing regresses`, ...also].join('; '),
  };
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0;
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
