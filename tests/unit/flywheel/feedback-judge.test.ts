import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadFeedback } from '../../../backend/flywheel/feedback.ts';
import { gateKey } from '../../../backend/flywheel/gate/index.ts';
import type { ChatClient } from '../../../backend/llm/chat.ts';
import { payloadHash, storeAnnotations } from '../../../backend/store/annotations.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { saveSuggestion } from '../../../backend/store/suggestions.ts';
import type { Annotation } from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';
import { PASSWORD_SUGGESTION } from '../../helpers/suggestions.ts';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-judge-'));
  store = await openStore(join(dir, 'aitl.db'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('loadFeedback with the LLM judge', () => {
  it('weighs down a label the judge disagrees with, saying why, and leaves the others alone', async () => {
    await saveSuggestion(store.db, { tenant: 'acme', host: 'demo', ticketId: 't1' }, PASSWORD_SUGGESTION, {
      host: 'demo',
      ticketId: 't1',
      messages: [{ role: 'customer', text: 'How do I reset my password?' }],
    });
    const labels: Annotation[] = [
      makeAnnotation('relevance', 'acme', { suggestionId: 'sugg-1', snippetId: 'p-reset', articleId: 'a-reset', rank: 1, label: 'relevant' }),
      // Wrong on its face: the shipping snippet does not answer a password question.
      makeAnnotation('relevance', 'acme', { suggestionId: 'sugg-1', snippetId: 'p-ship', articleId: 'a-ship', rank: 2, label: 'relevant' }),
    ];
    await storeAnnotations(
      store.db,
      'acme',
      labels.map((a) => ({ annotation: a, hash: payloadHash(a) })),
      { sentAt: null, receivedAt: new Date().toISOString() },
    );
    const client: ChatClient = {
      async complete(request) {
        const shipping = request.messages[1]!.content.includes('Shipping times');
        return JSON.stringify(
          shipping ? { verdict: 'disagree', reason: 'about shipping, not passwords' } : { verdict: 'agree', reason: 'answers it' },
        );
      },
    };
    const feedback = await loadFeedback(store.db, 'acme', {}, { client, model: 'judge-model' });
    expect(feedback.judge).toMatchObject({ eligible: 2, agreed: 1, disagreed: 1, malformed: 0, failed: 0 });
    const [good, bad] = labels.map((a) => feedback.gate.decisions.get(gateKey(a.tenant, a.id)));
    expect(good?.weight ?? 1).toBe(1);
    expect(bad!.weight).toBeLessThan(1);
    expect(bad!.reasons).toEqual([expect.objectContaining({ rule: 'llm_judge', detail: expect.stringContaining('about shipping') })]);

    // Without a judge the same labels pass untouched.
    const plain = await loadFeedback(store.db, 'acme');
    expect(plain.judge).toBeUndefined();
    expect(labels.every((a) => (plain.gate.decisions.get(gateKey(a.tenant, a.id))?.weight ?? 1) === 1)).toBe(true);
  });
});
