import { describe, expect, it } from 'vitest';
import { passage, TWO_INNS } from '../../helpers/passages.ts';
import { DEFAULT_RANKING, DEFAULT_VERSION_ID, RankingArtefact } from '../../../backend/models/artefacts.ts';
import type { CheckedSuggestion } from '../../../backend/flywheel/feedback.ts';
import { FEEDBACK_WEIGHTS, feedbackFromChecks, MEMORY_THRESHOLDS, trainRanking } from '../../../backend/flywheel/train/ranking.ts';
import { buildFeedbackLayer } from '../../../backend/rag/feedback-layer.ts';
import { buildIndex, indexVersion, type KnowledgeIndex, RETRIEVAL_VERSION, withFeedback } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER, type RerankerModel } from '../../../backend/models/reranker.ts';
import { retrieve } from '../../../backend/rag/suggest.ts';
import type { PassageRow } from '../../../backend/store/schema.ts';
import type { TicketContext } from '../../../shared/index.ts';

const PASSAGES: PassageRow[] = [...TWO_INNS, passage('refunds', 'Refunds', 'Refunds are paid back to the card used within five working days.')];
const index = buildIndex(PASSAGES, 'imp');

/** The default weights plus the three feedback features at their set weights. */
const LEARNED: RerankerModel = {
  version: 'learned-test',
  features: [...DEFAULT_RERANKER.features, 'prior', 'expansion', 'rejection'],
  weights: [...DEFAULT_RERANKER.weights, FEEDBACK_WEIGHTS.prior, FEEDBACK_WEIGHTS.expansion, FEEDBACK_WEIGHTS.rejection],
};

const artefact = (over: Partial<RankingArtefact>): RankingArtefact => ({ ...DEFAULT_RANKING, reranker: LEARNED, ...over });
const layered = (a: RankingArtefact, id = 'ranking-test1') => withFeedback(index, buildFeedbackLayer(index, id, a));

const ticket = (text: string): TicketContext => ({ host: 'demo', ticketId: 't', messages: [{ role: 'customer', text }] });
const ids = (i: KnowledgeIndex, text: string) => retrieve(i, ticket(text)).ranked.map((h) => i.passages[h.doc]!.id);
const docOf = (id: string) => PASSAGES.findIndex((p) => p.id === id);

