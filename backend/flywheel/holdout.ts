/**
 * The evaluation gate: what promotion rests on, and the rule that decides it.
 *
 * Two estimates, neither able to favour the candidate:
 *
 * 1. Cross-validated checks. Every check is held out once: the checks are cut into folds (a ticket's checks, and a
 *    question asked again, stay in one fold: folds.ts), a candidate is trained on the other folds by the very
 *    procedure that trains the real one, and it ranks the held-out fold against the current version. No check
 *    scores a candidate that learned from it, so the estimate carries no memorisation in the candidate's favour;
 *    checks the current version was trained on are left out (it would be answered from memory: a bias for the
 *    current version only). All checks count, not the newest tenth, so a few hundred checks have the power to see a
 *    real gain. Rankings are compared on condensed lists (unjudged passages dropped, Sakai 2007).
 * 2. A standing regression set scored on FULL rankings: each article title asked as a question, its article(s) the
 *    answer. Its labels come from the knowledge base, not from agents, and nothing trains on them. Checks only see
 *    the passages shown; this set sees a candidate that sinks passages for questions nobody checked. It is scored
 *    with the memory of checked questions set aside in both versions: a title is not a question as customers ask
 *    it ("HOTEL: is breakfast included?"), and what the memory does near checked questions is the first estimate's
 *    to judge; what remains is what a candidate changes for every question (priors, flags, weights).
 *
 * Differences are paired per query; a difference is "beyond noise" past z standard errors (and a small margin).
 */
import type { EvalQuery } from '../eval/beir-queries.ts';
import { METRIC_NAMES, type QueryMetrics, queryMetrics } from '../eval/metrics.ts';
import type { KnowledgeIndex } from '../rag/knowledge-index.ts';
import { retrieve } from '../rag/suggest.ts';
import type { CheckedSuggestion } from './feedback.ts';
import { foldsOf, isScored } from './folds.ts';
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
  /** Standard errors a gain must exceed to count (2). */
  z: number;
  /** Standard errors a loss must exceed to block (1.64: harm is looked for harder than gain). */
  harmZ: number;
  /** Absolute difference below which nothing counts (0.002). */
  margin: number;
  /** Fewest cross-validated checks to decide on (20). */
  minQueries: number;
}

export const DEFAULT_PROMOTION: PromotionRule = { target: 'ndcg@10', z: 2, harmZ: 1.64, margin: 0.002, minQueries: 20 };

/**
 * Held-out checks as queries with graded relevance over passage ids, and the passages judged (for condensing). Only
 * agents' own checks score: passages read from sent replies train but never judge. Replies stay right when the
 * checks are noise, so scored on them a candidate whose memory learned the noise too would look better for what
 * the replies taught while the noise it learned sank other answers unseen (stackfaq, coin-toss checks: promoted in
 * 7 of 8 seeds with test MRR 0.79 → 0.72).
 */
export function heldOutQueries(checked: readonly CheckedSuggestion[]): { query: EvalQuery; judged: Set<string> }[] {
  const out: { query: EvalQuery; judged: Set<string> }[] = [];
  for (const s of checked) {
    const relevant = new Map<string, number>();
    const judged = new Set<string>();
    for (const [passageId, c] of s.checks) {
      if (c.grounded) continue;
      judged.add(passageId);
      if (c.label >= 0.5) relevant.set(passageId, c.label >= 0.75 ? 2 : 1);
    }
    if (relevant.size === 0) continue;
    out.push({ query: { id: s.suggestionId, ticket: s.ticket, relevant }, judged });
  }
  return out;
}

/** Paired comparison on held-out checks: ranked passage ids, condensed to the judged ones. */
export function compareOnChecks(current: KnowledgeIndex, candidate: KnowledgeIndex, held: ReturnType<typeof heldOutQueries>): Comparison {
  return pairedComparison('held-out checks', pairsOnChecks(current, candidate, held));
}

/** Per held-out check, the current and the candidate ranking's metrics over the judged passages. */
function pairsOnChecks(current: KnowledgeIndex, candidate: KnowledgeIndex, held: ReturnType<typeof heldOutQueries>): [QueryMetrics, QueryMetrics][] {
  const rank = (index: KnowledgeIndex, q: EvalQuery, judged: Set<string>) =>
    retrieve(index, q.ticket)
      .ranked.map((hit) => index.passages[hit.doc]!.id)
      .filter((id) => judged.has(id));
  return held.map(({ query, judged }) => [
    queryMetrics(rank(current, query, judged), query.relevant),
    queryMetrics(rank(candidate, query, judged), query.relevant),
  ]);
}

/** Paired comparison on a BEIR regression set (documents are article ids). */
export function compareOnBeir(current: KnowledgeIndex, candidate: KnowledgeIndex, queries: readonly EvalQuery[], name: string): Comparison {
  const rank = (index: KnowledgeIndex, q: EvalQuery) => retrieve(index, q.ticket).ranked.map((hit) => index.passages[hit.doc]!.article_id);
  return pairedComparison(
    name,
    queries.map((q) => [queryMetrics(rank(current, q), q.relevant), queryMetrics(rank(candidate, q), q.relevant)]),
  );
}

/**
 * Cross-validated comparison over all `checked`: fold f is ranked by `trainWithout(f's complement, f)` and by the
 * current index (folds as `foldsOf(checked, folds)` deals them). Every check trains; a fixed sample of at most
 * MAX_SCORED is scored (`isScored`). Only suggestions `fresh` (not trained on by the current version) are scored.
 */
