/**
 * Adapter for Case records in the Salesforce Lightning Service Console
 * (`https://<org>.lightning.force.com/lightning/r/Case/<id>/view`). The console keeps every open tab mounted and
 * only moves background tabs off-screen, so every read, insert and send is scoped to the active tab's panel;
 * parts of the page may render in open shadow roots, which every query walks.
 */
import { LIMITS, type MessageRole, type SelectorOverrides, TicketMessage } from '../../shared/index.ts';
import { agentFromElement, blockText, observePage, throttle, typeInto } from './dom.ts';
import { missed, type SelectorTable, withOverrides } from './selectors.ts';
import { createSendTracker, type SendTrackerOptions } from './sends.ts';
import type { HostAdapter, InsertResult, TicketRead } from './types.ts';

// All of the console's selectors; keys are what admins override. Where each alternative was seen in public code is
// noted beside it (../shared/research/hosts.md gathers them); "fixture only" marks what only
// tests/fixtures/salesforce renders. tests/unit/hosts/salesforce-selectors.test.ts pins how many elements each
// alternative matches on each fixture page.
export const SALESFORCE_SELECTORS = {
  // The active primary tab's header (UNiXMIT/UNiXSF SFExt/js/SFExt.js reads its href); its `aria-controls` names
  // the panel (DejiA123/SOTI-AI-Analyser "Extension v8.4.0/content.js" follows it).
  activeTab: ['a.tabHeader[aria-selected="true"]'],
  activePanel: [
    // For when no header leads to a panel (UNiXSF SFExt/js/SFExt.js).
    'div.split-right > .tabContent.active.oneConsoleTab',
    // The same without the split-view parent: our relaxation of UNiXSF's selector, for a console without split view.
    '.tabContent.active.oneConsoleTab',
  ],
  subject: [
    // The highlights panel's title, mounted whichever sub-tab is open (UNiXSF SFExt/js/SFExt.js up to 4.0.6 reads
    // `support-output-case-subject-field > div > lightning-formatted-text`).
    'support-output-case-subject-field lightning-formatted-text',
    // Record details: the layout item's output slot (UNiXSF SFExt/js/SFExt.js, `[field-label="X"] [name="outputField"]`).
    '[field-label="Subject"] [name="outputField"]',
    // The value slotted into it (salesforce UTAM page objects, `[slot="outputField"]`, per hosts.md).
    'records-record-layout-item[field-label="Subject"] [slot="outputField"]',
    // The whole layout item (hosts.md); its label is stripped.
    'records-record-layout-item[field-label="Subject"]',
  ],
  contactName: [
    '[field-label="Contact Name"] [name="outputField"]', // UNiXSF SFExt/js/SFExt.js
    'records-record-layout-item[field-label="Contact Name"] [slot="outputField"]', // UTAM's slot, per hosts.md
    // Highlights items wrap label and value in a div: `records-highlights-details-item > div > p[title="…"]`
    // (hosts.md; UNiXSF SFExt/js/SFExt.js up to 4.0.6 reads `records-highlights-details-item:nth-child(n) > div > p…`).
    'records-highlights-details-item:has(> div > p[title="Contact Name"]) a',
    // Web-to-Case's supplied name when no contact matched: the UNiXSF field pattern with Salesforce's standard
    // field label; only our legacy fixture shows it.
    '[field-label="Web Name"] [name="outputField"]',
  ],
  contactEmail: [
    '[field-label="Contact Email"] [name="outputField"]', // UNiXSF's field pattern
    'records-record-layout-item[field-label="Contact Email"] [slot="outputField"]', // UTAM's slot, per hosts.md
    '[field-label="Web Email"] [name="outputField"]', // as Web Name above: legacy fixture only
  ],
  // Feed items and comments (SOTI-AI-Analyser "Extension v8.4.0/content.js"). Comments render inside their post,
  // or beside it in a `.cuf-compactFeedBack` block (same source): those belong to the nearest post above them.
  feedItem: ['article.cuf-feedItem, article.cuf-feedElement'],
  feedComment: ['.cuf-commentItem, .forceChatterComment'],
  // The email's HTML in an attribute (the visible body is an iframe srcdoc), else the body element (SOTI, both).
  emailBody: ['emailui-rich-text-output[value]', '.emailMessageBody'],
  // Post text (SOTI reads `.forceChatterFeedBodyText, .feedBodyInner`).
  body: ['.forceChatterFeedBodyText', '.feedBodyInner'],
  // Who wrote a feed item; on emails a sentence, "Ada Lovelace sent an email to support@acme.com" (SOTI).
  author: ['.preamble_left'],
  // A comment's author (SOTI parseFeedComment). Salesforce nests a div in the `<p class="cuf-commentNameLink">`, so
  // the parser empties that p: the first alternative with text wins, not the first that matches.
  commentAuthor: ['.cuf-commentNameLink .uiOutputText', '.cuf-preamble .uiOutputText', '.cuf-entityLink'],
  commentTime: ['.cuf-commentAge[title]'], // SOTI; the title holds the absolute time
  commentBody: ['.slds-comment__content .feedBodyInner'], // SOTI
  // Internal-only items say "Internal" in the custom preamble (SOTI).
  visibility: ['.preamble_custom-preamble'],
  // Logged calls: context, never the customer's words (SOTI reads both).
  callLog: ['.logCallDescription', '.preamble_custom-summary'],
  // Time of a feed item: the timestamp link's title (hosts.md: `a.cuf-timestamp`, lowercase), or any titled element
  // in the preamble's right column (SOTI feedItemTimestamp).
  time: ['a.cuf-timestamp[title]', '.preamble_right [title]'],
  // Publisher editors (hosts.md): Quill in Chatter and current email publishers, a CKEditor 4 iframe in older
  // email publishers; a textarea in question and Log a Call publishers (public Selenium scripts, per hosts.md).
  quillEditor: ['.ql-editor.slds-rich-text-area__content'],
  ckeFrame: ['iframe.cke_wysiwyg_frame'],
  textarea: ['textarea[role="textbox"]', 'textarea.textarea'],
  // Publisher actions not on screen stay mounted, hidden (SLDS utility class; SOTI isVisible checks `slds-hide`).
  hidden: ['.slds-hide, [hidden]'],
  // Share / Send / Save of publisher actions; its title reads "Click, or press Ctrl+Enter" (hosts.md). No public
  // evidence was found for a Send button without this class.
  sendButton: ['button.cuf-publisherShareButton'],
  // The signed-in user, for tenant-wide keys. None by default: no public code shows a stable hook for it (the
  // global header's avatar carries no name), and a wrong guess would merge every agent into one. An admin who
  // finds one on their org sets it by override (docs/admin.md); until then the browser's own agent id is recorded.
  currentUser: [],
} satisfies SelectorTable;

