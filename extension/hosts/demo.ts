/** Adapter for the demo help desk the backend serves at /demo/tickets/:id. */
import { type MessageRole, type SelectorOverrides, TicketMessage } from '../../shared/index.ts';
import { agentFromElement, observePage, typeInto } from './dom.ts';
import { all, first, missed, type SelectorTable, withOverrides } from './selectors.ts';
import type { HostAdapter, InsertResult, TicketRead } from './types.ts';

// All of the demo page's selectors, in one place; keys are what admins override.
export const DEMO_SELECTORS = {
  ticket: ['main#ticket'],
  subject: ['[data-field="subject"]'],
  requester: ['[data-field="requester"]'],
  message: ['#conversation article.message'],
  messageBody: ['.body'],
  messageAuthor: ['.author'],
  messageTime: ['time[datetime]'],
  composer: ['textarea#composer'],
  composerForm: ['form#composer-form'],
  // The signed-in agent in the top bar (its data-name and data-email).
  agent: ['#agent-name'],
} satisfies SelectorTable;

type Key = keyof typeof DEMO_SELECTORS;
const ROLES: Record<string, MessageRole> = { customer: 'customer', agent: 'agent', note: 'note' };

export function ticketIdFromUrl(url: URL): string | undefined {
  const match = /^\/demo\/tickets\/([^/?#]+)/.exec(url.pathname);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

export function createDemoAdapter(overrides?: SelectorOverrides): HostAdapter {
  const { table } = withOverrides<Key>(DEMO_SELECTORS, overrides);
  return {
    host: 'demo',

    matches: (url) => ['127.0.0.1', 'localhost'].includes(url.hostname) && ticketIdFromUrl(url) !== undefined,

    readTicket(doc): TicketRead {
      const urlId = ticketIdFromUrl(new URL(doc.URL));
      if (!urlId) return { status: 'elsewhere' };
      const main = first(doc, table, 'ticket') as HTMLElement | null;
      if (!main) return missed(table, 'ticket', 'The ticket area was not found.');
      // The page swaps tickets in place: until it shows the ticket the URL names, what is on screen is the old one.
      if (main.dataset.loading === 'true' || main.dataset.ticketId !== urlId) return { status: 'waiting' };
      const messages = all(main, table, 'message').flatMap((node) => {
        const parsed = TicketMessage.safeParse({
          role: ROLES[(node as HTMLElement).dataset.role ?? ''],
          text: first(node, table, 'messageBody')?.textContent ?? '',
          author: first(node, table, 'messageAuthor')?.textContent?.trim() || undefined,
          at: first(node, table, 'messageTime')?.getAttribute('datetime') ?? undefined,
        });
        return parsed.success ? [parsed.data] : [];
      });
      if (messages.length === 0) return missed(table, 'message', 'No messages were found on this ticket.');
      const requester = first(main, table, 'requester') as HTMLElement | null;
      return {
        status: 'ok',
        ticket: {
          host: 'demo',
          ticketId: urlId,
          subject: first(main, table, 'subject')?.textContent?.trim() || undefined,
          requester: requester?.dataset.name ? { name: requester.dataset.name, email: requester.dataset.email } : undefined,
          messages,
          url: doc.URL,
        },
      };
    },

    watch(doc, signal, onChange) {
      observePage(doc, signal, onChange);
    },

    async insertReply(doc, text, { replaceDraft }): Promise<InsertResult> {
      const composer = first(doc, table, 'composer') as HTMLTextAreaElement | null;
      if (!composer) return 'no_composer';
      if (composer.value.trim() && !replaceDraft) return 'draft_exists';
      typeInto(composer, text);
      return 'inserted';
    },

    watchSends(doc, signal, onSend) {
      // Capture phase on the document runs before the page's own submit handler empties the composer.
      const onSubmit = (event: Event) => {
        const form = event.target as Element | null;
        if (!form || !table.composerForm.some((s) => form.matches?.(s))) return;
        const text = (first(form, table, 'composer') as HTMLTextAreaElement | null)?.value ?? '';
        if (text.trim()) onSend(text);
      };
      doc.addEventListener('submit', onSubmit, { capture: true, signal });
    },

    async readAgent(doc) {
      return agentFromElement(first(doc, table, 'agent'));
    },
  };
}
