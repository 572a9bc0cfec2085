import { describe, expect, it } from 'vitest';
import { passage, TWO_INNS } from '../../helpers/passages.ts';
import { DEFAULT_RANKING, DEFAULT_VERSION_ID, RankingArtefact } from '../../../backend/flywheel/artefacts.ts';
import type { CheckedSuggestion } from '../../../backend/flywheel/feedback.ts';
import { feedbackFromChecks, trainRanking } from '../../../backend/flywheel/train-ranking.ts';
import { Bm25Index } from '../../../backend/rag/bm25.ts';
import { buildFeedbackLayer, similarQueryScores } from '../../../backend/rag/feedback-layer.ts';
import { buildIndex, indexVersion, type KnowledgeIndex, RETRIEVAL_VERSION, withFeedback } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER, type RerankerModel } from '../../../backend/rag/reranker.ts';
import { retrieve } from '../../../backend/rag/suggest.ts';
import type { PassageRow } from '../../../backend/store/schema.ts';
import type { TicketContext } from '../../../shared/index.ts';


const PASSAGES: PassageRow[] = [...TWO_INNS, passage('refunds', 'Refunds', 'Refunds are paid back to the card used within five working days.')];
const index = buildIndex(PASSAGES, 'imp');

/** The default weights plus the three feedback features. */
const LEARNED: RerankerModel = {
  version: 'learned-test',
  features: [...DEFAULT_RERANKER.features, 'prior', 'expansion', 'rejection'],
  weights: [...DEFAULT_RERANKER.weights, 0.3, 1.5, -1.5],
};

const artefact = (over: Partial<RankingArtefact>): RankingArtefact => ({ ...DEFAULT_RANKING, reranker: LEARNED, ...over });
const layered = (a: RankingArtefact, id = 'ranking-test1') => withFeedback(index, buildFeedbackLayer(PASSAGES, id, a));

const ticket = (text: string): TicketContext => ({ host: 'demo', ticketId: 't', messages: [{ role: 'customer', text }] });
const ids = (i: KnowledgeIndex, text: string) => retrieve(i, ticket(text)).ranked.map((h) => i.passages[h.doc]!.id);
const docOf = (id: string) => PASSAGES.findIndex((p) => p.id === id);