export function crossValidate(
  current: KnowledgeIndex,
  checked: readonly CheckedSuggestion[],
  trainWithout: (train: CheckedSuggestion[], fold: number) => KnowledgeIndex,
  fresh: (s: CheckedSuggestion) => boolean,
  folds = 5,
): Comparison {
  const { fold, k } = foldsOf(checked, folds);
  const pairs: [QueryMetrics, QueryMetrics][] = [];
  for (let f = 0; k > 1 && f < k; f++) {
    const held = heldOutQueries(checked.filter((s, i) => fold[i] === f && fresh(s) && isScored(i, checked.length)));
    if (held.length === 0) continue;
    const candidate = trainWithout(
      checked.filter((_, i) => fold[i] !== f),
      f,
    );
    pairs.push(...pairsOnChecks(current, candidate, held));
  }
  return pairedComparison(`${k}-fold cross-validated checks`, pairs);
}

/** Most title queries scored per cycle (every n-th title beyond it), to bound the cycle's time on a large knowledge base. */
const MAX_TITLE_QUERIES = 2000;

/** Each distinct article title as a customer question; relevant: the articles bearing that title. */
export function titleQueries(index: KnowledgeIndex): EvalQuery[] {
  const byTitle = new Map<string, { title: string; articles: Set<string> }>();
  for (const p of index.passages) {
    const key = normaliseQuery(p.title);
    if (key === '') continue;
    const entry = byTitle.get(key) ?? { title: p.title, articles: new Set<string>() };
    entry.articles.add(p.article_id);
    byTitle.set(key, entry);
  }
  const all = [...byTitle.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const step = Math.max(1, all.length / MAX_TITLE_QUERIES);
  const out: EvalQuery[] = [];
  for (let i = 0; i < all.length; i += step) {
    const [key, { title, articles }] = all[Math.floor(i)]!;
    out.push({
      id: `title:${key}`,
      ticket: { host: 'regression', ticketId: key.slice(0, 128), messages: [{ role: 'customer', text: title }] },
      relevant: new Map([...articles].map((a) => [a, 1])),
    });
  }
  return out;
}

/** Paired per-query metrics (current, candidate) summarised: mean difference and its standard error per metric. */
export function pairedComparison(set: string, pairs: readonly [QueryMetrics, QueryMetrics][]): Comparison {
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
 * Promote when nothing regresses beyond noise on any set (every metric, `harmZ`) and the target metric gains beyond
 * noise (`z`) on at least one set; otherwise keep, saying why. A candidate equal to the current version has no
 * difference anywhere and is kept; under no real difference a gain beyond 2 standard errors on either of two sets
 * happens by chance in under 5 % of cycles, and the no-regression condition lowers that further.
 */
export function decidePromotion(comparisons: readonly Comparison[], rule: PromotionRule = DEFAULT_PROMOTION): { promote: boolean; reason: string } {
  const [main] = comparisons;
  if (!main || main.n < rule.minQueries) {
    return { promote: false, reason: `too few checks to judge a candidate by (${main?.n ?? 0} < ${rule.minQueries})` };
  }
  const beyond = (m: PairedMetric, z: number) => Math.abs(m.diff) > Math.max(rule.margin, z * m.se);
  for (const c of comparisons) {
    for (const name of METRIC_NAMES) {
      const m = c.metrics[name];
      if (m.diff < 0 && beyond(m, rule.harmZ))
        return { promote: false, reason: `${name} regresses on ${c.set}: ${m.current} → ${m.candidate} (Δ ${m.diff} ± ${m.se})` };
    }
  }
  const gains = comparisons.filter((c) => c.n > 0 && c.metrics[rule.target].diff > 0 && beyond(c.metrics[rule.target], rule.z));
  if (gains.length === 0) {
    const t = main.metrics[rule.target];
    return {
      promote: false,
      reason: `${rule.target} does not improve beyond noise on ${main.set}: ${t.current} → ${t.candidate} (Δ ${t.diff} ± ${t.se}), nor on any other set`,
    };
  }
  const said = comparisons.map((c) => {
    const t = c.metrics[rule.target];
    return `${c.set} (${c.n} queries) ${rule.target} ${t.current} → ${t.candidate} (Δ ${t.diff} ± ${t.se})`;
  });
  return { promote: true, reason: `${said.join('; ')}; nothing regresses` };
}

/** What each comparison says, in words for a team lead: one line per set, with its verdict. */
export function explainComparisons(comparisons: readonly Comparison[], rule: PromotionRule = DEFAULT_PROMOTION): string[] {
  const beyond = (m: PairedMetric, z: number) => Math.abs(m.diff) > Math.max(rule.margin, z * m.se);
  return comparisons.map((c) => {
    const t = c.metrics[rule.target];
    const worse = METRIC_NAMES.filter((name) => c.metrics[name].diff < 0 && beyond(c.metrics[name], rule.harmZ));
    const verdict = worse.length
      ? `worse beyond noise on ${worse.join(', ')}`
      : t.diff > 0 && beyond(t, rule.z)
        ? 'better beyond noise, nothing worse'
        : 'no difference beyond noise';
    const sign = t.diff >= 0 ? '+' : '';
    return `${c.set}, ${c.n} questions: ${rule.target} ${t.current} → ${t.candidate} (${sign}${t.diff} ± ${t.se}), ${verdict}`;
  });
}

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : 0;
}

function round(n: number): number {
  return Math.round(n * 1e4) / 1e4;
}
