/** Adapter for the demo help desk the backend serves at /demo/tickets/:id. */
import { type MessageRole, TicketMessage } from '../../shared/index.ts';
import { observePage, typeInto } from './dom.ts';
import type { HostAdapter, InsertResult, TicketRead } from './types.ts';

// All of the demo page's selectors, in one place.
const SELECTORS = {
  ticket: 'main#ticket',
  subject: '[data-field="subject"]',
  requester: '[data-field="requester"]',
  message: '#conversation article.message',
  messageBody: '.body',
  messageAuthor: '.author',
  messageTime: 'time[datetime]',
  composer: 'textarea#composer',
  composerForm: 'form#composer-form',
} as const;

const ROLES: Record<string, MessageRole> = { customer: 'customer', agent: 'agent', note: 'note' };

export function ticketIdFromUrl(url: string): string | undefined {
  const match = /\/demo\/tickets\/([^/?#]+)/.exec(new URL(url).pathname);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

export const demoAdapter: HostAdapter = {
  host: 'demo',

  readTicket(doc): TicketRead {
    const urlId = ticketIdFromUrl(doc.URL);
    if (!urlId) return { status: 'unreadable', reason: 'This page is not a ticket.' };
    const main = doc.querySelector<HTMLElement>(SELECTORS.ticket);
    if (!main) return { status: 'unreadable', reason: 'The ticket area was not found.', selector: SELECTORS.ticket };
    // The page swaps tickets in place: until it shows the ticket the URL names, what is on screen is the old one.
    if (main.dataset.loading === 'true' || main.dataset.ticketId !== urlId) return { status: 'waiting' };
    const messages = [...main.querySelectorAll<HTMLElement>(SELECTORS.message)].flatMap((node) => {
      const parsed = TicketMessage.safeParse({
        role: ROLES[node.dataset.role ?? ''],
        text: node.querySelector(SELECTORS.messageBody)?.textContent ?? '',
        author: node.querySelector(SELECTORS.messageAuthor)?.textContent?.trim() || undefined,
        at: node.querySelector(SELECTORS.messageTime)?.getAttribute('datetime') ?? undefined,
      });
      return parsed.success ? [parsed.data] : [];
    });
    if (messages.length === 0) return { status: 'unreadable', reason: 'No messages were found on this ticket.', selector: SELECTORS.message };
    const requester = main.querySelector<HTMLElement>(SELECTORS.requester);
    return {
      status: 'ok',
      ticket: {
        host: 'demo',
        ticketId: urlId,
        subject: main.querySelector(SELECTORS.subject)?.textContent?.trim() || undefined,
        requester: requester?.dataset.name ? { name: requester.dataset.name, email: requester.dataset.email } : undefined,
        messages,
        url: doc.URL,
      },
    };
  },

  watch(doc, signal, onChange) {
    observePage(doc, signal, onChange);
  },

  insertReply(doc, text, { replaceDraft }): InsertResult {
    const composer = doc.querySelector<HTMLTextAreaElement>(SELECTORS.composer);
    if (!composer) return 'no_composer';
    if (composer.value.trim() && !replaceDraft) return 'draft_exists';
    typeInto(composer, text);
    return 'inserted';
  },

  watchSends(doc, signal, onSend) {
    // Capture phase on the document runs before the page's own submit handler empties the composer.
    const onSubmit = (event: Event) => {
      const form = event.target as Element | null;
      if (!form?.matches?.(SELECTORS.composerForm)) return;
      const text = form.querySelector<HTMLTextAreaElement>(SELECTORS.composer)?.value ?? '';
      if (text.trim()) onSend(text);
    };
    doc.addEventListener('submit', onSubmit, { capture: true, signal });
  },
};