describe('feedback layer', () => {
  it('an expansion brings its passage up for a query like the ones it was judged relevant to, even without a shared word', () => {
    const query = 'Can I swap my voucher for money?';
    // The corpus alone knows nothing of vouchers or money: gift cards are not even a candidate.
    expect(ids(index, query)).not.toContain('gift-cards');
    const learned = layered(artefact({ expansions: { 'gift-cards': ['can i swap a voucher for money', 'exchange voucher for cash'] } }));
    const ranked = retrieve(learned, ticket(query)).ranked;
    expect(learned.passages[ranked[0]!.doc]!.id).toBe('gift-cards');
    expect(ranked[0]!.features.expansion).toBe(1);
    // Passages without expansions carry the feature as 0 (the learned model sees every feedback feature).
    for (const hit of ranked.slice(1)) expect(hit.features).toMatchObject({ expansion: 0, rejection: 0, prior: 0 });
    expect(learned.version).toBe(`${RETRIEVAL_VERSION}+rerank-ranking-test1@imp`);
  });

  it('an expansion also lifts a passage that was found but ranked lower', () => {
    const query = 'Where do I leave the car at Harbour Inn?';
    const before = ids(index, query);
    expect(before.indexOf('harbour-review')).toBeGreaterThan(0);
    const after = ids(layered(artefact({ expansions: { 'harbour-review': ['where do i leave the car at harbour inn'] } })), query);
    expect(after[0]).toBe('harbour-review');
  });

  it('a rejection pushes its passage down for a similar query when its weight is negative', () => {
    const query = 'Is there parking at Harbour Inn?';
    expect(ids(index, query)[0]).toBe('harbour-parking');
    const learned = layered(artefact({ rejections: { 'harbour-parking': ['is there parking at harbour inn', 'parking at harbour inn please'] } }));
    const ranked = retrieve(learned, ticket(query)).ranked;
    const ranks = ranked.map((h) => learned.passages[h.doc]!.id);
    expect(ranks[0]).not.toBe('harbour-parking');
    expect(ranks.indexOf('harbour-parking')).toBeGreaterThan(0);
    expect(ranked.find((h) => h.doc === docOf('harbour-parking'))!.features.rejection).toBe(1);
    // With a zero weight the same rejection changes nothing.
    const zero = { ...LEARNED, weights: [...DEFAULT_RERANKER.weights, 0.3, 1.5, 0] };
    expect(ids(layered(artefact({ reranker: zero, rejections: { 'harbour-parking': ['is there parking at harbour inn'] } })), query)[0]).toBe('harbour-parking');
  });

  it('a rejection does not touch a query unlike the ones it was judged irrelevant to', () => {
    const query = 'When is breakfast at Harbour Inn?';
    const learned = layered(artefact({ rejections: { 'harbour-parking': ['is there parking at harbour inn'] } }));
    const ranked = retrieve(learned, ticket(query)).ranked;
    expect(learned.passages[ranked[0]!.doc]!.id).toBe('harbour-breakfast');
    // The rejection index only matches "harbour inn" here: scaled to the best, it still scores, but only for the rejected passage.
    for (const hit of ranked) if (hit.doc !== docOf('harbour-parking')) expect(hit.features.rejection).toBe(0);
  });

  it('priors come from the artefact; a flagged passage gets at most −0.5 (a lower prior stays)', () => {
    const layer = buildFeedbackLayer(
      PASSAGES,
      'ranking-test2',
      artefact({
        priors: { 'harbour-parking': 0.8, 'maple-parking': -0.9, 'gift-cards': 0.4, 'no-such-passage': 1 },
        flagged: { 'harbour-parking': ['outdated'], 'maple-parking': ['inaccurate'], refunds: ['outdated', 'inaccurate'] },
      }),
    );
    expect(layer.priors[docOf('harbour-parking')]).toBeLessThanOrEqual(-0.5);
    expect(layer.priors[docOf('harbour-parking')]).toBe(-0.5);
    expect(layer.priors[docOf('maple-parking')]).toBeCloseTo(-0.9, 6);
    expect(layer.priors[docOf('refunds')]).toBe(-0.5);
    expect(layer.priors[docOf('gift-cards')]).toBeCloseTo(0.4, 6);
    expect(layer.priors[docOf('harbour-breakfast')]).toBe(0);
    expect(layer.priors).toHaveLength(PASSAGES.length);
    // No expansions or rejections: no query indexes.
    expect(layer.expansions).toBeUndefined();
    expect(layer.rejections).toBeUndefined();
  });

  it('a flagged passage drops below an unflagged one it used to beat, given weight on the prior', () => {
    const query = 'Is there parking at Harbour Inn?';
    const reranker = { ...LEARNED, weights: [...DEFAULT_RERANKER.weights, 3, 1.5, -1.5] };
    const before = ids(layered(artefact({ reranker })), query);
    expect(before[0]).toBe('harbour-parking');
    const flagged = layered(artefact({ reranker, flagged: { 'harbour-parking': ['outdated'] } }));
    const ranked = retrieve(flagged, ticket(query)).ranked;
    expect(ranked.findIndex((h) => h.doc === docOf('harbour-parking'))).toBeGreaterThan(0);
    expect(ranked.find((h) => h.doc === docOf('harbour-parking'))!.features.prior).toBe(-0.5);
  });

  it('the default layer leaves results and the index version exactly as without one', () => {
    const same = withFeedback(index, buildFeedbackLayer(PASSAGES, DEFAULT_VERSION_ID.ranking, DEFAULT_RANKING));
    expect(same.version).toBe(index.version);
    expect(same.lexicalVersion).toBe(index.lexicalVersion);
    expect(index.version).toBe(indexVersion('imp'));
    expect(index.version).toBe(`${RETRIEVAL_VERSION}+rerank-${DEFAULT_RERANKER.version}@imp`);
    expect(index.feedback.versionId).toBe('ranking-default');
    for (const query of [
      'Is there parking at Harbour Inn?',
      'When is breakfast at Maple Lodge?',
      'Tell me about Maple Lodge, is it quiet?',
      'Do gift cards expire?',
      'How long do refunds take?',
      'nothing matches this zzz',
    ]) {
      const a = retrieve(index, ticket(query));
      const b = retrieve(same, ticket(query));
      expect(JSON.stringify(b.ranked), query).toBe(JSON.stringify(a.ranked));
      // No feedback feature is added to a default-ranked candidate.
      for (const hit of b.ranked) expect(Object.keys(hit.features).sort()).toEqual([...DEFAULT_RERANKER.features].sort());
    }
  });

  it('withFeedback shares the corpus structures and only swaps the reranker, the layer and the version', () => {
    const learned = layered(artefact({ priors: { refunds: 0.5 } }), 'ranking-abc123');
    expect(learned.bm25).toBe(index.bm25);
    expect(learned.facets).toBe(index.facets);
    expect(learned.passages).toBe(index.passages);
    expect(learned.reranker).toBe(LEARNED);
    expect(learned.feedback.versionId).toBe('ranking-abc123');
    expect(learned.version).toBe(indexVersion('imp', LEARNED, undefined, 'ranking-abc123'));
    expect(learned.version).toBe(`${RETRIEVAL_VERSION}+rerank-ranking-abc123@imp`);
    expect(learned.lexicalVersion).toBe(learned.version);
    // The base index is untouched.
    expect(index.feedback.versionId).toBe('ranking-default');
    expect(index.reranker).toBe(DEFAULT_RERANKER);
  });
});

