import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkedSuggestions, loadFeedback, preferences } from '../../../backend/flywheel/feedback.ts';
import { countAnnotations, payloadHash, storeAnnotations } from '../../../backend/store/annotations.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { saveSuggestion } from '../../../backend/store/suggestions.ts';
import type { Annotation } from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';
import { PASSWORD_SUGGESTION } from '../../helpers/suggestions.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

/** Minutes apart, so no gate rule about rapid labelling weighs them down. */
const at = (minute: number) => new Date(Date.parse('2026-11-20T09:00:00.000Z') + minute * 60_000).toISOString();
const label = (agent: string, snippetId: string, value: string, minute: number) =>
  makeAnnotation('relevance', 'acme', {
    agent,
    suggestionId: 'sugg-1',
    snippetId,
    articleId: `a-${snippetId}`,
    rank: 1,
    label: value,
    clientTime: at(minute),
  });

async function seed(items: Annotation[]): Promise<void> {
  await saveSuggestion(store.db, { tenant: 'acme', host: 'demo', ticketId: 't1' }, PASSWORD_SUGGESTION, {
    host: 'demo',
    ticketId: 't1',
    messages: [{ role: 'customer', text: 'How do I reset my password?' }],
  });
  await storeAnnotations(
    store.db,
    'acme',
    items.map((a) => ({ annotation: a, hash: payloadHash(a) })),
    { sentAt: null, receivedAt: '2026-11-20T12:00:00.000Z' },
  );
}

describe('loadFeedback when an agent changes their mind', () => {
  it("uses only an agent's latest relevance label of a snippet, keeping the stored history", async () => {
    const taken = label('ann', 'p-reset', 'irrelevant', 10);
    const latest = label('ann', 'p-reset', 'relevant', 20);
    const other = label('ann', 'p-ship', 'irrelevant', 5);
    // Stored latest first: which one counts is decided by client time, not by storage order.
    await seed([latest, taken, other]);
    const feedback = await loadFeedback(store.db, 'acme');

    expect(feedback.superseded).toBe(1);
    expect(feedback.items.map((i) => i.annotation.id).sort()).toEqual([latest.id, other.id].sort());
    expect(feedback.gate.decisions.has(`acme\u0000${taken.id}`)).toBe(false);
    const [checked] = checkedSuggestions(feedback);
    expect(checked!.checks.get('p-reset')).toEqual({ label: 1, weight: 1 });
    expect(checked!.checks.get('p-ship')).toEqual({ label: 0, weight: 1 });
    expect(await countAnnotations(store.db, 'acme')).toBe(3);
  });

  it("keeps every agent's own latest label: one agent never supersedes another", async () => {
    await seed([label('ann', 'p-reset', 'relevant', 1), label('bob', 'p-reset', 'irrelevant', 2)]);
    const feedback = await loadFeedback(store.db, 'acme');
    expect(feedback.superseded).toBe(0);
    expect(feedback.items).toHaveLength(2);
    expect(checkedSuggestions(feedback)[0]!.checks.get('p-reset')!.label).toBeGreaterThan(0);
    expect(checkedSuggestions(feedback)[0]!.checks.get('p-reset')!.label).toBeLessThan(1);
  });

  it("uses only an agent's latest preference on a suggestion", async () => {
    const pref = (choice: string, minute: number) =>
      makeAnnotation('preference', 'acme', { agent: 'ann', suggestionId: 'sugg-1', choice, clientTime: at(minute) });
    await seed([pref('left', 1), pref('right', 2)]);
    const feedback = await loadFeedback(store.db, 'acme');
    expect(feedback.superseded).toBe(1);
    expect(preferences(feedback).map((p) => p.choice)).toEqual(['right']);
  });
});
