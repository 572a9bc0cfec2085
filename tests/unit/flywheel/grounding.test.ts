import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkedSuggestions, loadFeedback } from '../../../backend/flywheel/feedback.ts';
import { replyGrounder } from '../../../backend/flywheel/grounding.ts';
import { buildIndex } from '../../../backend/rag/knowledge-index.ts';
import { remembered } from '../../../backend/rag/retrieve.ts';
import { payloadHash, storeAnnotations } from '../../../backend/store/annotations.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { saveSuggestion } from '../../../backend/store/suggestions.ts';
import type { Annotation } from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';
import { passage, TWO_INNS } from '../../helpers/passages.ts';
import { PASSWORD_SUGGESTION } from '../../helpers/suggestions.ts';

describe('replyGrounder', () => {
  const ground = replyGrounder(
    buildIndex([...TWO_INNS, passage('late-checkout', 'Late checkout', 'Late checkout until 2 pm costs 20 euros; ask at the desk.')], 'imp'),
  );

  it('finds the passage a reply was adapted from, not its look-alike for another inn', () => {
    expect(ground('Hi Sam, good news: at Maple Lodge a continental breakfast is included in every rate. Enjoy your stay!')).toEqual([
      'maple-breakfast',
    ]);
    expect(ground('You can check out late, until 2 pm, for 20 euros. Just ask at the desk.')).toEqual(['late-checkout']);
  });

  it('grounds a reply in nothing when it says too little or says what no passage holds', () => {
    expect(ground('Thanks, done!')).toEqual([]);
    expect(ground('I have passed this to our billing team, who will call you tomorrow morning.')).toEqual([]);
    expect(ground('')).toEqual([]);
  });
});

describe('checkedSuggestions with replies grounded', () => {
  let store: Store;
  beforeEach(async () => {
    store = await openStore(':memory:');
    await saveSuggestion(store.db, { tenant: 'acme', host: 'demo', ticketId: 't1' }, PASSWORD_SUGGESTION, {
      host: 'demo',
      ticketId: 't1',
      messages: [{ role: 'customer', text: 'How do I reset my password?' }],
    });
  });
  afterEach(async () => {
    await store.close();
  });

  const at = (minute: number) => new Date(Date.parse('2026-11-20T09:00:00.000Z') + minute * 60_000).toISOString();
  const sent = (text: string, minute: number) =>
    makeAnnotation('adoption', 'acme', { suggestionId: 'sugg-1', sentText: text, clientTime: at(minute) });
  const check = (snippetId: string, value: string, minute: number) =>
    makeAnnotation('relevance', 'acme', {
      suggestionId: 'sugg-1',
      snippetId,
      articleId: `a-${snippetId}`,
      rank: 1,
      label: value,
      clientTime: at(minute),
    });
  const seed = (items: Annotation[]) =>
    storeAnnotations(
      store.db,
      'acme',
      items.map((a) => ({ annotation: a, hash: payloadHash(a) })),
      { sentAt: null, receivedAt: '2026-11-20T12:00:00.000Z' },
    );
  // Stands in for the index: the reply names the passages it was written from.
  const ground = (reply: string) => ['p-reset', 'p-ship', 'p-faq'].filter((id) => reply.includes(id));

  it('counts the passage a sent reply was written from as judged relevant, even when nobody checked a snippet', async () => {
    await seed([sent('see p-faq', 1)]);
    const [checked] = checkedSuggestions(await loadFeedback(store.db, 'acme'), ground);
    expect([...checked!.checks]).toEqual([['p-faq', { label: 1, weight: 1, grounded: true }]]);
  });

  it("keeps an agent's own check over what is read from the reply", async () => {
    await seed([check('p-ship', 'irrelevant', 1), sent('see p-reset and p-ship', 2)]);
    const [checked] = checkedSuggestions(await loadFeedback(store.db, 'acme'), ground);
    expect(checked!.checks.get('p-ship')).toEqual({ label: 0, weight: 1 });
    expect(checked!.checks.get('p-reset')).toEqual({ label: 1, weight: 1, grounded: true });
  });

  it('reads no replies without a grounder', async () => {
    await seed([sent('see p-faq', 1)]);
    expect(checkedSuggestions(await loadFeedback(store.db, 'acme'))).toEqual([]);
  });
});

describe('remembered (the facet gate on memory)', () => {
  it('lifts a passage remembered for a like question only if it carries the facet value the conversation names', () => {
    expect(remembered(0.6, 0, 1).expansion).toBe(0);
    expect(remembered(0.6, 0.9, 1).expansion).toBe(0.6);
  });

  it('lets a faint facet match (a word shared with some product name) not veto the memory', () => {
    expect(remembered(0.6, 0, 0.1).expansion).toBe(0.6);
  });

  it('always lets a negative memory push down', () => {
    expect(remembered(-0.4, 0, 1)).toEqual({ expansion: 0, rejection: 0.4 });
  });
});