describe('similarQueryScores', () => {
  it('scores every matching document against the best (0..1), and nothing without an index or a match', () => {
    const queries = new Bm25Index([
      { title: '', body: 'swap voucher for money', meta: '' },
      { title: '', body: '', meta: '' },
      { title: '', body: 'voucher balance', meta: '' },
    ]);
    const scores = similarQueryScores(queries, new Map([['voucher', 1], ['money', 1]]));
    expect(scores.size).toBe(2);
    expect(scores.score(0)).toBe(1);
    expect(scores.score(2)).toBeGreaterThan(0);
    expect(scores.score(2)).toBeLessThan(1);
    expect(scores.score(1)).toBe(0);
    expect(scores.atLeast(0)).toEqual([0, 2]);
    expect(scores.atLeast(1)).toEqual([0]);
    expect(similarQueryScores(undefined, new Map([['voucher', 1]])).size).toBe(0);
    expect(similarQueryScores(queries, new Map([['unrelated', 1]])).size).toBe(0);
  });
});

function checkedSuggestion(n: number, question: string, checks: Record<string, number>): CheckedSuggestion {
  return {
    suggestionId: `s${String(n).padStart(3, '0')}`,
    tenant: 'acme',
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
    ticket: ticket(question),
    question,
    checks: new Map(Object.entries(checks).map(([p, label]) => [p, { label, weight: 1 }])),
  };
}

/** Agents asking about vouchers in many words: gift cards is what they want, refunds is what the words find. */
const VOUCHER_QUESTIONS = [
  'Can I swap my voucher for money back on the card?',
  'Is my voucher card paid back as money?',
  'voucher card money back please',
  'Will the voucher on my card be paid back?',
  'Can a voucher card be turned into money?',
  'How do I get money back for a voucher card?',
  'My voucher card: can it be paid back to me?',
  'Does a voucher card expire or get paid back?',
];