type Key = keyof typeof SALESFORCE_SELECTORS;

export interface SalesforceOptions {
  /** Milliseconds since the epoch; injectable for tests. */
  now?: () => number;
  /** How long a missing active panel (or feed) counts as "still rendering" after the URL or tab changed. */
  graceMs?: number;
  /** Timing of send detection (how long button evidence waits for the feed to show the reply); for tests. */
  sends?: SendTrackerOptions;
}

/** The Case id in a console record URL: 15 or 18 characters, key prefix 500. */
export function caseIdFromUrl(url: URL): string | undefined {
  if (url.protocol !== 'https:' || !/^[a-z0-9-]+(\.[a-z0-9-]+)*\.lightning\.force\.com$/i.test(url.hostname)) return undefined;
  return /^\/lightning\/r\/Case\/(500[a-zA-Z0-9]{12}(?:[A-Z0-5]{3})?)\/view\/?$/.exec(url.pathname)?.[1];
}

/** 15- and 18-character forms of one id name the same record. */
const sameRecord = (a: string, b: string) => a.slice(0, 15) === b.slice(0, 15);

/** One message of the feed, with what send detection needs to know about it. */
interface FeedEntry {
  message: TicketMessage;
  /** A public reply of the agent: an outbound email, a shared post or a comment on one; never a note or a call log. */
  reply: boolean;
  /** Stays the same when Lightning re-renders the item: no public source shows a record id on feed items. */
  key: string;
}

type CaseRead = { read: TicketRead; entries?: FeedEntry[] };

