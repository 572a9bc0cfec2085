/** Sends typed messages to the background worker and checks its replies with the shared schemas. */
import { browser } from 'wxt/browser';
import { type RuntimeMessage, type SuggestReply, SuggestReply as SuggestReplySchema, type TicketContext } from '../../shared/index.ts';

export async function askForSuggestion(ticket: TicketContext): Promise<SuggestReply> {
  const message: RuntimeMessage = { type: 'suggest', ticket };
  try {
    const reply = SuggestReplySchema.safeParse(await browser.runtime.sendMessage(message));
    if (reply.success) return reply.data;
    return { ok: false, kind: 'invalid_response', message: 'The extension answered in an unexpected shape; reload the page.' };
  } catch {
    // The worker is gone, e.g. the extension was updated or reloaded under this page.
    return { ok: false, kind: 'unreachable', message: 'The extension was reloaded; reload this page to reconnect.' };
  }
}