describe('feedbackFromChecks', () => {
  it('turns checks into priors, expansions (relevant or partly) and rejections (irrelevant)', () => {
    const checked = [
      checkedSuggestion(1, 'Can I swap a voucher for money?', { 'gift-cards': 1, refunds: 0.5, 'harbour-parking': 0 }),
      checkedSuggestion(2, 'Exchange voucher for cash', { 'gift-cards': 1, refunds: 0 }),
      checkedSuggestion(3, 'Voucher into money', { 'gift-cards': 1, refunds: 0 }),
    ];
    const learned = feedbackFromChecks(checked);
    expect(learned.expansions['gift-cards']).toHaveLength(3);
    expect(learned.expansions.refunds).toEqual(['Can I swap a voucher for money?']);
    expect(learned.expansions['harbour-parking']).toBeUndefined();
    expect(learned.rejections['harbour-parking']).toEqual(['Can I swap a voucher for money?']);
    expect(learned.rejections.refunds).toHaveLength(2);
    // Partly relevant is not a rejection, and a passage always judged relevant has none.
    expect(learned.rejections.refunds).not.toContain('Can I swap a voucher for money?');
    expect(learned.rejections['gift-cards']).toBeUndefined();
    // Priors need three checks' worth of evidence: gift cards (always relevant) up, refunds (mostly not) down.
    expect(learned.priors['gift-cards']).toBeGreaterThan(0);
    expect(learned.priors.refunds).toBeLessThan(0);
    expect(learned.priors['harbour-parking']).toBeUndefined();
    expect(feedbackFromChecks(checked, { maxQueriesPerPassage: 1 }).expansions['gift-cards']).toHaveLength(1);
  });
});

describe('trainRanking', () => {
  const checked = VOUCHER_QUESTIONS.map((q, i) => checkedSuggestion(i, q, { 'gift-cards': 1, refunds: 0 }));

  it('learns a valid artefact: corpus weights in their old ratios, the feedback features appended, what the checks taught', () => {
    const { artefact, stats } = trainRanking(index, checked, DEFAULT_RANKING, { refunds: ['outdated'] }, 'learned-test');
    expect(RankingArtefact.safeParse(artefact).success).toBe(true);
    expect(artefact.reranker.version).toBe('learned-test');
    expect(artefact.reranker.features).toEqual([...DEFAULT_RERANKER.features, 'prior', 'expansion', 'rejection']);
    const corpus = artefact.reranker.weights.slice(0, DEFAULT_RERANKER.features.length);
    const scale = corpus[0]! / DEFAULT_RERANKER.weights[0]!;
    expect(scale).toBeGreaterThan(0);
    corpus.forEach((w, i) => expect(w, DEFAULT_RERANKER.features[i]).toBeCloseTo(scale * DEFAULT_RERANKER.weights[i]!, 4));
    expect(artefact.flagged).toEqual({ refunds: ['outdated'] });
    const learned = feedbackFromChecks(checked);
    expect(artefact.expansions).toEqual(learned.expansions);
    expect(artefact.rejections).toEqual(learned.rejections);
    expect(artefact.priors).toEqual(learned.priors);
    expect(stats).toMatchObject({ queries: 8, checks: 16, passagesExpanded: 1, passagesRejected: 1, passagesFlagged: 1, passagesWithPrior: 2 });
    expect(stats.reranker.queries).toBeGreaterThan(0);
  });

  it('learns to trust what agents judged: the trained layer ranks gift cards first for a new voucher question', () => {
    const question = 'voucher card paid back as money?';
    expect(ids(index, question)[0]).toBe('refunds');
    const { artefact } = trainRanking(index, checked, DEFAULT_RANKING, {}, 'learned-test');
    const [prior, expansion, rejection] = artefact.reranker.weights.slice(-3) as [number, number, number];
    expect(expansion).toBeGreaterThan(0);
    expect(rejection).toBeLessThanOrEqual(0);
    expect(prior).toBeGreaterThanOrEqual(0);
    expect(ids(layered(artefact, 'ranking-trained'), question)[0]).toBe('gift-cards');
  });
});
