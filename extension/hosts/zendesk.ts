/**
 * Adapter for the Zendesk Agent Workspace (`https://<sub>.zendesk.com/agent/tickets/<id>`). Zendesk keeps every
 * open ticket's layout mounted, conversation and composer included, so everything is read and written inside the
 * one layout that is active for the ticket in the URL; when the page cannot say which that is, it is unreadable.
 */
import { LIMITS, type MessageRole, PageAgent, type SelectorOverrides, TicketMessage } from '../../shared/index.ts';
import { blockText, observePage } from './dom.ts';
import { createSendTracker, type ShownReply } from './sends.ts';
import { all, first, missed, type SelectorTable, withOverrides } from './selectors.ts';
import type { HostAdapter, InsertResult, TicketRead } from './types.ts';

// Every selector of the Agent Workspace, in one place; keys are what admins override. `{id}` stands for the
// ticket id from the URL (digits only). Where each was seen: ../shared/research/hosts.md, repository and path below.
export const ZENDESK_SELECTORS = {
  // The active ticket's root. Zendesk keeps every open ticket mounted, so each alternative names the URL's ticket.
  layout: [
    // Standard ticket layouts, the shown one active (joaoaguiar264/Automacoes-ALT "Zendesk - ALT Copilot.user.js").
    '[data-test-id="ticket-{id}-standard-layout"][data-is-active="true"]',
    // Accounts with custom ticket layouts: the active pane grid holds the ticket's custom layout
    // (limangotech/zendesk-userscripts extension/features/side-conversation-replacement.js; toggl/track-extension
    // src/content/zendesk.js).
    '.ticket-panes-grid-layout[data-is-active="true"] [data-test-id="ticket-{id}-custom-layout"]',
    // The ticket's conversation root, one per ticket id, unchanged since 2019 (holatuwol/liferay-zendesk-userscript
    // src/main.ts; toggl/track-extension src/content/zendesk.js).
    'div[data-side-conversations-anchor-id="{id}"]',
    // The ticket's Polaris conversation pane (joaoaguiar264/Automacoes-ALT).
    '.conversation-polaris[data-ticket-id="{id}"]',
  ],
  // Roots of any ticket claiming to be active, standard or custom: more than one and the page contradicts itself.
  activeLayouts: ['[data-test-id$="-standard-layout"][data-is-active="true"], .ticket-panes-grid-layout[data-is-active="true"]'],
  // The selected header tab names the ticket shown (Skeyelab/zendesk-chrome-extension extension/content.js;
  // holatuwol src/main.ts); while it names another than the URL, the workspace is between tickets.
  selectedTab: ['a[data-test-id="header-tab"][data-entity-type="TICKET_ENTITY_TYPE"][data-entity-is-selected="true"]'],
  subject: [
    // The omnichannel header (toggl/track-extension 2021–24; holatuwol src/priority.ts).
    'input[data-test-id="omni-header-subject"]',
    // Older ticket pane (hosts.md).
    'input[data-test-id="ticket-pane-subject"]',
  ],
  // Ticket properties panel (hosts.md).
  requester: ['[data-test-id="ticket-system-field-requester-select"]'],
  // The conversation log, each comment one article (holatuwol src/ticket.ts).
  message: ['article[data-test-id="omni-log-comment-item"]'],
  // The bubble whose `type` attribute is end-user | agent | bot (holatuwol src/ticket.ts).
  messageBubble: ['[data-test-id="omni-log-item-message"]'],
  messageBody: ['[data-test-id="omni-log-message-content"]'],
  messageSender: ['[data-test-id="omni-log-item-sender"]'],
  // timestamp-relative and timestamp-absolute, both with `datetime` (holatuwol src/ticket.ts).
  messageTime: ['time[data-test-id^="timestamp-"][datetime]'],
  // Tag inside an internal note's article (holatuwol src/internal.ts).
  internalNote: ['[data-test-id="omni-log-internal-note-tag"]'],
  composer: [
    // The rich-text composer: the CKEditor 5 editable itself (hosts.md).
    '[data-test-id="omnicomposer-rich-text-ckeditor"][contenteditable="true"]',
    // The plain-text composer of messaging (chat) tickets (hosts.md).
    '[data-test-id="omnicomposer-plain-text-ckeditor"][contenteditable="true"]',
    // Any CKEditor 5 editable in the composer wrapper, should the test ids above be renamed (hosts.md).
    'div[data-test-id="editor-view"] .ck-editor__editable[contenteditable="true"]',
  ],
  // The messaging composer sends on a plain Enter (a public Cypress test types {enter} into it; hosts.md).
  chatComposer: ['[data-test-id="omnicomposer-plain-text-ckeditor"]'],
  submitButton: [
    // The footer's split button, "Submit as …" (public Playwright and Selenium suites; hosts.md).
    '[data-test-id="submit_button-button"]',
    // Save in the omnichannel footer (Automattic/support-toolkit extension/config.js).
    '[data-test-id="omni-save-button"]',
  ],
  // Menus whose items submit: the split button's "Submit as Solved/Pending/…" dropdown (public Playwright and
  // Selenium suites) and the post-save actions (Automattic/support-toolkit extension/config.js).
  submitMenu: ['[data-test-id="submit_button-menu-button"]', '[data-test-id="ticket-footer-post-save-actions-menu-button"]'],
  submitMenuItem: ['[role="menuitem"]'],
} satisfies SelectorTable;

