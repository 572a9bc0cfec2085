/**
 * Adapter for Case records in the Salesforce Lightning Service Console
 * (`https://<org>.lightning.force.com/lightning/r/Case/<id>/view`). The console keeps every open tab mounted and
 * only moves background tabs off-screen, so every read, insert and send is scoped to the active tab's panel;
 * parts of the page may render in open shadow roots, which every query walks.
 */
import { LIMITS, type MessageRole, type SelectorOverrides, TicketMessage } from '../../shared/index.ts';
import { agentFromElement, observePage, throttle, typeInto } from './dom.ts';
import { missed, type SelectorTable, withOverrides } from './selectors.ts';
import type { HostAdapter, InsertResult, TicketRead } from './types.ts';

// All of the console's selectors; keys are what admins override. Sources: ../shared/research/hosts.md and the
// public code it names. Alternatives marked "fixture" were not seen in public code (they are how
// tests/fixtures/salesforce renders the page): confirm them on a live org before relying on them.
export const SALESFORCE_SELECTORS = {
  // The active primary tab's header; `aria-controls` names its panel (UNiXMIT/UNiXSF SFExt.js).
  activeTab: ['a.tabHeader[aria-selected="true"]'],
  // The active panel itself, for when no header leads to one (same source).
  activePanel: ['div.split-right > .tabContent.active.oneConsoleTab', '.tabContent.active.oneConsoleTab'],
  subject: [
    // Record details, LWC record layout (hosts.md).
    '[field-label="Subject"] [name="outputField"]',
    // Highlights panel, which stays mounted when the Details sub-tab is not (fixture).
    'records-highlights-details-item:has(> p[title="Subject"]) lightning-formatted-text',
    // Layout item without the named slot (hosts.md); its label is stripped.
    'records-record-layout-item[field-label="Subject"]',
  ],
  // Contact lookup (hosts.md's field pattern), the highlights panel (fixture), Web-to-Case's supplied name.
  contactName: [
    '[field-label="Contact Name"] [name="outputField"]',
    'records-highlights-details-item:has(> p[title="Contact Name"]) a',
    '[field-label="Web Name"] [name="outputField"]',
  ],
  contactEmail: ['[field-label="Contact Email"] [name="outputField"]', '[field-label="Web Email"] [name="outputField"]'],
  // Feed items (hosts.md); public scrapers match either class.
  feedItem: ['article.cuf-feedItem, article.cuf-feedElement'],
  feedComment: ['.cuf-commentItem, .forceChatterComment'],
  // The email's HTML in an attribute (the visible body is an iframe srcdoc), else the body element (hosts.md).
  emailBody: ['emailui-rich-text-output[value]', '.emailMessageBody'],
  // Chatter post and comment text; comments' bodies carry the same classes (SOTI analyser).
  body: ['.cuf-feedBodyText, .forceChatterFeedBodyText, .feedBodyInner'],
  // Sender of a feed item (hosts.md); of a comment (fixture).
  author: ['.preamble_left', '.cuf-commentAuthor'],
  // Internal-only items say "Internal" in the custom preamble (the SOTI analyser reads it so).
  visibility: ['.preamble_custom-preamble'],
  // Time of an item or comment: an absolute `datetime`, else the timestamp link's title (fixture).
  time: ['.preamble_right time[datetime]', '.preamble_right a[title]', 'a.cuf-timeStamp[title]'],
  // Publisher editors (hosts.md): Quill in Chatter and current email publishers, a CKEditor 4 iframe in older
  // email publishers; a textarea in question and Log a Call publishers (public Selenium scripts).
  quillEditor: ['.ql-editor.slds-rich-text-area__content', '.forceChatterMessageBodyInputRichTextEditor .ql-editor'],
  ckeFrame: ['iframe.cke_wysiwyg_frame'],
  textarea: ['textarea[role="textbox"]', 'textarea.textarea'],
  // Publisher actions not on screen stay mounted, hidden (SLDS utility class, fixture).
  hidden: ['.slds-hide, [hidden]'],
  // Share / Send / Save of publisher actions (public Selenium and Playwright scripts); a Send button without
  // the publisher class.
  sendButton: ['button.cuf-publisherShareButton', 'button.slds-button[title="Send"]'],
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
}

