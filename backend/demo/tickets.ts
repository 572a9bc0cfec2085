/** The demo help desk's tickets, checked against the shared ticket schema when first read. */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TicketMessage } from '../../shared/index.ts';

const DemoTicket = z.object({
  ticketId: z.string(),
  subject: z.string(),
  requester: z.object({ name: z.string(), email: z.string() }),
  status: z.string(),
  messages: z.array(TicketMessage).min(1),
});
export type DemoTicket = z.infer<typeof DemoTicket>;

export const DEMO_HELP_CENTRE = new URL('./help-centre/', import.meta.url).pathname;

let cached: DemoTicket[] | undefined;

export function demoTickets(): DemoTicket[] {
  cached ??= z.array(DemoTicket).parse(JSON.parse(readFileSync(new URL('./tickets.json', import.meta.url), 'utf8')));
  return cached;
}