export function createSalesforceAdapter(overrides?: SelectorOverrides, options: SalesforceOptions = {}): HostAdapter {
  const { table } = withOverrides<Key>(SALESFORCE_SELECTORS, overrides);
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 3000;
  const findAll = (root: ParentNode, key: Key) => firstMatching(root, table[key]);
  const findFirst = (root: ParentNode, key: Key): Element | null => findAll(root, key)[0] ?? null;
  /** The first match of `key` in `root` that is not inside one of `skip` (an item's own sender, not a comment's). */
  const findOwn = (root: ParentNode, key: Key, skip: readonly Element[] = []) => {
    for (const selector of table[key]) {
      const found = queryDeep(root, selector).find((el) => !skip.some((s) => isInside(el, s)));
      if (found) return found;
    }
    return null;
  };
  /** The text of the first match of `key` that has any. */
  const firstText = (root: ParentNode, key: Key) => {
    for (const selector of table[key]) {
      for (const el of queryDeep(root, selector)) {
        const text = textOf(el);
        if (text) return text;
      }
    }
    return '';
  };

  let lastChange = { key: '', at: 0 };
  /** Watchers to wake when a grace period ends on a page that has stopped changing (the sidebar's, send detection's). */
  const wakers = new Set<(ms: number) => void>();

  function activePanel(doc: Document): { panel: Element; tab?: Element } | { several: number } | { missing: Key } {
    const tabs = findAll(doc, 'activeTab');
    const fromTabs = tabs.flatMap((tab) => {
      const id = tab.getAttribute('aria-controls');
      const panel = id ? (doc.getElementById(id) ?? queryDeep(doc, `[id="${id.replace(/["\\]/g, '\\$&')}"]`)[0]) : undefined;
      return panel ? [{ panel, tab }] : [];
    });
    const candidates = fromTabs.length > 0 ? fromTabs : findAll(doc, 'activePanel').map((panel) => ({ panel, tab: undefined }));
    // A sub-tab's panel sits inside its primary tab's panel: only the outermost ones compete.
    const outermost = [...new Map(candidates.map((c) => [c.panel, c])).values()].filter(
      (c) => !candidates.some((other) => other.panel !== c.panel && isInside(c.panel, other.panel)),
    );
    if (outermost.length > 1) return { several: outermost.length };
    const [only] = outermost;
    if (!only) return { missing: tabs.length > 0 ? 'activePanel' : 'activeTab' };
    return only.tab ? { panel: only.panel, tab: only.tab } : { panel: only.panel };
  }

  /** Within the grace period after a navigation, "not there yet" is waiting; after it, unreadable. */
  function pending(unreadable: TicketRead): TicketRead {
    const elapsed = now() - lastChange.at;
    if (elapsed >= graceMs) return unreadable;
    for (const wake of wakers) wake(graceMs - elapsed);
    return { status: 'waiting' };
  }

  function readFeed(panel: Element, contact: CaseContact): FeedEntry[] {
    const found = findAll(panel, 'feedItem');
    // A comment may match the feed item selector too: it belongs to its item.
    const itemSet = new Set(found);
    const items = found.filter((item) => {
      for (let n = parentOf(item); n; n = parentOf(n)) if (itemSet.has(n)) return false;
      return true;
    });
    // Comments inside their post, or beside it (`.cuf-compactFeedBack`): then they belong to the nearest post above.
    const allComments = findAll(panel, 'feedComment');
    const commentSet = new Set(allComments);
    const commentsOf = new Map<Element, Element[]>();
    for (const comment of allComments) {
      let nested = false;
      for (let n = parentOf(comment); n && !nested; n = parentOf(n)) nested = commentSet.has(n);
      if (nested) continue;
      const owner = items.find((item) => isInside(comment, item)) ?? postAbove(comment, items);
      if (owner) commentsOf.set(owner, [...(commentsOf.get(owner) ?? []), comment]);
    }

    const emails = items.map((item) => {
      const inside = (commentsOf.get(item) ?? []).filter((c) => isInside(c, item));
      return findOwn(item, 'callLog', inside) ? null : findOwn(item, 'emailBody', inside);
    });
    const directions = emailDirections(
      items.flatMap((item, i) => (emails[i] ? [textOf(findOwn(item, 'author', commentsOf.get(item)))] : [])),
      contact,
    );

    // The feed shows newest first.
    let emailIndex = 0;
    const perItem = items.map((item, i) => {
      const comments = commentsOf.get(item) ?? [];
      const own = (key: Key) => findOwn(item, key, comments);
      const preamble = textOf(own('author'));
      const at = timeOf(own('time'));
      const call = emails[i] ? null : own('callLog');
      const email = emails[i];
      const internal = /\binternal\b/i.test(textOf(own('visibility')));
      let post: FeedEntry[];
      if (email) {
        const direction = directions[emailIndex++]!;
        // An email nobody can place is kept as context, neither as the customer's words nor as our send.
        const role: MessageRole = direction === 'unknown' ? 'note' : direction;
        post = entry(role, role === 'agent', emailText(email), senderName(preamble), at, 'email');
      } else if (call) {
        post = entry('note', false, blockText(call), preamble, at, 'call');
      } else {
        const role: MessageRole = internal ? 'note' : isContactName(preamble, contact) ? 'customer' : 'agent';
        post = entry(role, role === 'agent', blockText(own('body')), preamble, at, 'post');
      }
      // Comments on emails, call logs and internal posts are Chatter among colleagues; on a shared post, whoever wrote them.
      const replies = comments.flatMap((comment) => {
        const who = firstText(comment, 'commentAuthor');
        const role: MessageRole = email || call || internal ? 'note' : isContactName(who, contact) ? 'customer' : 'agent';
        return entry(role, role === 'agent', blockText(findFirst(comment, 'commentBody')), who, timeOf(findFirst(comment, 'commentTime')), 'comment');
      });
      return [...post, ...replies];
    });
    const entries = perItem.reverse().flat();
    if (entries.every((e) => e.message.at)) entries.sort((a, b) => Date.parse(a.message.at!) - Date.parse(b.message.at!));
    return entries.slice(-LIMITS.messages);
  }

  function readCase(doc: Document): CaseRead {
    const caseId = caseIdFromUrl(new URL(doc.URL));
    // Home, list views, other records: the content script runs on every Lightning page.
    if (!caseId) return { read: { status: 'elsewhere' } };
    const tabKey = findAll(doc, 'activeTab').map((tab) => tab.getAttribute('aria-controls') ?? tab.id);
    const changeKey = `${doc.URL}\n${tabKey.join(' ')}`;
    if (changeKey !== lastChange.key) lastChange = { key: changeKey, at: now() };

    const active = activePanel(doc);
    if ('several' in active)
      return {
        read: {
          status: 'unreadable',
          reason: `${active.several} console tabs claim to be active.`,
          selectorKey: 'activeTab',
          selectors: table.activeTab,
        },
      };
    if ('missing' in active) return { read: pending(missed(table, active.missing, 'The active console tab was not found.')) };
    const tabCase = /\/(500[a-zA-Z0-9]{12,15})\b/.exec(active.tab?.getAttribute('href') ?? '')?.[1];
    if (tabCase && !sameRecord(tabCase, caseId))
      return { read: pending({ status: 'unreadable', reason: 'The active console tab shows another record than the address bar.' }) };

    const { panel } = active;
    const name = fieldText(findFirst(panel, 'contactName')).slice(0, 200);
    const email = fieldText(findFirst(panel, 'contactEmail')).slice(0, 320);
    if (!name && !email && findAll(panel, 'emailBody').length > 0) {
      return { read: pending(missed(table, 'contactName', "The case's contact was not found, so emails from the customer cannot be told apart.")) };
    }
    const entries = readFeed(panel, { name, email });
    if (entries.length === 0) return { read: pending(missed(table, 'feedItem', 'No messages were found in the case feed.')) };
    return {
      entries,
      read: {
        status: 'ok',
        ticket: {
          host: 'salesforce',
          ticketId: caseId,
          subject: fieldText(findFirst(panel, 'subject')).slice(0, LIMITS.subjectChars) || undefined,
          requester: name || email ? { name: name || undefined, email: email || undefined } : undefined,
          messages: entries.map((e) => e.message),
          url: doc.URL,
        },
      },
    };
  }

  function composers(root: ParentNode): HTMLElement[] {
    const shown = (el: Element) => !table.hidden.some((s) => el.closest(s));
    const frames = findAll(root, 'ckeFrame').flatMap((frame) => {
      const body = shown(frame) ? (frame as HTMLIFrameElement).contentDocument?.body : undefined;
      return body ? [body] : [];
    });
    return [...findAll(root, 'quillEditor').filter(shown), ...frames, ...findAll(root, 'textarea').filter(shown)] as HTMLElement[];
  }

  function insert(doc: Document, text: string, replaceDraft: boolean): InsertResult {
    const active = activePanel(doc);
    if (!('panel' in active)) return 'no_composer';
    // The publisher shows one action at a time: the first editor on screen is the one in use.
    const [composer] = composers(active.panel);
    if (!composer) return 'no_composer';
    if (editorText(composer).trim() && !replaceDraft) return 'draft_exists';
    if (composer.localName === 'textarea') typeInto(composer as HTMLTextAreaElement, text);
    else writeEditable(composer, text);
    return 'inserted';
  }

  /**
   * The editor of the publisher whose share button `event` clicked, in the active tab. Only rich editors (email
   * and Chatter posts) send replies: a textarea belongs to Log a Call or a question, never a reply to the customer.
   */
  function clickedEditor(doc: Document, event: Event): HTMLElement | undefined {
    const path = event.composedPath();
    const button = path.find((n): n is HTMLButtonElement => isElement(n) && table.sendButton.some((s) => n.matches(s)));
    if (!button || button.disabled) return undefined;
    const active = activePanel(doc);
    if (!('panel' in active) || !path.includes(active.panel)) return undefined;
    // The publisher this button belongs to: the nearest ancestor holding an editor.
    for (let scope = parentOf(button); scope && scope !== parentOf(active.panel); scope = parentOf(scope)) {
      const [composer] = composers(scope);
      if (composer) return composer.localName === 'textarea' ? undefined : composer;
    }
    return undefined;
  }

  /** The rich editor in the active tab that a Ctrl/⌘+Enter was pressed in. */
  function keyedEditor(doc: Document, event: KeyboardEvent): HTMLElement | undefined {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.isComposing) return undefined;
    const active = activePanel(doc);
    if (!('panel' in active)) return undefined;
    const path = event.composedPath();
    return composers(active.panel).find((editor) => editor.localName !== 'textarea' && path.includes(editor));
  }

  function watch(doc: Document, signal: AbortSignal, onChange: () => void): void {
    const win = doc.defaultView!;
    // Mutations inside shadow roots do not reach the page's observer: each root in the active tab gets watched.
    const observed = new WeakSet<ShadowRoot>();
    const inShadows = new MutationObserver(throttle(() => signal.aborted || changed(), 150));
    const watchShadows = () =>
      withHostCache(() => {
        const active = activePanel(doc);
        for (const root of 'panel' in active ? shadowRootsIn(active.panel) : []) {
          if (observed.has(root)) continue;
          observed.add(root);
          inShadows.observe(root, { childList: true, subtree: true, attributes: true, characterData: true });
        }
      });
    const changed = () => {
      watchShadows();
      onChange();
    };
    // readTicket asks to be woken when a grace period ends on a page that has stopped changing.
    let timer: number | undefined;
    const wake = (ms: number) => {
      win.clearTimeout(timer);
      timer = win.setTimeout(() => signal.aborted || changed(), ms + 50);
    };
    wakers.add(wake);
    signal.addEventListener('abort', () => {
      inShadows.disconnect();
      win.clearTimeout(timer);
      wakers.delete(wake);
    });
    observePage(doc, signal, changed);
    watchShadows();
  }

  return {
    host: 'salesforce',

    matches: (url) => caseIdFromUrl(url) !== undefined,

    readTicket: (doc) => withHostCache(() => readCase(doc).read),

    watch,

    insertReply: async (doc, text, { replaceDraft }) => withHostCache(() => insert(doc, text, replaceDraft)),

    /**
     * A send is what the feed shows: a new public reply of the agent (an outbound email, a shared post or comment),
     * however it was sent — Send, Ctrl/⌘+Enter, a macro, a quick action. Clicks on a publisher's share button and
     * Ctrl/⌘+Enter in its editor are evidence read before the publisher clears the editor; they count on their own
     * only when the feed never shows the reply and the editor was emptied (sends.ts). Each send counts once.
     */
    watchSends(doc, signal, onSend) {
      const tracker = createSendTracker(onSend, signal, options.sends);
      const keyTargets = new WeakSet<Document>();
      const frames = new WeakSet<Element>();
      const listenIn = (frame: HTMLIFrameElement) => {
        const inner = frame.contentDocument;
        if (!inner || keyTargets.has(inner)) return;
        keyTargets.add(inner);
        inner.addEventListener('keydown', onKeyDown, { capture: true, signal });
      };

      const give = (editor: HTMLElement | undefined) => {
        const caseId = caseIdFromUrl(new URL(doc.URL));
        const text = editor ? editorText(editor).trim() : '';
        if (!editor || !caseId || !text) return;
        // Refused (the text is still in the editor), or posted as a note or call log rather than a reply.
        const stillDrafted = () =>
          sameText(editorText(editor), text) ||
          withHostCache(() => (readCase(doc).entries ?? []).some((e) => !e.reply && sameText(e.message.text, text)));
        tracker.evidence(caseId, text, stillDrafted);
      };
      const onClick = (event: Event) => give(withHostCache(() => clickedEditor(doc, event)));
      const onKeyDown = (event: Event) => give(withHostCache(() => keyedEditor(doc, event as KeyboardEvent)));
      // Capture phase runs before the publisher's own handlers send and clear the editor.
      doc.addEventListener('click', onClick, { capture: true, signal });
      doc.addEventListener('keydown', onKeyDown, { capture: true, signal });

      const look = () =>
        withHostCache(() => {
          const { read, entries } = readCase(doc);
          if (read.status === 'ok' && entries) {
            tracker.observe(
              read.ticket.ticketId,
              entries.filter((e) => e.reply).map((e) => ({ key: e.key, text: e.message.text })),
            );
          }
          // CKEditor 4 edits in its frame's own document: keys pressed there never reach this one.
          const active = activePanel(doc);
          for (const frame of 'panel' in active ? (findAll(active.panel, 'ckeFrame') as HTMLIFrameElement[]) : []) {
            listenIn(frame);
            // A frame's document is replaced when it (re)loads.
            if (frames.has(frame)) continue;
            frames.add(frame);
            frame.addEventListener('load', () => listenIn(frame), { signal });
          }
        });
      watch(doc, signal, look);
      look();
    },

    async readAgent(doc) {
      return agentFromElement(findFirst(doc, 'currentUser'));
    },
  };
}