type Key = keyof typeof ZENDESK_SELECTORS;
type Table = SelectorTable<Key>;
type Unreadable = Extract<TicketRead, { status: 'unreadable' | 'elsewhere' }>;

const ROLES: Record<string, MessageRole> = { 'end-user': 'customer', agent: 'agent', bot: 'agent' };
/** How long after the submit menu opened a chosen item counts as a submit. */
const MENU_MS = 30_000;
/** How long a ticket may stay unreadable (after navigation, while Zendesk renders) before the sidebar says so. */
const GRACE_MS = 3000;

export interface ZendeskOptions {
  /** Clock for the grace period (tests inject one). */
  now?: () => number;
  graceMs?: number;
  /** For reading the signed-in agent from Zendesk's own API (tests inject one). */
  fetch?: typeof globalThis.fetch;
}

/**
 * The signed-in agent: `GET /api/v2/users/me.json` on the page's own origin, with the agent's session (a read; hosts.md
 * names this same-origin REST use). Zendesk answers `{"user": {"id", "name", "email", …}}`, `id` null when nobody is
 * signed in. Undefined on any failure.
 */
export async function readZendeskAgent(origin: string, fetchImpl: typeof globalThis.fetch = globalThis.fetch): Promise<PageAgent | undefined> {
  try {
    const response = await fetchImpl(`${origin}/api/v2/users/me.json`, { credentials: 'same-origin', headers: { accept: 'application/json' } });
    if (!response.ok) return undefined;
    const user = ((await response.json()) as { user?: { id?: unknown; name?: unknown; email?: unknown } }).user;
    if (!user || user.id === null || user.id === undefined) return undefined;
    const parsed = PageAgent.safeParse({
      name: typeof user.name === 'string' && user.name.trim() ? user.name.trim().slice(0, 200) : undefined,
      email: typeof user.email === 'string' && user.email.trim() ? user.email.trim() : undefined,
    });
    return parsed.success && (parsed.data.name || parsed.data.email) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** `https://<sub>.zendesk.com/agent/tickets/<id>` → the id. */
export function zendeskTicketId(url: URL): string | undefined {
  if (url.protocol !== 'https:' || !/^[a-z0-9][a-z0-9-]*\.zendesk\.com$/i.test(url.hostname)) return undefined;
  return /^\/agent\/tickets\/(\d+)(?:\/|$)/.exec(url.pathname)?.[1];
}

export function createZendeskAdapter(
  overrides?: SelectorOverrides,
  { now = Date.now, graceMs = GRACE_MS, fetch: fetchImpl }: ZendeskOptions = {},
): HostAdapter {
  const { table } = withOverrides<Key>(ZENDESK_SELECTORS, overrides);
  // When the page at this URL started being unreadable; a page that stays so past the grace period is reported.
  let failingSince: { url: string; at: number } | undefined;
  let wakeAfter: ((ms: number) => void) | undefined;

  const activeLayout = (doc: Document) => findActiveLayout(doc, table);
  // The signed-in agent does not change while the workspace is open: asked once per origin, again after a failure.
  let agent: { origin: string; read: Promise<PageAgent | undefined> } | undefined;

  return {
    host: 'zendesk',

    matches: (url) => zendeskTicketId(url) !== undefined,

    readTicket(doc): TicketRead {
      if (!zendeskTicketId(new URL(doc.URL))) return { status: 'elsewhere' };
      const layout = activeLayout(doc);
      const read = 'status' in layout ? layout : readLayout(doc, table, layout.id, layout.element);
      if (read.status === 'ok') {
        failingSince = undefined;
        return read;
      }
      if (failingSince?.url !== doc.URL) failingSince = { url: doc.URL, at: now() };
      const left = failingSince.at + graceMs - now();
      if (left <= 0) return read;
      wakeAfter?.(left);
      return { status: 'waiting' };
    },

    watch(doc, signal, onChange) {
      observePage(doc, signal, onChange);
      // An unreadable page may never change again: read once more when its grace period ends.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const wake = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => signal.aborted || onChange(), ms + 20);
      };
      wakeAfter = wake;
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        if (wakeAfter === wake) wakeAfter = undefined;
      });
    },

    async insertReply(doc, text, { replaceDraft }): Promise<InsertResult> {
      const layout = activeLayout(doc);
      const editable = 'status' in layout ? null : (first(layout.element, table, 'composer') as HTMLElement | null);
      if (!editable) return 'no_composer';
      const draft = blockText(editable);
      if (draft && !replaceDraft) return 'draft_exists';
      editable.focus();
      if (draft) await selectContents(editable);
      pasteInto(editable, text);
      return (await showsText(editable, text)) ? 'inserted' : 'no_composer';
    },

    watchSends(doc, signal, onSend) {
      const tracker = createSendTracker(onSend, signal, { now });
      // The send itself: a new agent reply in the active ticket's conversation, whichever way it was sent.
      const look = () => {
        const layout = activeLayout(doc);
        if (!('status' in layout)) tracker.observe(layout.id, shownReplies(table, layout.element));
      };
      observePage(doc, signal, look);
      look();
      // Evidence, read in the capture phase before Zendesk's own handlers submit and clear the composer.
      const announce = () => {
        const layout = activeLayout(doc);
        const editable = 'status' in layout ? null : first(layout.element, table, 'composer');
        if (!editable || 'status' in layout) return;
        const text = blockText(editable);
        tracker.evidence(layout.id, text, () => editable.isConnected && blockText(editable) === text);
      };
      let menuOpened = -Infinity;
      const onClick = (event: Event) => {
        const target = event.target instanceof Element ? event.target : null;
        if (!target) return;
        const button = closest(target, table.submitButton);
        if (button && !(button as HTMLButtonElement).disabled) return announce();
        if (closest(target, table.submitMenu)) menuOpened = now();
        // The menu renders in a portal outside the ticket: an item chosen soon after the submit menu opened.
        else if (closest(target, table.submitMenuItem) && now() - menuOpened < MENU_MS) announce();
      };
      const onKeyDown = (event: KeyboardEvent) => {
        if (event.key !== 'Enter' || event.shiftKey || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
        if (event.target instanceof Element && closest(event.target, table.chatComposer)) announce();
      };
      doc.addEventListener('click', onClick, { capture: true, signal });
      doc.addEventListener('keydown', onKeyDown, { capture: true, signal });
    },

    async readAgent(doc) {
      const origin = new URL(doc.URL).origin;
      if (agent?.origin !== origin) agent = { origin, read: readZendeskAgent(origin, fetchImpl) };
      const found = await agent.read;
      if (!found) agent = undefined;
      return found;
    },
  };
}

