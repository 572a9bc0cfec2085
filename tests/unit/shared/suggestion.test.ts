import { describe, expect, it } from 'vitest';
import { ErrorEnvelope, LIMITS, SuggestionRequest, SuggestionResponse, toIssues } from '../../../shared/index.ts';

/** The documented wire shape of POST /v1/suggestions. */
const WIRE_EXAMPLE = {
  ticket: {
    host: 'demo',
    ticketId: '1001',
    subject: 'Lamp arrived with a cracked base',
    messages: [{ role: 'customer', text: 'The base of my lamp is cracked. How do I get a refund?' }],
  },
};

function withMessages(messages: unknown[]) {
  return { ticket: { ...WIRE_EXAMPLE.ticket, messages } };
}

function issuesOf(value: unknown) {
  const parsed = SuggestionRequest.safeParse(value);
  expect(parsed.success, 'expected the request to be rejected').toBe(false);
  return toIssues(parsed.error!);
}

describe('SuggestionRequest', () => {
  it('accepts the documented wire example', () => {
    const parsed = SuggestionRequest.parse(JSON.parse(JSON.stringify(WIRE_EXAMPLE)));
    expect(parsed.ticket.host).toBe('demo');
    expect(parsed.ticket.messages).toEqual([{ role: 'customer', text: 'The base of my lamp is cracked. How do I get a refund?' }]);
  });

  it('accepts every role, optional author and an ISO time with offset', () => {
    const parsed = SuggestionRequest.parse(
      withMessages([
        { role: 'customer', text: 'Hello', author: 'Ada', at: '2026-11-20T09:14:00Z' },
        { role: 'agent', text: 'Hi', at: '2026-11-20T10:14:00+01:00' },
        { role: 'note', text: 'internal' },
      ]),
    );
    expect(parsed.ticket.messages.map((m) => m.role)).toEqual(['customer', 'agent', 'note']);
  });

  it('trims host, ticket id and message text', () => {
    const parsed = SuggestionRequest.parse({ ticket: { host: ' demo ', ticketId: ' 7 ', messages: [{ role: 'customer', text: '  hi there \n' }] } });
    expect(parsed.ticket.host).toBe('demo');
    expect(parsed.ticket.ticketId).toBe('7');
    expect(parsed.ticket.messages[0]!.text).toBe('hi there');
  });

  it('rejects an unknown role, naming the field', () => {
    const issues = issuesOf(
      withMessages([
        { role: 'customer', text: 'ok' },
        { role: 'robot', text: 'beep' },
      ]),
    );
    expect(issues.map((i) => i.path)).toEqual(['ticket.messages.1.role']);
  });

  it('rejects empty and whitespace-only text, naming the field', () => {
    expect(issuesOf(withMessages([{ role: 'customer', text: '' }])).map((i) => i.path)).toEqual(['ticket.messages.0.text']);
    expect(issuesOf(withMessages([{ role: 'customer', text: ' \n\t ' }])).map((i) => i.path)).toEqual(['ticket.messages.0.text']);
  });

  it('rejects text longer than LIMITS.messageChars', () => {
    const ok = SuggestionRequest.safeParse(withMessages([{ role: 'customer', text: 'x'.repeat(LIMITS.messageChars) }]));
    expect(ok.success).toBe(true);
    expect(issuesOf(withMessages([{ role: 'customer', text: 'x'.repeat(LIMITS.messageChars + 1) }])).map((i) => i.path)).toEqual([
      'ticket.messages.0.text',
    ]);
  });

  it('accepts LIMITS.messages messages and rejects one more, naming the list', () => {
    const message = { role: 'customer', text: 'still waiting' };
    expect(SuggestionRequest.safeParse(withMessages(Array(LIMITS.messages).fill(message))).success).toBe(true);
    const issues = issuesOf(withMessages(Array(LIMITS.messages + 1).fill(message)));
    expect(issues.map((i) => i.path)).toEqual(['ticket.messages']);
  });

  it('rejects a ticket without messages', () => {
    expect(issuesOf(withMessages([])).map((i) => i.path)).toEqual(['ticket.messages']);
  });

  it('rejects missing fields and names each one', () => {
    const issues = issuesOf({ ticket: { messages: [{ role: 'customer', text: 'hi' }] } });
    expect(issues.map((i) => i.path).sort()).toEqual(['ticket.host', 'ticket.ticketId']);
    expect(issuesOf({}).map((i) => i.path)).toEqual(['ticket']);
  });

  it('rejects a subject over LIMITS.subjectChars and a bad time', () => {
    const long = { ticket: { ...WIRE_EXAMPLE.ticket, subject: 's'.repeat(LIMITS.subjectChars + 1) } };
    expect(issuesOf(long).map((i) => i.path)).toEqual(['ticket.subject']);
    expect(issuesOf(withMessages([{ role: 'customer', text: 'hi', at: 'yesterday' }])).map((i) => i.path)).toEqual(['ticket.messages.0.at']);
  });
});

describe('toIssues', () => {
  it('names the root when the value is not an object', () => {
    const parsed = SuggestionRequest.safeParse('a string');
    expect(parsed.success).toBe(false);
    const issues = toIssues(parsed.error!);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.path).toBe('(root)');
    expect(issues[0]!.message).not.toBe('');
  });

  it('gives one issue per problem, each with a message', () => {
    const issues = issuesOf(withMessages([{ role: 'robot', text: '' }]));
    expect(issues.map((i) => i.path).sort()).toEqual(['ticket.messages.0.role', 'ticket.messages.0.text']);
    for (const issue of issues) expect(issue.message.length).toBeGreaterThan(0);
    // Issues fit the envelope the backend answers with.
    expect(ErrorEnvelope.safeParse({ error: { code: 'validation_failed', message: 'x', issues } }).success).toBe(true);
  });
});

describe('SuggestionResponse', () => {
  const response = {
    suggestionId: 's1',
    query: 'refund',
    snippets: [{ snippetId: 'a#b', articleId: 'a', title: 'A', text: 'T', url: '', score: 1.5, rank: 1 }],
    candidates: [
      { candidateId: 's1:0', variantId: 'v1', text: 'x', citations: ['a#b'] },
      { candidateId: 's1:1', variantId: 'v2', text: 'y', citations: [] },
    ],
    modelVersion: 'm',
    indexVersion: 'i',
    retrieved: 1,
    createdAt: '2026-11-20T09:14:00.000Z',
  };

  it('accepts a well-formed response', () => {
    expect(SuggestionResponse.safeParse(response).success).toBe(true);
  });

  it('allows at most two candidates and 1-based ranks', () => {
    const three = { ...response, candidates: [...response.candidates, response.candidates[0]] };
    expect(SuggestionResponse.safeParse(three).success).toBe(false);
    const rankZero = { ...response, snippets: [{ ...response.snippets[0], rank: 0 }] };
    expect(SuggestionResponse.safeParse(rankZero).success).toBe(false);
  });
});

describe('ErrorEnvelope', () => {
  it('refuses codes outside the shared list', () => {
    expect(ErrorEnvelope.safeParse({ error: { code: 'not_found', message: 'gone' } }).success).toBe(true);
    expect(ErrorEnvelope.safeParse({ error: { code: 'teapot', message: 'short and stout' } }).success).toBe(false);
  });
});
