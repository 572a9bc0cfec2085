/** The ticket a host adapter reads from the help-desk page: the input of every suggestion. */
import { z } from 'zod';
import { LIMITS } from './limits.ts';

export const MessageRole = z.enum(['customer', 'agent', 'note']);
export type MessageRole = z.infer<typeof MessageRole>;

export const TicketMessage = z.object({
  role: MessageRole,
  text: z.string().trim().min(1).max(LIMITS.messageChars),
  author: z.string().max(200).optional(),
  /** When the message was written, ISO 8601 with offset, if the page shows it. */
  at: z.iso.datetime({ offset: true }).optional(),
});
export type TicketMessage = z.infer<typeof TicketMessage>;

export const TicketContext = z.object({
  /** Which help desk the ticket came from: `demo`, `zendesk`, `salesforce`. */
  host: z.string().trim().min(1).max(64),
  ticketId: z.string().trim().min(1).max(128),
  subject: z.string().max(LIMITS.subjectChars).optional(),
  requester: z.object({ name: z.string().max(200).optional(), email: z.string().max(320).optional() }).optional(),
  /** Oldest first. Notes are internal and never part of the customer query. */
  messages: z.array(TicketMessage).min(1).max(LIMITS.messages),
  url: z.string().max(2048).optional(),
});
export type TicketContext = z.infer<typeof TicketContext>;

/** The agent a help desk shows as signed in, as its adapter read it; either part may be missing. */
export const PageAgent = z.object({ name: z.string().min(1).max(200).optional(), email: z.string().min(3).max(254).optional() });
export type PageAgent = z.infer<typeof PageAgent>;
