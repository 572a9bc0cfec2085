import { describe, expect, it } from 'vitest';
import { TWO_INNS } from '../../helpers/passages.ts';
import { DEFAULT_RANKING } from '../../../backend/flywheel/artefacts.ts';
import type { CheckedSuggestion } from '../../../backend/flywheel/feedback.ts';
import {
  type Comparison,
  compareOnBeir,
  compareOnChecks,
  DEFAULT_PROMOTION,
  decidePromotion,
  heldOutQueries,
  type MetricName,
  type PairedMetric,
  unseenQuestions,
} from '../../../backend/flywheel/holdout.ts';
import { METRIC_NAMES } from '../../../backend/eval/metrics.ts';
import { buildFeedbackLayer } from '../../../backend/rag/feedback-layer.ts';
import { buildIndex, type KnowledgeIndex, withFeedback } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER } from '../../../backend/rag/reranker.ts';
import { retrieve } from '../../../backend/rag/suggest.ts';
import type { PassageRow } from '../../../backend/store/schema.ts';
import type { TicketContext } from '../../../shared/index.ts';

/** A comparison where every metric is flat (no difference) unless overridden. */
function comparison(n: number, overrides: Partial<Record<MetricName, Partial<PairedMetric>>> = {}, set = 'held-out checks'): Comparison {
  const metrics = {} as Record<MetricName, PairedMetric>;
  for (const name of METRIC_NAMES) metrics[name] = { current: 0.5, candidate: 0.5, diff: 0, se: 0.01, ...overrides[name] };
  return { set, n, metrics };
}

describe('decidePromotion', () => {
  it('promotes on a clear gain of the target metric when nothing regresses', () => {
    const d = decidePromotion([comparison(50, { 'ndcg@10': { current: 0.6, candidate: 0.68, diff: 0.08, se: 0.02 } })]);
    expect(d.promote).toBe(true);
    expect(d.reason).toContain('ndcg@10 0.6 → 0.68 on 50 held-out queries');
    expect(d.reason).toContain('nothing regresses');
  });

  it('names the regression set alongside the gain when one was scored', () => {
    const d = decidePromotion([
      comparison(50, { 'ndcg@10': { current: 0.6, candidate: 0.68, diff: 0.08, se: 0.02 } }),
      comparison(300, { 'ndcg@10': { current: 0.41, candidate: 0.412, diff: 0.002, se: 0.003 } }, 'regression set beir (test)'),
    ]);
    expect(d.promote).toBe(true);
    expect(d.reason).toContain('regression set beir (test) ndcg@10 0.41 → 0.412');
  });

  it('keeps when any metric regresses beyond noise, naming the metric and the set, even with a target gain', () => {
    const gain = { 'ndcg@10': { current: 0.6, candidate: 0.7, diff: 0.1, se: 0.02 } };
    const onChecks = decidePromotion([comparison(50, { ...gain, 'recall@75': { current: 0.9, candidate: 0.8, diff: -0.1, se: 0.02 } })]);
    expect(onChecks.promote).toBe(false);
    expect(onChecks.reason).toMatch(/^recall@75 regresses on held-out checks: 0\.9 → 0\.8/);

    const onRegression = decidePromotion([
      comparison(50, gain),
      comparison(300, { mrr: { current: 0.4, candidate: 0.37, diff: -0.03, se: 0.01 } }, 'regression set dstc11 (test)'),
    ]);
    expect(onRegression.promote).toBe(false);
    expect(onRegression.reason).toMatch(/^mrr regresses on regression set dstc11 \(test\)/);
  });

  it('tolerates a drop within noise (two standard errors, or under the absolute margin)', () => {
    const gain = { 'ndcg@10': { current: 0.6, candidate: 0.7, diff: 0.1, se: 0.02 } };
    // −0.03 with se 0.02: within 2 × se.
    expect(decidePromotion([comparison(50, { ...gain, mrr: { diff: -0.03, se: 0.02 } })]).promote).toBe(true);
    // −0.001 with se 0: below the 0.002 margin.
    expect(decidePromotion([comparison(50, { ...gain, mrr: { diff: -0.001, se: 0 } })]).promote).toBe(true);
  });

  it('keeps when there are too few held-out queries, whatever the gain', () => {
    const big = { 'ndcg@10': { current: 0.2, candidate: 0.9, diff: 0.7, se: 0.01 } };
    const d = decidePromotion([comparison(DEFAULT_PROMOTION.minQueries - 1, big)]);
    expect(d).toEqual({ promote: false, reason: 'too few held-out queries with a question training never saw (19 < 20)' });
    expect(decidePromotion([]).reason).toBe('too few held-out queries with a question training never saw (0 < 20)');
    expect(decidePromotion([comparison(20, big)]).promote).toBe(true);
    expect(decidePromotion([comparison(20, big)], { ...DEFAULT_PROMOTION, minQueries: 100 }).promote).toBe(false);
  });

  it('keeps when the gain is within noise', () => {
    const noisy = decidePromotion([comparison(50, { 'ndcg@10': { current: 0.6, candidate: 0.63, diff: 0.03, se: 0.02 } })]);
    expect(noisy.promote).toBe(false);
    expect(noisy.reason).toBe('ndcg@10 does not improve beyond noise on held-out checks: 0.6 → 0.63 (Δ 0.03 ± 0.02)');
    // Exactly two standard errors is not beyond them.
    expect(decidePromotion([comparison(50, { 'ndcg@10': { diff: 0.04, se: 0.02 } })]).promote).toBe(false);
    // A tiny gain with no variance at all is still under the absolute margin.
    expect(decidePromotion([comparison(50, { 'ndcg@10': { diff: 0.001, se: 0 } })]).promote).toBe(false);
    // No change at all.
    expect(decidePromotion([comparison(50)]).promote).toBe(false);
  });

  it('judges the target metric the rule names', () => {
    const mrrGain = [comparison(50, { mrr: { current: 0.5, candidate: 0.6, diff: 0.1, se: 0.02 } })];
    expect(decidePromotion(mrrGain).promote).toBe(false);
    expect(decidePromotion(mrrGain, { ...DEFAULT_PROMOTION, target: 'mrr' }).promote).toBe(true);
  });
});