/** The one layout active for the URL's ticket, or why there is none. */
function findActiveLayout(doc: Document, table: Table): { id: string; element: Element } | Unreadable {
  const id = zendeskTicketId(new URL(doc.URL));
  if (!id) return { status: 'elsewhere' };
  const shown = first(doc, table, 'selectedTab')?.getAttribute('data-entity-id');
  if (shown && shown !== id) return missed(table, 'selectedTab', 'The selected tab shows another ticket than the address bar.');
  const forTicket: Table = { ...table, layout: table.layout.map((s) => s.replaceAll('{id}', id)) };
  const layouts = all(doc, forTicket, 'layout');
  if (layouts.length === 0) return missed(forTicket, 'layout', "The active ticket's layout was not found.");
  // A standard layout may sit in an active pane grid too: only the outermost active roots are tickets.
  const active = all(doc, table, 'activeLayouts');
  const tickets = active.filter((el) => !active.some((other) => other !== el && other.contains(el)));
  if (layouts.length > 1 || tickets.length > 1) {
    return { status: 'unreadable', reason: 'Two tickets claim to be active.', selectorKey: 'layout', selectors: forTicket.layout };
  }
  return { id, element: layouts[0]! };
}

function readLayout(doc: Document, table: Table, ticketId: string, layout: Element): TicketRead {
  const items = all(layout, table, 'message');
  if (items.length === 0) return missed(table, 'message', 'No messages were found on this ticket.');
  const messages = items.flatMap((item) => readMessage(table, item));
  if (messages.length === 0) return missed(table, 'messageBubble', "Who wrote this ticket's messages could not be told.");
  // Oldest first, whichever order the agent's settings show them in; the page's order when a time is missing.
  if (messages.every((m) => m.at)) messages.sort((a, b) => Date.parse(a.at!) - Date.parse(b.at!));
  // Optional fields: a ticket without them still gets suggestions (and an override may name a non-input).
  const subject = (first(layout, table, 'subject') as HTMLInputElement | null)?.value?.trim();
  const requester = first(layout, table, 'requester')?.textContent?.trim();
  const url = new URL(doc.URL);
  return {
    status: 'ok',
    ticket: {
      host: 'zendesk',
      ticketId,
      subject: subject ? subject.slice(0, LIMITS.subjectChars) : undefined,
      requester: requester ? { name: requester.slice(0, 200) } : undefined,
      messages: messages.slice(-LIMITS.messages),
      // Query and fragment may carry personal data.
      url: url.origin + url.pathname,
    },
  };
}

