/** Free text leaves the browser redacted: personal data, the ticket's people and the signed-in agent's name. */
import { describe, expect, it } from 'vitest';
import type { SuggestionResponse, TicketContext } from '../../../shared/index.ts';
import { contextOf, makeDraft, rememberPageAgent } from '../../../extension/sidebar/drafts.ts';

const ticket: TicketContext = {
  host: 'demo',
  ticketId: '1001',
  requester: { name: 'Eleanor Pryce', email: 'eleanor.pryce@example.com' },
  messages: [
    { role: 'customer', author: 'Eleanor Pryce', text: 'My lamp arrived cracked.' },
    { role: 'agent', author: 'Dev Okafor', text: 'Sorry to hear that.' },
  ],
};
const suggestion = {
  suggestionId: 's-1',
  candidates: [],
  snippets: [],
  query: 'q',
  modelVersion: 'm',
  indexVersion: 'i',
} as unknown as SuggestionResponse;

describe('makeDraft', () => {
  it("redacts the requester's, the message authors' and the signed-in agent's names from every free text, and sends no names", () => {
    rememberPageAgent({ name: 'Marcus Delaney', email: 'marcus@acme.example' });
    const context = contextOf(ticket, suggestion);
    const adoption = makeDraft(context, {
      kind: 'adoption',
      outcome: 'edited',
      sentText: 'Hi Eleanor, Dev and I checked. Marcus (call +44 20 7946 0958)',
    });
    const rationale = makeDraft(context, {
      kind: 'rationale',
      adoptionId: adoption.id,
      reasons: ['other'],
      note: 'eleanor pryce wanted a refund, said Marcus',
    });
    const report = makeDraft(context, {
      kind: 'missing_knowledge',
      description: 'Ms Pryce asks about lamp refunds',
      proposedTitle: 'Refunds for Eleanor',
    });
    expect(adoption).toMatchObject({ sentText: 'Hi [name], [name] and I checked. [name] (call [PHONE])' });
    expect(rationale).toMatchObject({ note: '[name] wanted a refund, said [name]' });
    expect(report).toMatchObject({ description: 'Ms [name] asks about lamp refunds', proposedTitle: 'Refunds for [name]' });
    for (const draft of [adoption, rationale, report]) {
      expect(JSON.stringify(draft)).not.toMatch(/Eleanor|Pryce|Okafor|Marcus|Dev /i);
      expect(draft).not.toHaveProperty('names');
    }
  });

  it('leaves drafts without free text as they are', () => {
    const draft = makeDraft(contextOf(ticket, suggestion), { kind: 'relevance', snippetId: 'p#1', articleId: 'p', rank: 1, label: 'relevant' });
    expect(draft).toMatchObject({ kind: 'relevance', snippetId: 'p#1', label: 'relevant', suggestionId: 's-1' });
  });
});