const PASSAGES: PassageRow[] = TWO_INNS.filter((p) => p.id !== 'maple-review');
const base = buildIndex(PASSAGES, 'imp');

const ticket = (text: string, id = 't'): TicketContext => ({ host: 'demo', ticketId: id, messages: [{ role: 'customer', text }] });

/** The same index with a strong prior on some passages. */
function boosted(priors: Record<string, number>): KnowledgeIndex {
  const reranker = { version: 'boost', features: [...DEFAULT_RERANKER.features, 'prior' as const], weights: [...DEFAULT_RERANKER.weights, 10] };
  return withFeedback(base, buildFeedbackLayer(PASSAGES, 'ranking-test', { ...DEFAULT_RANKING, reranker, priors }));
}

const ids = (index: KnowledgeIndex, t: TicketContext) => retrieve(index, t).ranked.map((h) => index.passages[h.doc]!.id);

function checked(id: string, question: string, checks: Record<string, number>, createdAt = '2026-11-01T00:00:00.000Z'): CheckedSuggestion {
  return {
    suggestionId: id,
    tenant: 'acme',
    createdAt,
    ticket: ticket(question, id),
    question,
    checks: new Map(Object.entries(checks).map(([p, label]) => [p, { label, weight: 1 }])),
  };
}

describe('heldOutQueries', () => {
  it('grades relevant checks (≥ 0.75 → 2, ≥ 0.5 → 1), keeps every checked passage as judged, and skips suggestions with nothing relevant', () => {
    const held = heldOutQueries([
      checked('s1', 'Is there parking at Harbour Inn?', { 'harbour-parking': 1, 'harbour-review': 0.5, 'harbour-breakfast': 0 }),
      checked('s2', 'Gift cards?', { 'gift-cards': 0.25 }),
    ]);
    expect(held).toHaveLength(1);
    expect(held[0]!.query.id).toBe('s1');
    expect([...held[0]!.query.relevant]).toEqual([
      ['harbour-parking', 2],
      ['harbour-review', 1],
    ]);
    expect([...held[0]!.judged].sort()).toEqual(['harbour-breakfast', 'harbour-parking', 'harbour-review']);
  });
});

