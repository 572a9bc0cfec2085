import { describe, expect, it } from 'vitest';
import {
  type Annotation,
  greetedNames,
  nameMatcher,
  personName,
  redactAnnotation,
  redactNames,
  redactText,
  redactTicket,
  ticketNames,
  type TicketContext,
} from '../../../shared/index.ts';

const redact = (text: string, ...names: string[]) => nameMatcher(names)?.redact(text) ?? text;

describe('nameMatcher', () => {
  it('replaces the full name and the first name, whole-word and case-insensitively', () => {
    expect(redact('Hi Eleanor, thanks. eleanor pryce asked; ELEANOR too.', 'Eleanor Pryce')).toBe('Hi [name], thanks. [name] asked; [name] too.');
    expect(redact('Eleanor Pryce', 'Eleanor Pryce')).toBe('[name]');
    expect(redact("Eleanor's order; Eleanore and Eleanorville stay", 'Eleanor Pryce')).toBe("[name]'s order; Eleanore and Eleanorville stay");
  });

  it('takes a last name alone only after a title', () => {
    expect(redact('Dear Ms Pryce, Mr. pryce called. Pryce Street is closed.', 'Eleanor Pryce')).toBe(
      'Dear Ms [name], Mr. [name] called. Pryce Street is closed.',
    );
  });

  it('ignores initials, titles, addresses and bracketed notes in a name', () => {
    expect(redact('J said a thing to Smith', 'J. Smith')).toBe('J said a thing to [name]');
    expect(nameMatcher(['A', '', undefined, null, 'x'])).toBeUndefined();
    expect(redact('Marcus wrote', 'Marcus Delaney <marcus@example.com>')).toBe('[name] wrote');
    expect(nameMatcher(['Dr. Marcus Delaney (VIP)'])!.names).toEqual(['Marcus Delaney']);
  });

  it('matches a first name that is an everyday word only as written with a capital', () => {
    expect(redact('Will will call. We may see May in May.', 'Will Turner', 'May Lee')).toBe('[name] will call. We may see [name] in [name].');
  });

  it('handles names with apostrophes, hyphens and accents, and redacting twice changes nothing', () => {
    const once = redact("Hi Siobhán, Anne-Marie O'Brien here", 'Siobhán Kelly', "Anne-Marie O'Brien");
    expect(once).toBe('Hi [name], [name] here');
    expect(redact(once, 'Siobhán Kelly', "Anne-Marie O'Brien")).toBe(once);
  });
});

describe('greetedNames', () => {
  it('finds the name after a salutation and under a sign-off', () => {
    expect(greetedNames('Hi Eleanor,\nYour refund is on its way.\n\nBest,\nMarcus')).toEqual(['Eleanor', 'Marcus']);
    expect(greetedNames('Dear Ms Pryce, thank you.')).toEqual(['Pryce']);
    expect(greetedNames('Hello Marcus Delaney! Kind regards, Dev Okafor')).toEqual(['Marcus Delaney', 'Dev Okafor']);
    expect(greetedNames('Thanks, Marcus. I will check.')).toEqual(['Marcus']);
  });

  it('does not take everyday salutation words or lower-case words for names', () => {
    expect(greetedNames('Hi there, thanks for waiting. Dear Customer, hello team! Best,\nThe Acme Team')).toEqual([]);
    expect(greetedNames('hi marcus, thanks for writing')).toEqual([]);
    expect(greetedNames('The order shipped. Thanks for your patience.')).toEqual([]);
    expect(greetedNames('Hi [name], your order')).toEqual([]);
  });
});

describe('redactNames and redactText', () => {
  it('redacts the given names and greeted ones, after personal data', () => {
    expect(redactNames('Hi Eleanor, Marcus will call', ['Marcus Delaney'])).toBe('Hi [name], [name] will call');
    expect(redactText('Write to eleanor.pryce@example.com, Eleanor', nameMatcher(['Eleanor Pryce']))).toBe('Write to [EMAIL], [name]');
  });
});