describe('feedback layer: the memory of checked questions', () => {
  it('one check on the same question asked in other words brings its passage first, even without a shared word in the passage', () => {
    const query = 'Can I swap my voucher for money?';
    // The corpus alone knows nothing of vouchers or money: gift cards are not even a candidate.
    expect(ids(index, query)).not.toContain('gift-cards');
    const learned = layered(artefact({ expansions: { 'gift-cards': ['Could I swap a voucher for money?'] } }));
    const ranked = retrieve(learned, ticket(query)).ranked;
    expect(learned.passages[ranked[0]!.doc]!.id).toBe('gift-cards');
    expect(ranked[0]!.features.expansion).toBeGreaterThan(0.5);
    // Passages nobody checked carry the features as 0 (the learned model sees every feedback feature).
    for (const hit of ranked.slice(1)) expect(hit.features).toMatchObject({ expansion: 0, rejection: 0, prior: 0 });
    expect(learned.version).toBe(`${RETRIEVAL_VERSION}+rerank-ranking-test1@imp`);
  });

  it('a match below the threshold lifts nothing: closeness is absolute, not relative to the best match of the moment', () => {
    const learned = layered(artefact({ expansions: { 'gift-cards': ['Could I swap a voucher for money?'] }, memory: { threshold: 0.5 } }));
    const ranked = retrieve(learned, ticket('Is money back paid to the card for a refund?')).ranked;
    for (const hit of ranked) expect(hit.features.expansion).toBe(0);
    expect(ids(learned, 'Is money back paid to the card for a refund?')).toEqual(ids(index, 'Is money back paid to the card for a refund?'));
  });

  it('"irrelevant" pushes its passage down for the same question asked again', () => {
    const query = 'Is there parking at Harbour Inn?';
    expect(ids(index, query)[0]).toBe('harbour-parking');
    const learned = layered(artefact({ rejections: { 'harbour-parking': ['is there any parking at harbour inn'] } }));
    const ranked = retrieve(learned, ticket(query)).ranked;
    expect(learned.passages[ranked[0]!.doc]!.id).not.toBe('harbour-parking');
    expect(ranked.find((h) => h.doc === docOf('harbour-parking'))!.features.rejection).toBeGreaterThan(0);
  });

  it('a local negative does not move an unrelated query, nor one that only shares a word', () => {
    const learned = layered(
      artefact({
        rejections: { 'harbour-parking': ['is there any parking at harbour inn'], 'harbour-breakfast': ['is there parking at harbour inn'] },
      }),
    );
    for (const query of ['When is breakfast at Harbour Inn?', 'Tell me about Harbour Inn, is it quiet?', 'Parking at Maple Lodge?']) {
      expect(ids(learned, query), query).toEqual(ids(index, query));
      for (const hit of retrieve(learned, ticket(query)).ranked) expect(hit.features.rejection, query).toBe(0);
    }
  });

  it("a passage remembered for a like question about another inn is not lifted for this inn's question", () => {
    const learned = layered(artefact({ expansions: { 'maple-breakfast': ['is breakfast included at maple lodge'] } }));
    const query = 'Is breakfast included at Harbour Inn?';
    const ranked = retrieve(learned, ticket(query)).ranked;
    expect(learned.passages[ranked[0]!.doc]!.id).toBe('harbour-breakfast');
    expect(ranked.find((h) => h.doc === docOf('maple-breakfast'))?.features.expansion ?? 0).toBe(0);
  });

  it('priors from the artefact never go below 0; a flagged passage gets −0.5', () => {
    const layer = buildFeedbackLayer(
      index,
      'ranking-test2',
      artefact({
        priors: { 'harbour-parking': 0.8, 'maple-parking': -0.9, 'gift-cards': 0.4, 'no-such-passage': 1 },
        flagged: { 'harbour-parking': ['outdated'], refunds: ['outdated', 'inaccurate'] },
      }),
    );
    expect(layer.priors[docOf('harbour-parking')]).toBe(-0.5);
    expect(layer.priors[docOf('maple-parking')]).toBe(0);
    expect(layer.priors[docOf('refunds')]).toBe(-0.5);
    expect(layer.priors[docOf('gift-cards')]).toBeCloseTo(0.4, 6);
    expect(layer.priors[docOf('harbour-breakfast')]).toBe(0);
    expect(layer.priors).toHaveLength(PASSAGES.length);
    // Nothing checked: no memory.
    expect(layer.memory).toBeUndefined();
  });

  it('a flagged passage drops below an unflagged one it used to beat', () => {
    const query = 'Is there parking at Harbour Inn?';
    const before = ids(layered(artefact({})), query);
    expect(before[0]).toBe('harbour-parking');
    const flagged = layered(artefact({ flagged: { 'harbour-parking': ['outdated'] } }));
    const ranked = retrieve(flagged, ticket(query)).ranked;
    expect(ranked.findIndex((h) => h.doc === docOf('harbour-parking'))).toBeGreaterThan(0);
    expect(ranked.find((h) => h.doc === docOf('harbour-parking'))!.features.prior).toBe(-0.5);
  });

  it('the default layer leaves results and the index version exactly as without one', () => {
    const same = withFeedback(index, buildFeedbackLayer(index, DEFAULT_VERSION_ID.ranking, DEFAULT_RANKING));
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

function checkedSuggestion(n: number, question: string, checks: Record<string, number>): CheckedSuggestion {
  return {
    suggestionId: `s${String(n).padStart(3, '0')}`,
    tenant: 'acme',
    createdAt: new Date(Date.UTC(2026, 10, 1, 0, n)).toISOString(),
    ticket: { ...ticket(question), ticketId: `t${n}` },
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
  it('turns checks into the memory: expansions (relevant or partly) and rejections (irrelevant), no passage-wide priors', () => {
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
    expect(learned.priors).toEqual({});
    expect(feedbackFromChecks(checked, { maxQueriesPerPassage: 1 }).expansions['gift-cards']).toHaveLength(1);
  });

  it('remembers the conversation around a question, after a pilcrow', () => {
    const s = checkedSuggestion(1, 'Is breakfast included?', { 'maple-breakfast': 1 });
    s.ticket = {
      host: 'demo',
      ticketId: 't',
      subject: 'Stay at Maple Lodge',
      messages: [
        { role: 'customer', text: 'We booked Maple Lodge.' },
        { role: 'customer', text: 'Is breakfast included?' },
      ],
    };
    expect(feedbackFromChecks([s]).expansions['maple-breakfast']).toEqual(['Is breakfast included? ¶ Stay at Maple Lodge We booked Maple Lodge.']);
  });
});

describe('trainRanking', () => {
  const checked = VOUCHER_QUESTIONS.map((q, i) => checkedSuggestion(i, q, { 'gift-cards': 1, refunds: 0 }));

  it('keeps the corpus weights, appends the set feedback weights and what the checks taught, and chooses a threshold', () => {
    const { artefact, stats } = trainRanking(index, checked, DEFAULT_RANKING, { refunds: ['outdated'] }, 'learned-test');
    expect(RankingArtefact.safeParse(artefact).success).toBe(true);
    expect(artefact.reranker).toEqual(LEARNED);
    expect(artefact.flagged).toEqual({ refunds: ['outdated'] });
    const learned = feedbackFromChecks(checked);
    expect(artefact.expansions).toEqual(learned.expansions);
    expect(artefact.rejections).toEqual(learned.rejections);
    expect(MEMORY_THRESHOLDS).toContain(artefact.memory!.threshold);
    expect(stats).toMatchObject({ queries: 8, checks: 16, passagesExpanded: 1, passagesRejected: 1, passagesFlagged: 1, passagesWithPrior: 0 });
    expect(stats.memory.queries).toBe(8);
    expect(Object.keys(stats.memory.tried)).toHaveLength(MEMORY_THRESHOLDS.length);
  });

  it('the trained layer ranks gift cards first for a new voucher question', () => {
    const question = 'voucher card paid back as money?';
    expect(ids(index, question)[0]).toBe('refunds');
    const { artefact } = trainRanking(index, checked, DEFAULT_RANKING, {}, 'learned-test');
    expect(ids(layered(artefact, 'ranking-trained'), question)[0]).toBe('gift-cards');
  });
});