/** The Case id in a console record URL: 15 or 18 characters, key prefix 500. */
export function caseIdFromUrl(url: URL): string | undefined {
  if (url.protocol !== 'https:' || !/^[a-z0-9-]+(\.[a-z0-9-]+)*\.lightning\.force\.com$/i.test(url.hostname)) return undefined;
  return /^\/lightning\/r\/Case\/(500[a-zA-Z0-9]{12}(?:[A-Z0-5]{3})?)\/view\/?$/.exec(url.pathname)?.[1];
}

/** 15- and 18-character forms of one id name the same record. */
const sameRecord = (a: string, b: string) => a.slice(0, 15) === b.slice(0, 15);

export function createSalesforceAdapter(overrides?: SelectorOverrides, options: SalesforceOptions = {}): HostAdapter {
  const { table } = withOverrides<Key>(SALESFORCE_SELECTORS, overrides);
  const now = options.now ?? Date.now;
  const graceMs = options.graceMs ?? 3000;
  const findAll = (root: ParentNode, key: Key) => firstMatching(root, table[key]);
  const findFirst = (root: ParentNode, key: Key): Element | null => findAll(root, key)[0] ?? null;
  /** The first match of `key` in `root` that is not inside one of `skip` (an item's own sender, not a comment's). */
  const findOwn = (root: ParentNode, key: Key, skip: Element[]) => {
    for (const selector of table[key]) {
      const found = queryDeep(root, selector).find((el) => !skip.some((s) => isInside(el, s)));
      if (found) return found;
    }
    return null;
  };

  let lastChange = { key: '', at: 0 };
  let wake: ((ms: number) => void) | undefined;

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
    wake?.(graceMs - elapsed);
    return { status: 'waiting' };
  }

  function readMessages(panel: Element, isRequester: (who: string) => boolean): TicketMessage[] {
    const items = findAll(panel, 'feedItem');
    // A comment may match the feed item selector too: it belongs to its item.
    const itemSet = new Set(items);
    const topLevel = items.filter((item) => {
      for (let n = parentOf(item); n; n = parentOf(n)) if (itemSet.has(n)) return false;
      return true;
    });
    // The feed shows newest first.
    const messages = topLevel.reverse().flatMap((item) => {
      const comments = findAll(item, 'feedComment');
      const email = findOwn(item, 'emailBody', comments);
      const author = textOf(findOwn(item, 'author', comments));
      const internal = /\binternal\b/i.test(textOf(findOwn(item, 'visibility', comments)));
      const role: MessageRole = email ? (isRequester(author) ? 'customer' : 'agent') : internal ? 'note' : 'agent';
      const text = email ? emailText(email) : blockText(findOwn(item, 'body', comments));
      const post = message(role, text, author, timeOf(findOwn(item, 'time', comments)));
      // Comments on emails and internal posts are Chatter, internal; on a shared post, whoever wrote them.
      const replies = comments.flatMap((comment) => {
        const who = textOf(findFirst(comment, 'author'));
        const commentRole: MessageRole = email || internal ? 'note' : isRequester(who) ? 'customer' : 'agent';
        return message(commentRole, blockText(findFirst(comment, 'body')), who, timeOf(findFirst(comment, 'time')));
      });
      return [...post, ...replies];
    });
    if (messages.every((m) => m.at)) messages.sort((a, b) => Date.parse(a.at!) - Date.parse(b.at!));
    return messages.slice(-LIMITS.messages);
  }

  function readTicket(doc: Document): TicketRead {
    const caseId = caseIdFromUrl(new URL(doc.URL));
    // Home, list views, other records: the content script runs on every Lightning page.
    if (!caseId) return { status: 'elsewhere' };
    const tabKey = findAll(doc, 'activeTab').map((tab) => tab.getAttribute('aria-controls') ?? tab.id);
    const changeKey = `${doc.URL}\n${tabKey.join(' ')}`;
    if (changeKey !== lastChange.key) lastChange = { key: changeKey, at: now() };

    const active = activePanel(doc);
    if ('several' in active) return { status: 'unreadable', reason: `${active.several} console tabs claim to be active.`, selectorKey: 'activeTab', selectors: table.activeTab };
    if ('missing' in active) return pending(missed(table, active.missing, 'The active console tab was not found.'));
    const tabCase = /\/(500[a-zA-Z0-9]{12,15})\b/.exec(active.tab?.getAttribute('href') ?? '')?.[1];
    if (tabCase && !sameRecord(tabCase, caseId)) return pending({ status: 'unreadable', reason: 'The active console tab shows another record than the address bar.' });

    const { panel } = active;
    const name = fieldText(findFirst(panel, 'contactName')).slice(0, 200);
    const email = fieldText(findFirst(panel, 'contactEmail')).slice(0, 320);
    if (!name && !email && findAll(panel, 'emailBody').length > 0) {
      return pending(missed(table, 'contactName', "The case's contact was not found, so emails from the customer cannot be told apart."));
    }
    const isRequester = (who: string) => {
      const sender = who.toLowerCase();
      return (!!email && sender.includes(email.toLowerCase())) || (!!name && sender.includes(name.toLowerCase()));
    };
    const messages = readMessages(panel, isRequester);
    if (messages.length === 0) return pending(missed(table, 'feedItem', 'No messages were found in the case feed.'));
    return {
      status: 'ok',
      ticket: {
        host: 'salesforce',
        ticketId: caseId,
        subject: fieldText(findFirst(panel, 'subject')).slice(0, LIMITS.subjectChars) || undefined,
        requester: name || email ? { name: name || undefined, email: email || undefined } : undefined,
        messages,
        url: doc.URL,
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

  /** The text in the editor of the publisher whose send button `event` clicked, in the active tab. */
  function sentText(doc: Document, event: Event): string | undefined {
    const path = event.composedPath();
    const button = path.find((n): n is HTMLButtonElement => isElement(n) && table.sendButton.some((s) => n.matches(s)));
    if (!button || button.disabled) return undefined;
    const active = activePanel(doc);
    if (!('panel' in active) || !path.includes(active.panel)) return undefined;
    // The publisher this button belongs to: the nearest ancestor holding an editor.
    for (let scope = parentOf(button); scope && scope !== parentOf(active.panel); scope = parentOf(scope)) {
      const [composer] = composers(scope);
      if (composer) return editorText(composer);
    }
    return undefined;
  }

  return {
    host: 'salesforce',

    matches: (url) => caseIdFromUrl(url) !== undefined,

    readTicket: (doc) => withHostCache(() => readTicket(doc)),

    watch(doc, signal, onChange) {
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
      wake = (ms) => {
        win.clearTimeout(timer);
        timer = win.setTimeout(() => signal.aborted || changed(), ms + 50);
      };
      signal.addEventListener('abort', () => {
        inShadows.disconnect();
        win.clearTimeout(timer);
        wake = undefined;
      });
      observePage(doc, signal, changed);
      watchShadows();
    },

    insertReply: async (doc, text, { replaceDraft }) => withHostCache(() => insert(doc, text, replaceDraft)),

    watchSends(doc, signal, onSend) {
      // Capture phase on the document runs before the publisher's own click handler sends and clears the editor.
      const onClick = (event: Event) => {
        const text = withHostCache(() => sentText(doc, event));
        if (text?.trim()) onSend(text);
      };
      doc.addEventListener('click', onClick, { capture: true, signal });
    },

    async readAgent(doc) {
      return agentFromElement(findFirst(doc, 'currentUser'));
    },
  };
}

function message(role: MessageRole, text: string, sender: string, at: string | undefined): TicketMessage[] {
  // "Name <address>" in email preambles: the name is enough.
  const author = sender.replace(/\s*<[^<>]*>/g, '').trim().slice(0, 200);
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

const BLOCKS = new Set(['p', 'div', 'li', 'ul', 'ol', 'tr', 'table', 'blockquote', 'pre', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header', 'footer']);

/** Text as laid out: blocks and `<br>` break lines, other whitespace collapses; shadow roots and same-origin frames included. */
function blockText(root: Node | null): string {
  if (!root) return '';
  const parts: string[] = [];
  const visit = (node: Node): void => {
    if (node.nodeType === 3) parts.push((node.nodeValue ?? '').replace(/\s+/g, ' '));
    if (!isElement(node) && node.nodeType !== 11) return;
    const name = isElement(node) ? node.localName : '';
    if (name === 'script' || name === 'style' || name === 'template') return;
    if (name === 'br') {
      parts.push('\n');
      return;
    }
    if (name === 'iframe') {
      const body = (node as HTMLIFrameElement).contentDocument?.body;
      if (body) visit(body);
      return;
    }
    const block = BLOCKS.has(name);
    if (block) parts.push('\n');
    const shadow = isElement(node) ? node.shadowRoot : null;
    if (shadow) visit(shadow);
    node.childNodes.forEach(visit);
    if (block) parts.push('\n');
  };
  visit(root);
  return parts.join('').replace(/ *\n */g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

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
