import { describe, expect, it } from 'vitest';
import type { TicketContext } from '../../../shared/index.ts';
import { ticketKey } from '../../../extension/sidebar/use-suggestions.ts';

const ticket = (messages: TicketContext['messages'], ticketId = '1001'): TicketContext => ({ host: 'demo', ticketId, messages });
const customer = (text: string) => ({ role: 'customer' as const, text });
const agent = (text: string) => ({ role: 'agent' as const, text });
const note = (text: string) => ({ role: 'note' as const, text });

describe('ticketKey', () => {
  const asked = ticket([customer('My lamp arrived cracked.')]);

  it("does not change when the agent's reply or an internal note is added", () => {
    expect(ticketKey(ticket([customer('My lamp arrived cracked.'), agent('Sorry to hear that!')]))).toBe(ticketKey(asked));
    expect(ticketKey(ticket([customer('My lamp arrived cracked.'), note('Checked the order.'), agent('Refund sent.')]))).toBe(ticketKey(asked));
  });

  it('changes with a new customer message, even after agent replies', () => {
    const later = ticket([customer('My lamp arrived cracked.'), agent('Sorry to hear that!'), customer('Any news?')]);
    expect(ticketKey(later)).not.toBe(ticketKey(asked));
    expect(ticketKey(ticket([...later.messages, agent('Yes: shipped.')]))).toBe(ticketKey(later));
  });

  it('tells tickets apart, and the same words sent twice apart from once', () => {
    expect(ticketKey(ticket(asked.messages, '1002'))).not.toBe(ticketKey(asked));
    expect(ticketKey({ ...asked, host: 'zendesk' })).not.toBe(ticketKey(asked));
    expect(ticketKey(ticket([customer('Hi'), agent('Hello'), customer('Hi')]))).not.toBe(ticketKey(ticket([customer('Hi')])));
  });

  it('keeps earlier messages in the key: a different conversation with the same last message is another question', () => {
    expect(ticketKey(ticket([customer('Refund?'), customer('Any news?')]))).not.toBe(ticketKey(ticket([customer('Lamp?'), customer('Any news?')])));
  });

  it('identifies a ticket the agent opened (no customer message yet) by the ticket alone', () => {
    expect(ticketKey(ticket([agent('Hello, following up on your order.')]))).toBe(
      ticketKey(ticket([agent('Hello, following up on your order.'), note('x')])),
    );
  });
});