describe('compareOnChecks', () => {
  const question = 'Is there parking at Harbour Inn?';
  const held = heldOutQueries([checked('s1', question, { 'harbour-parking': 1, 'harbour-breakfast': 0 })]);

  it('condenses to the judged passages: an unjudged passage ranked first changes no metric', () => {
    expect(ids(base, ticket(question))[0]).toBe('harbour-parking');
    const candidate = boosted({ 'harbour-review': 1 });
    // The candidate really does put the unjudged passage first…
    expect(ids(candidate, ticket(question))[0]).toBe('harbour-review');
    const c = compareOnChecks(base, candidate, held);
    expect(c.set).toBe('held-out checks');
    expect(c.n).toBe(1);
    // …but judged only where the relevant passage stands among the judged ones, it is as good as the current one.
    for (const name of METRIC_NAMES) expect(c.metrics[name], name).toEqual({ current: c.metrics[name].current, candidate: c.metrics[name].current, diff: 0, se: 0 });
    expect(c.metrics.mrr.current).toBe(1);
    expect(c.metrics['ndcg@10'].current).toBe(1);
  });

  it('does see a judged irrelevant passage moved above the relevant one', () => {
    const c = compareOnChecks(base, boosted({ 'harbour-breakfast': 1 }), held);
    expect(c.metrics.mrr).toMatchObject({ current: 1, candidate: 0.5, diff: -0.5 });
    expect(c.metrics['ndcg@10'].diff).toBeLessThan(0);
    expect(decidePromotion([{ ...c, n: 50 }]).reason).toMatch(/regresses on held-out checks/);
  });

  it('pairs the differences per query: mean difference and its standard error', () => {
    const two = heldOutQueries([
      checked('s1', question, { 'harbour-parking': 1, 'harbour-breakfast': 0 }),
      checked('s2', 'When is breakfast at Harbour Inn?', { 'harbour-breakfast': 1, 'harbour-parking': 0 }),
    ]);
    const c = compareOnChecks(base, boosted({ 'harbour-breakfast': 1 }), two);
    expect(c.n).toBe(2);
    // s1 loses half its reciprocal rank, s2 keeps 1: mean −0.25, sd of (−0.5, 0) = 0.3536, se = 0.25.
    expect(c.metrics.mrr).toEqual({ current: 1, candidate: 0.75, diff: -0.25, se: 0.25 });
  });
});

describe('compareOnBeir', () => {
  it('scores article ids over the full ranking (nothing condensed)', () => {
    const queries = [{ id: 'q1', ticket: ticket('Is there parking at Harbour Inn?'), relevant: new Map([['harbour-parking', 1]]) }];
    const c = compareOnBeir(base, boosted({ 'harbour-review': 1 }), queries, 'regression');
    expect(c.set).toBe('regression');
    expect(c.metrics.mrr).toMatchObject({ current: 1, candidate: 0.5, diff: -0.5 });
  });
});

describe('unseenQuestions', () => {
  const checked = (id: string, question: string): CheckedSuggestion => ({
    suggestionId: id,
    tenant: 't',
    createdAt: '2026-11-01T00:00:00.000Z',
    ticket: { host: 'demo', ticketId: id, messages: [{ role: 'customer', text: question }] },
    question,
    checks: new Map([['p1', { label: 1, weight: 1 }]]),
  });

  it('drops held-out suggestions whose question training already asked, whatever the case, punctuation or spacing', () => {
    const train = [checked('a', 'Is breakfast included?'), checked('b', 'Do you have parking')];
    const held = [checked('c', 'is  BREAKFAST included'), checked('d', 'Is there a gym?'), checked('e', 'Do you have parking?!')];
    expect(unseenQuestions(train, held).map((s) => s.suggestionId)).toEqual(['d']);
  });
});