function readMessage(table: Table, item: Element): TicketMessage[] {
  const bubble = first(item, table, 'messageBubble');
  // Hidden bubbles are Zendesk's system entries, not messages.
  if (!bubble || bubble.getAttribute('aria-hidden') === 'true') return [];
  const role = first(item, table, 'internalNote') ? 'note' : ROLES[bubble.getAttribute('type') ?? ''];
  const body = first(item, table, 'messageBody');
  // Sender and time are optional: a message without them is still worth reading.
  const time = Date.parse(first(item, table, 'messageTime')?.getAttribute('datetime') ?? '');
  const parsed = TicketMessage.safeParse({
    role,
    text: body ? blockText(body).slice(0, LIMITS.messageChars) : '',
    author: first(item, table, 'messageSender')?.textContent?.trim().slice(0, 200) || undefined,
    at: Number.isNaN(time) ? undefined : new Date(time).toISOString(),
  });
  return parsed.success ? [parsed.data] : [];
}

/**
 * The agents' public replies and internal notes a ticket shows, oldest first, keyed by time and text (stable across
 * re-renders); bots' messages are no agent's send.
 */
function shownReplies(table: Table, layout: Element): ShownReply[] {
  return all(layout, table, 'message').flatMap((item) => {
    const bubble = first(item, table, 'messageBubble');
    if (!bubble || bubble.getAttribute('type') !== 'agent' || bubble.getAttribute('aria-hidden') === 'true') return [];
    const body = first(item, table, 'messageBody');
    const text = body ? blockText(body) : '';
    const at = first(item, table, 'messageTime')?.getAttribute('datetime') ?? '';
    return [{ key: `${at}\n${text}`, text, note: first(item, table, 'internalNote') !== null }];
  });
}

function closest(element: Element, selectors: readonly string[]): Element | null {
  for (const selector of selectors) {
    const found = element.closest(selector);
    if (found) return found;
  }
  return null;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Plain text as HTML paragraphs, every character escaped: the suggestion is never markup. */
export function paragraphsHtml(text: string): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map(
      (p) =>
        `<p>${p
          .trim()
          .replace(/[&<>"']/g, (c) => ESCAPES[c]!)
          .replace(/\n/g, '<br>')}</p>`,
    )
    .join('');
}

/**
 * A synthetic paste runs CKEditor 5's own clipboard pipeline (it ignores execCommand and direct DOM edits, see
 * hosts.md), so Zendesk hears about the change as it would from the agent.
 */
function pasteInto(editable: HTMLElement, text: string): void {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  data.setData('text/html', paragraphsHtml(text));
  editable.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
}

/** Selects the whole draft so the paste replaces it; CKEditor takes the selection over on `selectionchange`. */
async function selectContents(editable: HTMLElement): Promise<void> {
  const doc = editable.ownerDocument;
  const range = doc.createRange();
  range.selectNodeContents(editable);
  const done = new AbortController();
  const seen = new Promise<void>((resolve) => {
    doc.addEventListener('selectionchange', () => resolve(), { once: true, signal: done.signal });
    setTimeout(resolve, 150);
  });
  // A document shown in a window always has a selection.
  const selection = doc.getSelection()!;
  selection.removeAllRanges();
  selection.addRange(range);
  await seen;
  done.abort();
}

/** Whether the editable shows the start of `text` within half a second (an editor may render a beat later). */
async function showsText(editable: HTMLElement, text: string): Promise<boolean> {
  const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
  const expected = squash(text).slice(0, 40);
  for (let attempt = 0; attempt < 20; attempt++) {
    if (squash(blockText(editable)).includes(expected)) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return false;
}