function entry(role: MessageRole, reply: boolean, text: string, sender: string, at: string | undefined, kind: string): FeedEntry[] {
  return message(role, text, sender, at).map((m) => ({ message: m, reply, key: `${kind}\n${m.at ?? ''}\n${m.text}` }));
}

/** The post nearest above `comment` in document order; none across shadow roots, where order means nothing. */
function postAbove(comment: Element, items: readonly Element[]): Element | undefined {
  let best: Element | undefined;
  for (const item of items) {
    const position = item.compareDocumentPosition(comment);
    if (position & Node.DOCUMENT_POSITION_DISCONNECTED) continue;
    if (position & Node.DOCUMENT_POSITION_FOLLOWING) best = item;
  }
  return best;
}

const sameText = (a: string, b: string) => a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();

// ---- Who wrote an email ----

export interface CaseContact {
  name?: string;
  email?: string;
}

export type EmailDirection = 'customer' | 'agent' | 'unknown';

const ADDRESS = /[^\s@<>()[\],;:"']+@[^\s@<>()[\],;:"']+\.[a-z]{2,}/gi;
const SENT = /^(.*?)\s+sent an email to\s+(.+?)\s*\.?$/i;

interface Party {
  names: string[];
  addresses: string[];
}

/** Names and addresses in "Ada Lovelace", "ada@example.com", "Ada Lovelace <ada@example.com>", or a list of them. */
function partyOf(text: string): Party {
  const addresses = [...text.matchAll(ADDRESS)].map((m) => m[0].toLowerCase());
  const names = text
    .replace(ADDRESS, ' ')
    .split(/[,;]|\band\b/)
    .map((part) =>
      part
        .replace(/[<>()[\]"']/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
  return { names, addresses };
}

/** An email preamble's sender and recipients; a preamble that is not the sentence names only the sender. */
function partiesOf(preamble: string): { sender: Party; recipients?: Party } {
  const sentence = SENT.exec(preamble.replace(/\s+/g, ' ').trim());
  return sentence ? { sender: partyOf(sentence[1]!), recipients: partyOf(sentence[2]!) } : { sender: partyOf(preamble) };
}

/** The sender's name as the feed shows it (the address when there is no name). */
function senderName(preamble: string): string {
  const { sender } = partiesOf(preamble);
  return sender.names[0] ?? sender.addresses[0] ?? '';
}

const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1);
const nameKey = (name: string) =>
  name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
const isContactName = (name: string, contact: CaseContact) => !!contact.name && !!name && nameKey(name) === nameKey(contact.name);

/**
 * Whether an email in the case feed came from the customer's side or was sent by the support team, from its
 * preamble — "Ada Lovelace sent an email to support@acme.com", "Sam Ortiz <sam@acme.com> sent an email to Ada
 * Lovelace", or just the sender — and the case's contact. `ourDomains` are the support team's mail domains, where
 * known. In order:
 *  1. the sender's address: the contact's, or at the contact's domain (a colleague of theirs) → customer; at one of
 *     our domains → agent;
 *  2. the sender's name is the contact's → customer;
 *  3. sent to the contact (by address, name, or their domain) → agent;
 *  4. sent to one of our addresses → customer;
 *  5. otherwise unknown. Whether the customer's name or address appears somewhere in the sentence proves nothing:
 *     our replies name the customer as their recipient.
 * The contact's domain counts only when it is not one of ours (a case a colleague opened for themselves).
 */
export function emailDirection(preamble: string, contact: CaseContact, ourDomains: Iterable<string> = []): EmailDirection {
  const ours = [...ourDomains].map((d) => d.toLowerCase().replace(/^@/, ''));
  const isOurs = (address: string) => {
    const domain = domainOf(address);
    return ours.some((own) => domain === own || domain.endsWith(`.${own}`));
  };
  const contactEmail = contact.email?.trim().toLowerCase() || undefined;
  const contactDomain = contactEmail && !isOurs(contactEmail) ? domainOf(contactEmail) : undefined;
  const customerSide = (address: string) => address === contactEmail || (!!contactDomain && domainOf(address) === contactDomain);
  const isContact = (party: Party) => party.addresses.some((a) => a === contactEmail) || party.names.some((n) => isContactName(n, contact));

  const { sender, recipients } = partiesOf(preamble);
  if (sender.addresses.some(customerSide)) return 'customer';
  if (sender.addresses.some(isOurs)) return 'agent';
  if (isContact(sender)) return 'customer';
  if (recipients && (isContact(recipients) || recipients.addresses.some(customerSide))) return 'agent';
  if (recipients?.addresses.some(isOurs)) return 'customer';
  return 'unknown';
}

/**
 * The directions of a case's emails. The support team's domains are learned from the feed first — the addresses
 * the customer wrote to, and those our replies came from — so that a colleague's email, or one to a third party,
 * can be placed by its domain too.
 */
export function emailDirections(preambles: readonly string[], contact: CaseContact): EmailDirection[] {
  const contactDomain = contact.email ? domainOf(contact.email.trim().toLowerCase()) : undefined;
  const ours = new Set<string>();
  preambles.forEach((preamble) => {
    const { sender, recipients } = partiesOf(preamble);
    const direction = emailDirection(preamble, contact);
    const addresses = direction === 'customer' ? (recipients?.addresses ?? []) : direction === 'agent' ? sender.addresses : [];
    for (const address of addresses) if (domainOf(address) !== contactDomain) ours.add(domainOf(address));
  });
  return preambles.map((preamble) => emailDirection(preamble, contact, ours));
}

function message(role: MessageRole, text: string, sender: string, at: string | undefined): TicketMessage[] {
  // "Name <address>" in email preambles: the name is enough.
  const author = sender
    .replace(/\s*<[^<>]*>/g, '')
    .trim()
    .slice(0, 200);
  const parsed = TicketMessage.safeParse({ role, text: text.slice(0, LIMITS.messageChars), author: author || undefined, at });
  return parsed.success ? [parsed.data] : [];
}

// ---- Reading through shadow roots ----

const isElement = (node: unknown): node is Element => (node as Node | null)?.nodeType === 1;

/**
 * Open shadow roots' hosts under `root` (light tree only). Finding them walks every element, so within one
 * operation (`withHostCache`) each root is walked once, and a root inside an already walked one filters its list.
 */
let hostCache: Map<ParentNode, Element[]> | undefined;

function hostsIn(root: ParentNode): Element[] {
  let hosts = hostCache?.get(root);
  if (hosts) return hosts;
  for (let outer = (root as Node).parentNode; outer && hostCache && !hosts; outer = outer.parentNode) {
    hosts = hostCache.get(outer)?.filter((host) => (root as Node).contains(host));
  }
  if (!hosts) {
    hosts = [];
    const walker = ((root as Node).ownerDocument ?? (root as Document)).createTreeWalker(root as Node, 1 /* SHOW_ELEMENT */);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) if ((node as Element).shadowRoot) hosts.push(node as Element);
  }
  hostCache?.set(root, hosts);
  return hosts;
}

function withHostCache<T>(operation: () => T): T {
  if (hostCache) return operation();
  hostCache = new Map();
  try {
    return operation();
  } finally {
    hostCache = undefined;
  }
}

function shadowRootsIn(root: ParentNode): ShadowRoot[] {
  return hostsIn(root).flatMap((host) => {
    const shadow = host.shadowRoot!;
    return [shadow, ...shadowRootsIn(shadow)];
  });
}

/** Matches of `selector` under `root` and in the shadow roots within, in tree order (shadow content at its host). */
function queryDeep(root: ParentNode, selector: string): Element[] {
  const light = [...root.querySelectorAll(selector)];
  const hosts = hostsIn(root);
  if (hosts.length === 0) return light;
  const anchored = light.map((el) => [el, el] as const);
  const inShadows = hosts.flatMap((host) => queryDeep(host.shadowRoot!, selector).map((el) => [host, el] as const));
  return [...anchored, ...inShadows]
    .sort(([a], [b]) => (a === b ? 0 : a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
    .map(([, el]) => el);
}

/**
 * All matches of the first alternative that matches anything. On the whole page the light tree is tried first:
 * walking every element of the page for shadow roots is the slow path, taken only when nothing matched.
 */
function firstMatching(root: ParentNode, alternatives: readonly string[]): Element[] {
  if ((root as Node).nodeType === 9) {
    for (const selector of alternatives) {
      const found = root.querySelectorAll(selector);
      if (found.length > 0) return [...found];
    }
  }
  for (const selector of alternatives) {
    const found = queryDeep(root, selector);
    if (found.length > 0) return found;
  }
  return [];
}

const parentOf = (el: Element): Element | null => el.parentElement ?? (el.parentNode as Partial<ShadowRoot> | null)?.host ?? null;

/** Whether `el` is `ancestor` or inside it, crossing shadow boundaries. */
function isInside(el: Element, ancestor: Element): boolean {
  for (let n: Element | null = el; n; n = parentOf(n)) if (n === ancestor) return true;
  return false;
}

// ---- Text ----

const textOf = (el: Element | null) => blockText(el).replace(/\s+/g, ' ');

/** A field's value; a whole layout item (the last-resort alternative) also holds its label. */
function fieldText(el: Element | null): string {
  const text = textOf(el);
  const label = el?.getAttribute('field-label');
  return label && text.startsWith(label) ? text.slice(label.length).trim() : text;
}

/** Text of emails' HTML already parsed: every read parses the whole feed otherwise. */
const parsedEmails = new Map<string, string>();

/** The new part of an email: quoted history and Salesforce's thread reference dropped. */
function emailText(el: Element): string {
  const html = el.getAttribute('value');
  let text = html === null ? blockText(el) : parsedEmails.get(html);
  if (text === undefined) {
    const DomParser = el.ownerDocument.defaultView?.DOMParser ?? DOMParser;
    // DOMParser documents are inert: nothing in the email runs or loads.
    text = blockText(new DomParser().parseFromString(html!, 'text/html').body);
    if (parsedEmails.size >= 500) parsedEmails.clear();
    parsedEmails.set(html!, text);
  }
  const quoted = /^(-{3,} *Original Message *-{3,}|On .{4,200} wrote:)$/im.exec(text);
  return (quoted ? text.slice(0, quoted.index) : text).replace(/\bref:_?[\w.:]+:ref\b/g, '').trim();
}

function timeOf(el: Element | null): string | undefined {
  if (!el) return undefined;
  const raw = el.getAttribute('datetime') ?? el.getAttribute('title') ?? textOf(el);
  const ms = Date.parse(raw.replace(/\s+at\s+/i, ' '));
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** What the agent wrote in a publisher editor. */
function editorText(el: HTMLElement): string {
  return el.localName === 'textarea' ? (el as HTMLTextAreaElement).value : blockText(el);
}

// ---- Writing ----

/**
 * Replaces a contenteditable's content (Quill's root, CKEditor 4's iframe body) with `text`. `insertText` goes
 * through the browser's editing pipeline, which both editors observe and record in their own models; where the
 * command is missing or refused, paragraphs are written as text nodes. Never HTML: the reply is untrusted text.
 */
function writeEditable(editable: HTMLElement, text: string): void {
  const doc = editable.ownerDocument;
  const win = doc.defaultView!;
  // CKEditor 4's body lives in an iframe: the frame takes focus first.
  if (win.frameElement) win.focus();
  editable.focus();
  const range = doc.createRange();
  range.selectNodeContents(editable);
  const selection = win.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
  const done = typeof doc.execCommand === 'function' && doc.execCommand('insertText', false, text);
  if (!done) {
    editable.replaceChildren(
      ...text.split('\n').map((line) => {
        const p = doc.createElement('p');
        if (line) p.textContent = line;
        else p.append(doc.createElement('br'));
        return p;
      }),
    );
  }
  editable.dispatchEvent(new win.InputEvent('input', { bubbles: true, inputType: 'insertText', data: text }));
}
