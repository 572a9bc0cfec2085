import { describe, expect, it } from 'vitest';
import { TWO_INNS } from '../../helpers/passages.ts';
import { DEFAULT_RANKING } from '../../../backend/models/artefacts.ts';
import type { CheckedSuggestion } from '../../../backend/flywheel/feedback.ts';
import {
  type Comparison,
  compareOnBeir,
  compareOnChecks,
  DEFAULT_PROMOTION,
  decidePromotion,
  crossValidate,
  explainComparisons,
  heldOutQueries,
  type MetricName,
  type PairedMetric,
  pairedComparison,
  titleQueries,
} from '../../../backend/flywheel/holdout.ts';
import { METRIC_NAMES, type QueryMetrics } from '../../../backend/eval/metrics.ts';
import { foldsOf } from '../../../backend/flywheel/folds.ts';
import { passage } from '../../helpers/passages.ts';
import { buildFeedbackLayer } from '../../../backend/rag/feedback-layer.ts';
import { buildIndex, type KnowledgeIndex, withFeedback } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER } from '../../../backend/models/reranker.ts';
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
    expect(d.reason).toContain('held-out checks (50 queries) ndcg@10 0.6 → 0.68 (Δ 0.08 ± 0.02)');
    expect(d.reason).toContain('nothing regresses');
  });

  it('names the regression set alongside the gain when one was scored', () => {
    const d = decidePromotion([
      comparison(50, { 'ndcg@10': { current: 0.6, candidate: 0.68, diff: 0.08, se: 0.02 } }),
      comparison(300, { 'ndcg@10': { current: 0.41, candidate: 0.412, diff: 0.002, se: 0.003 } }, 'regression set beir (test)'),
    ]);
    expect(d.promote).toBe(true);
    expect(d.reason).toContain('regression set beir (test) (300 queries) ndcg@10 0.41 → 0.412');
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

  it('tolerates a drop within noise (1.64 standard errors, or under the absolute margin)', () => {
    const gain = { 'ndcg@10': { current: 0.6, candidate: 0.7, diff: 0.1, se: 0.02 } };
    // −0.03 with se 0.02: within 1.64 × se; −0.034 is not.
    expect(decidePromotion([comparison(50, { ...gain, mrr: { diff: -0.03, se: 0.02 } })]).promote).toBe(true);
    expect(decidePromotion([comparison(50, { ...gain, mrr: { diff: -0.034, se: 0.02 } })]).promote).toBe(false);
    // −0.001 with se 0: below the 0.002 margin.
    expect(decidePromotion([comparison(50, { ...gain, mrr: { diff: -0.001, se: 0 } })]).promote).toBe(true);
  });

  it('keeps when there are too few held-out queries, whatever the gain', () => {
    const big = { 'ndcg@10': { current: 0.2, candidate: 0.9, diff: 0.7, se: 0.01 } };
    const d = decidePromotion([comparison(DEFAULT_PROMOTION.minQueries - 1, big)]);
    expect(d).toEqual({ promote: false, reason: 'too few checks to judge a candidate by (19 < 20)' });
    expect(decidePromotion([]).reason).toBe('too few checks to judge a candidate by (0 < 20)');
    expect(decidePromotion([comparison(20, big)]).promote).toBe(true);
    expect(decidePromotion([comparison(20, big)], { ...DEFAULT_PROMOTION, minQueries: 100 }).promote).toBe(false);
  });

  it('keeps when the gain is within noise', () => {
    const noisy = decidePromotion([comparison(50, { 'ndcg@10': { current: 0.6, candidate: 0.63, diff: 0.03, se: 0.02 } })]);
    expect(noisy.promote).toBe(false);
    expect(noisy.reason).toBe('ndcg@10 does not improve beyond noise on held-out checks: 0.6 → 0.63 (Δ 0.03 ± 0.02), nor on any other set');
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
  return withFeedback(base, buildFeedbackLayer(base, 'ranking-test', { ...DEFAULT_RANKING, reranker, priors }));
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

  it('never scores on passages read from sent replies: they train, only agents’ own checks judge', () => {
    const withReply = checked('s1', 'Is there parking at Harbour Inn?', { 'harbour-breakfast': 0 });
    withReply.checks.set('harbour-parking', { label: 1, weight: 1, grounded: true });
    expect(heldOutQueries([withReply])).toEqual([]);
    withReply.checks.set('harbour-review', { label: 1, weight: 1 });
    const [held] = heldOutQueries([withReply]);
    expect([...held!.query.relevant.keys()]).toEqual(['harbour-review']);
    expect([...held!.judged].sort()).toEqual(['harbour-breakfast', 'harbour-review']);
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
    for (const name of METRIC_NAMES)
      expect(c.metrics[name], name).toEqual({ current: c.metrics[name].current, candidate: c.metrics[name].current, diff: 0, se: 0 });
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

describe('foldsOf', () => {
  it("keeps a ticket's checks, and a question asked again, in one fold", () => {
    const s = [
      checked('a', 'Is breakfast included?', {}),
      checked('b', 'Do you have parking', {}),
      checked('c', 'is  BREAKFAST included', {}),
      { ...checked('d', 'Is there a gym?', {}), ticket: ticket('Is there a gym?', 'b') },
      checked('e', 'Pets allowed?', {}),
      checked('f', 'Late checkout?', {}),
    ];
    const { fold, k } = foldsOf(s, 3);
    expect(k).toBe(3);
    expect(fold[2]).toBe(fold[0]);
    expect(fold[3]).toBe(fold[1]);
    expect(new Set(fold).size).toBe(3);
    // Never more folds than groups.
    expect(foldsOf([checked('a', 'x', {}), checked('b', 'x', {})], 5).k).toBe(1);
  });
});

describe('crossValidate', () => {
  const checks = Array.from({ length: 10 }, (_, i) =>
    i % 2 === 0
      ? checked(`p${i}`, `Is there parking at Harbour Inn, car ${i}?`, { 'harbour-parking': 1, 'harbour-breakfast': 0 })
      : checked(`b${i}`, `When is breakfast at Harbour Inn, day ${i}?`, { 'harbour-breakfast': 1, 'harbour-parking': 0 }),
  );

  it('scores every check once, by a candidate trained without its fold, and only checks the current version never saw', () => {
    const seen: number[] = [];
    const c = crossValidate(
      base,
      checks,
      (train) => (seen.push(train.length), base),
      () => true,
      5,
    );
    expect(c.n).toBe(10);
    expect(seen).toEqual([8, 8, 8, 8, 8]);
    // An identical candidate: no difference anywhere, kept.
    for (const name of METRIC_NAMES) expect(c.metrics[name].diff).toBe(0);
    expect(decidePromotion([c]).promote).toBe(false);
    expect(
      crossValidate(
        base,
        checks,
        () => base,
        (s) => s.suggestionId.startsWith('p'),
        5,
      ).n,
    ).toBe(5);
  });

  it('a deliberately harmful candidate (judged-irrelevant passages first) is never promoted', () => {
    const c = crossValidate(
      base,
      checks,
      () => boosted({ 'harbour-breakfast': 1, 'harbour-parking': -1 }),
      () => true,
      5,
    );
    expect(c.metrics.mrr.diff).toBeLessThan(0);
    expect(decidePromotion([c], { ...DEFAULT_PROMOTION, minQueries: 5 }).promote).toBe(false);
  });
});

describe('decidePromotion on A/A data', () => {
  it('promotes a candidate no better than the current version in at most 5 % of cycles', () => {
    let seed = 7;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const noisy = (n: number): [QueryMetrics, QueryMetrics][] =>
      Array.from({ length: n }, () => {
        const current = Object.fromEntries(METRIC_NAMES.map((m) => [m, random()])) as unknown as QueryMetrics;
        // The candidate differs from the current version query by query, but not on average.
        const candidate = Object.fromEntries(
          METRIC_NAMES.map((m) => [m, Math.min(1, Math.max(0, current[m] + (random() - 0.5) * 0.4))]),
        ) as unknown as QueryMetrics;
        return random() < 0.5 ? [current, candidate] : [candidate, current];
      });
    let promoted = 0;
    const cycles = 400;
    for (let i = 0; i < cycles; i++)
      if (decidePromotion([pairedComparison('checks', noisy(200)), pairedComparison('titles', noisy(300))]).promote) promoted++;
    expect(promoted / cycles).toBeLessThanOrEqual(0.05);
  });
});

describe('explainComparisons', () => {
  it('says per set what changed and whether it is beyond noise', () => {
    const lines = explainComparisons([
      comparison(400, { 'ndcg@10': { current: 0.8, candidate: 0.85, diff: 0.05, se: 0.01 } }, '5-fold cross-validated checks'),
      comparison(120, { mrr: { diff: -0.05, se: 0.01 } }, 'article titles'),
      comparison(120, {}, 'regression set'),
    ]);
    expect(lines).toEqual([
      '5-fold cross-validated checks, 400 questions: ndcg@10 0.8 → 0.85 (+0.05 ± 0.01), better beyond noise, nothing worse',
      'article titles, 120 questions: ndcg@10 0.5 → 0.5 (+0 ± 0.01), worse beyond noise on mrr',
      'regression set, 120 questions: ndcg@10 0.5 → 0.5 (+0 ± 0.01), no difference beyond noise',
    ]);
  });
});

describe('titleQueries', () => {
  it('asks each distinct title once, its articles the answer', () => {
    const index = buildIndex([passage('a1', 'Reset a PIN', 'x'), passage('a2', 'reset a pin!', 'y'), passage('b', 'Opening hours', 'z')], 'imp');
    const queries = titleQueries(index);
    expect(queries.map((q) => [q.ticket.messages[0]!.text, [...q.relevant.keys()]])).toEqual([
      ['Opening hours', ['b']],
      ['Reset a PIN', ['a1', 'a2']],
    ]);
  });
});
