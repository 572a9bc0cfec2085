import { describe, expect, it } from 'vitest';
import { TWO_INNS } from '../../helpers/passages.ts';
import { buildIndex } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER } from '../../../backend/models/reranker.ts';
import { RETRIEVE_K, retrieve } from '../../../backend/rag/suggest.ts';
import type { TicketContext, TicketMessage } from '../../../shared/index.ts';

const PASSAGES = [...TWO_INNS];
const index = buildIndex(PASSAGES, 'imp');

const ticket = (...texts: [string, ...string[]]): TicketContext => ({
  host: 'demo',
  ticketId: 't',
  messages: texts.map((text, i): TicketMessage => ({ role: i % 2 === 0 ? 'customer' : 'agent', text })),
});
const ids = (t: TicketContext, options = {}) => retrieve(index, t, options).ranked.map((h) => index.passages[h.doc]!.id);

describe('retrieve', () => {
  it('carries an entity named earlier in the conversation over to a question that only says "there"', () => {
    const t = ticket('I need a room for Friday.', 'Maple Lodge has one.', 'Is there parking there?');
    expect(ids(t)[0]).toBe('maple-parking');
  });

  it('follows the most recently named entity', () => {
    const t = ticket('Maple Lodge looks nice.', 'It is.', 'And Harbour Inn?', 'Also lovely.', 'What about breakfast?');
    expect(ids(t)[0]).toBe('harbour-breakfast');
  });

  it('brings in every passage of the named entity, even those without a query word', () => {
    const t = ticket('Tell me about Maple Lodge', 'Sure.', 'Is it quiet?');
    const ranked = ids(t);
    expect(ranked[0]).toBe('maple-review');
    expect(ranked.slice(0, 3).sort()).toEqual(['maple-breakfast', 'maple-parking', 'maple-review']);
    // Without facet mentions the other quiet place comes second: the mention is what kept the lodge together.
    expect(ids(t, { facets: false }).slice(0, 2)).toEqual(['maple-review', 'harbour-review']);
  });

  it('reports the mentions it used and a feature vector per passage', () => {
    const result = retrieve(index, ticket('Is Harbour Inn quiet?'));
    expect(result.mentions.map((m) => index.facets.values[m.value]!.label)).toEqual(['Harbour Inn']);
    for (const hit of result.ranked) {
      expect(Object.keys(hit.features).sort()).toEqual([...DEFAULT_RERANKER.features].sort());
      expect(hit.features.facet).toBeGreaterThanOrEqual(0);
      expect(hit.features.facet).toBeLessThanOrEqual(1);
    }
    const scores = result.ranked.map((h) => h.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('leaves the reranker out when asked, keeping the first-stage order', () => {
    const t = ticket('Is Harbour Inn quiet?');
    const first = retrieve(index, t, { reranker: undefined }).ranked;
    for (let i = 1; i < first.length; i++) expect(first[i - 1]!.score).toBeGreaterThanOrEqual(first[i]!.score);
    expect(first.length).toBeLessThanOrEqual(RETRIEVE_K);
  });

  it('returns nothing for a conversation that matches nothing', () => {
    expect(ids(ticket('xylophone zeppelin'))).toEqual([]);
  });

  it('gives the same answer twice (the per-query buffers are cleared)', () => {
    const a = ticket('I booked Maple Lodge for the weekend.', 'Great, anything else?', 'Is there parking there?');
    const b = ticket('Gift cards?');
    const first = retrieve(index, a).ranked;
    retrieve(index, b);
    expect(retrieve(index, a).ranked).toEqual(first);
  });
});