describe('personName', () => {
  it('takes an agent id for a name only when it is written like one', () => {
    expect(personName('Dev Okafor')).toBe('Dev Okafor');
    for (const id of ['agent', 'agent-7', 'sim-agent-01', 'sha256:0123abcd', 'dev@acme.example', 'dev okafor', undefined])
      expect(personName(id)).toBeUndefined();
  });
});

const ticket: TicketContext = {
  host: 'demo',
  ticketId: '1001',
  subject: 'Eleanor Pryce: cracked lamp',
  requester: { name: 'Eleanor Pryce', email: 'eleanor.pryce@example.com' },
  messages: [
    { role: 'customer', author: 'Eleanor Pryce', text: 'Hi, the lamp is cracked. Eleanor' },
    { role: 'agent', author: 'Dev Okafor', text: 'Hi Eleanor, sorry to hear it. Dev' },
    { role: 'note', author: 'Sam Reyes', text: 'Sam: checked the order' },
  ],
};

describe('redactTicket', () => {
  it('redacts the names the ticket shows, and extra ones, from subject and messages, dropping requester and authors', () => {
    expect(ticketNames(ticket)).toEqual(['Eleanor Pryce', 'Dev Okafor', 'Sam Reyes']);
    const out = redactTicket(ticket, ['Marcus Delaney']);
    expect(out.requester).toBeUndefined();
    expect(out.subject).toBe('[name]: cracked lamp');
    expect(out.messages.map((m) => m.text)).toEqual([
      'Hi, the lamp is cracked. [name]',
      'Hi [name], sorry to hear it. [name]',
      '[name]: checked the order',
    ]);
    expect(out.messages.every((m) => m.author === undefined)).toBe(true);
    expect(JSON.stringify(out)).not.toMatch(/Eleanor|Pryce|Dev|Okafor|Sam|Reyes/);
  });
});

describe('redactAnnotation', () => {
  const base = {
    id: 'a1',
    schemaVersion: 1,
    tenant: 't',
    agent: 'agent-1',
    host: 'demo',
    ticketId: '1001',
    suggestionId: 's1',
    modelVersion: 'm',
    indexVersion: 'i',
    clientTime: '2026-11-20T09:00:00.000Z',
  } as const;

  it('redacts every free text of every kind with the names given and the names it greets', () => {
    const adoption = redactAnnotation(
      { ...base, kind: 'adoption', outcome: 'edited', sentText: 'Hi Eleanor, Dev here. Call 020 7946 0958.' } as Annotation,
      ['Dev Okafor'],
    );
    expect(adoption).toMatchObject({ sentText: 'Hi [name], [name] here. Call [PHONE].' });
    const rationale = redactAnnotation(
      { ...base, kind: 'rationale', adoptionId: 'a0', reasons: ['other'], note: 'Eleanor wanted a refund' } as Annotation,
      ['Eleanor Pryce'],
    );
    expect(rationale).toMatchObject({ note: '[name] wanted a refund' });
    const report = redactAnnotation(
      { ...base, kind: 'missing_knowledge', description: 'Marcus asks about lamps', proposedTitle: 'Lamps for marcus' } as Annotation,
      ['Marcus Delaney'],
    );
    expect(report).toMatchObject({ description: '[name] asks about lamps', proposedTitle: 'Lamps for [name]' });
  });

  it('redacts a greeted name it was not told, and leaves kinds without free text alone', () => {
    const adoption = redactAnnotation({
      ...base,
      kind: 'adoption',
      outcome: 'verbatim',
      sentText: 'Hi Eleanor,\nEleanor, your refund is on its way.\nBest,\nMarcus',
    } as Annotation);
    expect(adoption).toMatchObject({ sentText: 'Hi [name],\n[name], your refund is on its way.\nBest,\n[name]' });
    const relevance = { ...base, kind: 'relevance', snippetId: 'p', articleId: 'a', rank: 1, label: 'relevant' } as Annotation;
    expect(redactAnnotation(relevance, ['Eleanor'])).toBe(relevance);
  });
});
