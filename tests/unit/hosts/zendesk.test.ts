// @vitest-environment happy-dom
/**
 * The Zendesk adapter on the saved Agent Workspace page (tests/fixtures/zendesk/agent.html, read without its script:
 * the composers here are plain contenteditables, a small stand-in plays CKEditor's paste handling).
 */
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { blockText } from '../../../extension/hosts/dom.ts';
import { createZendeskAdapter, paragraphsHtml, zendeskTicketId } from '../../../extension/hosts/zendesk.ts';
import type { TicketRead } from '../../../extension/hosts/types.ts';

const FIXTURE = readFileSync('tests/fixtures/zendesk/agent.html', 'utf8');
const ACTIVE = '48213';
const BACKGROUND = '48207';

function goTo(path: string, origin = 'https://acme.zendesk.com') {
  (window as unknown as { happyDOM: { setURL(url: string): void } }).happyDOM.setURL(origin + path);
}

function layout(id: string): HTMLElement {
  return document.querySelector(`[data-test-id="ticket-${id}-standard-layout"]`)!;
}

/** What Zendesk does on a tab switch: new URL, then the other layout and its header tab become the active ones. */
function switchTo(id: string) {
  goTo(`/agent/tickets/${id}`);
  for (const el of document.querySelectorAll<HTMLElement>('[data-test-id$="-standard-layout"]')) el.dataset.isActive = String(el === layout(id));
  for (const tab of document.querySelectorAll<HTMLElement>('[data-test-id="header-tab"]'))
    tab.dataset.entityIsSelected = String(tab.dataset.entityId === id);
}

function ok(read: TicketRead) {
  if (read.status !== 'ok') throw new Error(`expected a ticket, got ${JSON.stringify(read)}`);
  return read.ticket;
}

/** A clock the test moves by hand. */
function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

beforeEach(() => {
  // The body only: the head's stylesheet and script are for the browser.
  document.body.innerHTML = /<body>([\s\S]*)<\/body>/.exec(FIXTURE)![1]!;
  goTo(`/agent/tickets/${ACTIVE}`);
});

describe('matches', () => {
  const adapter = createZendeskAdapter();
  it.each([
    'https://acme.zendesk.com/agent/tickets/48213',
    'https://acme.zendesk.com/agent/tickets/1',
    'https://my-company.zendesk.com/agent/tickets/48213/events',
    'https://ACME.zendesk.com/agent/tickets/48213?utm=x#comment-1',
  ])('serves %s', (url) => expect(adapter.matches(new URL(url))).toBe(true));

  it.each([
    'https://acme.zendesk.com/agent/dashboard',
    'https://acme.zendesk.com/agent/tickets/',
    'https://acme.zendesk.com/agent/tickets/new/1',
    'https://acme.zendesk.com/agent/filters/360001',
    'https://acme.zendesk.com/agent/users/77120/requested_tickets',
    'https://acme.zendesk.com/hc/en-us/requests/48213',
    'http://acme.zendesk.com/agent/tickets/48213',
    'https://zendesk.com/agent/tickets/48213',
    'https://acme.zendesk.com.evil.example/agent/tickets/48213',
    'https://evil-zendesk.com/agent/tickets/48213',
    'https://acme.zendesk.co/agent/tickets/48213',
    // The other hosts' pages.
    'http://127.0.0.1:8787/demo/tickets/1001',
    'http://localhost:8787/demo/tickets/1003',
    'https://acme.lightning.force.com/lightning/r/Case/5003000000D8cuIAAR/view',
  ])('does not serve %s', (url) => expect(adapter.matches(new URL(url))).toBe(false));

  it('takes the ticket id from the path', () => {
    expect(zendeskTicketId(new URL('https://acme.zendesk.com/agent/tickets/48213/events'))).toBe('48213');
  });
});

describe('readTicket', () => {
  it('reads the active ticket only, oldest message first, internal notes as notes', () => {
    const ticket = ok(createZendeskAdapter().readTicket(document));
    expect(ticket).toMatchObject({
      host: 'zendesk',
      ticketId: ACTIVE,
      subject: 'Lamp arrived with a cracked base - refund please',
      requester: { name: 'Eleanor Pryce' },
      url: 'https://acme.zendesk.com/agent/tickets/48213',
    });
    expect(ticket.messages.map((m) => [m.role, m.author, m.at])).toEqual([
      ['agent', 'Sam Achebe', '2026-11-19T08:02:00.000Z'],
      ['customer', 'Eleanor Pryce', '2026-11-20T09:14:00.000Z'],
      ['note', 'Dev Okafor', '2026-11-20T09:31:00.000Z'],
    ]);
    // Paragraphs survive; HTML's layout whitespace does not.
    expect(ticket.messages[1]!.text).toMatch(
      /^Hi, the lamp \(order JV-20481736\) was delivered yesterday .* one corner too\.\n\nI'd rather have my money back/,
    );
    // The background ticket is mounted but never read.
    expect(JSON.stringify(ticket)).not.toMatch(/Wi-Fi|Tomasz|Answer Bot/);
  });

  it('follows a switch of tabs; a bot counts as an agent', () => {
    const adapter = createZendeskAdapter();
    ok(adapter.readTicket(document));
    switchTo(BACKGROUND);
    const ticket = ok(adapter.readTicket(document));
    expect(ticket.ticketId).toBe(BACKGROUND);
    expect(ticket.subject).toBe("Halo smart lamp won't connect to Wi-Fi");
    expect(ticket.messages.map((m) => [m.role, m.author])).toEqual([
      ['customer', 'Tomasz Wójcik'],
      ['agent', 'Answer Bot'],
    ]);
    expect(JSON.stringify(ticket)).not.toMatch(/Eleanor|lamp \(order/);
  });

  it('waits while the URL names a ticket whose layout is not active yet, never showing the old one', () => {
    const adapter = createZendeskAdapter();
    goTo(`/agent/tickets/${BACKGROUND}`);
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
  });

  it('puts older messages loaded by "Show more" first, and sorts a newest-first log', () => {
    const feed = layout(ACTIVE).querySelector('section[role="feed"]')!;
    const older = feed.querySelector('article')!.cloneNode(true) as HTMLElement;
    older.querySelector('time')!.setAttribute('datetime', '2026-11-17T16:40:00.000Z');
    older.querySelector('.zd-comment')!.textContent = 'It is due on 19 November.';
    feed.querySelector('[data-test-id="convolog-show-more-button"]')!.replaceWith(older);
    // Newest first, as an agent may choose to see it.
    for (const article of [...feed.querySelectorAll('article')].reverse()) feed.append(article);
    const texts = ok(createZendeskAdapter().readTicket(document)).messages.map((m) => m.text);
    expect(texts[0]).toBe('It is due on 19 November.');
    expect(texts[3]).toMatch(/^Delivered 19 Nov/);
  });

  it('is unreadable when two layouts claim to be active, never guessing', () => {
    const time = clock();
    const adapter = createZendeskAdapter(undefined, time);
    layout(BACKGROUND).dataset.isActive = 'true';
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time.advance(3000);
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable', reason: 'Two tickets claim to be active.', selectorKey: 'layout' });
  });

  it('is unreadable when the same ticket is active twice', () => {
    const time = clock();
    const adapter = createZendeskAdapter(undefined, { ...time, graceMs: 0 });
    layout(ACTIVE).after(layout(ACTIVE).cloneNode(true));
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable', reason: 'Two tickets claim to be active.' });
  });

  it('waits briefly for a missing layout, then names the selector key that failed; a new URL waits again', () => {
    const time = clock();
    const adapter = createZendeskAdapter(undefined, time);
    layout(ACTIVE).remove();
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time.advance(2999);
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time.advance(1);
    expect(adapter.readTicket(document)).toEqual({
      status: 'unreadable',
      reason: "The active ticket's layout was not found.",
      selectorKey: 'layout',
      selectors: [
        '[data-test-id="ticket-48213-standard-layout"][data-is-active="true"]',
        '.ticket-panes-grid-layout[data-is-active="true"] [data-test-id="ticket-48213-custom-layout"]',
        'div[data-side-conversations-anchor-id="48213"]',
        '.conversation-polaris[data-ticket-id="48213"]',
      ],
    });
    goTo('/agent/tickets/48999');
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
  });

  it('names the bubble key when no message says who wrote it', () => {
    for (const bubble of document.querySelectorAll('[data-test-id="omni-log-item-message"]')) bubble.removeAttribute('type');
    const adapter = createZendeskAdapter(undefined, { graceMs: 0 });
    // The internal note is still known by its tag, so the ticket reads; without it, nothing is left.
    expect(ok(adapter.readTicket(document)).messages.map((m) => m.role)).toEqual(['note']);
    document.querySelector('[data-test-id="omni-log-internal-note-tag"]')!.remove();
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable', selectorKey: 'messageBubble' });
  });

  it('says at once that a page which is not a ticket is elsewhere, not broken', () => {
    goTo('/agent/dashboard');
    expect(createZendeskAdapter().readTicket(document)).toEqual({ status: 'elsewhere' });
  });

  it("still finds the ticket's conversation root when a release renames the layout", () => {
    layout(ACTIVE).dataset.testId = 'ticket-48213-split-layout';
    expect(ok(createZendeskAdapter().readTicket(document)).ticketId).toBe(ACTIVE);
    document.querySelector('[data-side-conversations-anchor-id="48213"]')!.removeAttribute('data-side-conversations-anchor-id');
    expect(ok(createZendeskAdapter().readTicket(document)).messages).toHaveLength(3);
  });

  it('waits while the selected header tab names another ticket than the address bar', () => {
    const time = clock();
    const adapter = createZendeskAdapter(undefined, time);
    for (const tab of document.querySelectorAll<HTMLElement>('[data-test-id="header-tab"]'))
      tab.dataset.entityIsSelected = String(tab.dataset.entityId === BACKGROUND);
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time.advance(3000);
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable', selectorKey: 'selectedTab' });
  });

  it('is repaired by an admin override of the key that broke', () => {
    for (const el of document.querySelectorAll<HTMLElement>('[data-test-id$="-standard-layout"]'))
      el.dataset.testId = el.dataset.testId!.replace(/^ticket-(\d+)-standard-layout$/, 'workspace-ticket-$1');
    for (const el of document.querySelectorAll('[data-side-conversations-anchor-id], .conversation-polaris'))
      el.removeAttribute(el.hasAttribute('data-ticket-id') ? 'data-ticket-id' : 'data-side-conversations-anchor-id');
    const broken = createZendeskAdapter(undefined, { graceMs: 0 }).readTicket(document);
    expect(broken).toMatchObject({ status: 'unreadable', selectorKey: 'layout' });
    const fixed = createZendeskAdapter({ layout: ['[data-test-id="workspace-ticket-{id}"][data-is-active="true"]'] });
    expect(ok(fixed.readTicket(document)).messages).toHaveLength(3);
  });
});

describe('watch', () => {
  afterEach(() => vi.useRealTimers());

  it('reads again when the grace period of an unreadable page ends, even if nothing changes', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const adapter = createZendeskAdapter();
    layout(ACTIVE).remove();
    const controller = new AbortController();
    const onChange = vi.fn();
    adapter.watch(document, controller.signal, onChange);
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    await vi.advanceTimersByTimeAsync(3100);
    expect(onChange).toHaveBeenCalled();
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable', selectorKey: 'layout' });
    controller.abort();
  });

  it('notices the active layout changing', async () => {
    const adapter = createZendeskAdapter();
    const controller = new AbortController();
    const onChange = vi.fn();
    adapter.watch(document, controller.signal, onChange);
    layout(BACKGROUND).dataset.isActive = 'true';
    await vi.waitFor(() => expect(onChange).toHaveBeenCalled());
    controller.abort();
  });
});

/** CKEditor's part, played by hand: the paste's HTML becomes the editable's content (replacing a selection). */
function fakeEditor(editable: HTMLElement) {
  editable.setAttribute('contenteditable', 'true');
  const pastes: { html: string; plain: string; selected: string }[] = [];
  editable.addEventListener('paste', (event) => {
    const data = (event as ClipboardEvent).clipboardData!;
    const selected = document.getSelection()?.toString() ?? '';
    pastes.push({ html: data.getData('text/html'), plain: data.getData('text/plain'), selected });
    editable.innerHTML = (selected ? '' : editable.innerHTML) + data.getData('text/html');
  });
  return pastes;
}

function composer(id: string): HTMLElement {
  return layout(id).querySelector('[data-test-id="omnicomposer-rich-text-ckeditor"]')!;
}

describe('insertReply', () => {
  it("pastes into the active ticket's composer, escaped into paragraphs", async () => {
    const pastes = fakeEditor(composer(ACTIVE));
    const background = fakeEditor(composer(BACKGROUND));
    const text = 'Sorry about the <b>cracked</b> base & "the box".\nWe refund within 5 days.\n\nBest, Sam';
    expect(await createZendeskAdapter().insertReply(document, text, { replaceDraft: false })).toBe('inserted');
    expect(pastes).toEqual([
      {
        plain: text,
        html: '<p>Sorry about the &lt;b&gt;cracked&lt;/b&gt; base &amp; &quot;the box&quot;.<br>We refund within 5 days.</p><p>Best, Sam</p>',
        selected: '',
      },
    ]);
    expect(composer(ACTIVE).querySelector('b')).toBeNull();
    expect(background).toEqual([]);
  });

  it('leaves a draft alone unless asked to replace it, then replaces all of it', async () => {
    const pastes = fakeEditor(composer(ACTIVE));
    composer(ACTIVE).innerHTML = '<p>My own draft</p><p>second line</p>';
    const adapter = createZendeskAdapter();
    expect(await adapter.insertReply(document, 'Reply A', { replaceDraft: false })).toBe('draft_exists');
    expect(pastes).toEqual([]);
    expect(await adapter.insertReply(document, 'Reply A', { replaceDraft: true })).toBe('inserted');
    expect(pastes[0]!.selected).toMatch(/My own draft.*second line/s);
    expect(blockText(composer(ACTIVE))).toBe('Reply A');
  });

  it('finds no composer before the editor has started, or when the ticket is unreadable', async () => {
    const adapter = createZendeskAdapter();
    // As saved before CKEditor made it editable.
    for (const el of document.querySelectorAll('[contenteditable]')) el.removeAttribute('contenteditable');
    expect(await adapter.insertReply(document, 'Reply A', { replaceDraft: false })).toBe('no_composer');
    fakeEditor(composer(ACTIVE));
    layout(BACKGROUND).dataset.isActive = 'true';
    expect(await adapter.insertReply(document, 'Reply A', { replaceDraft: false })).toBe('no_composer');
  });

  it('escapes every markup character', () => {
    expect(paragraphsHtml(`<img src=x onerror="alert('x')">`)).toBe('<p>&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;</p>');
  });
});

describe('watchSends', () => {
  afterEach(() => vi.useRealTimers());

  /** Zendesk's part, played by hand: a submit posts the composer's text as a new comment and clears it. */
  function setUp() {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const time = clock();
    const adapter = createZendeskAdapter(undefined, time);
    const controller = new AbortController();
    const sent: string[] = [];
    adapter.watchSends(document, controller.signal, (text) => sent.push(text));
    for (const id of [ACTIVE, BACKGROUND]) composer(id).setAttribute('contenteditable', 'true');
    return { time, sent, controller };
  }
  const post = (id: string, text: string, { note = false } = {}) => {
    const feed = layout(id).querySelector('section[role="feed"]')!;
    const article = feed.querySelector('article')!.cloneNode(true) as HTMLElement;
    article.querySelector('[data-test-id="omni-log-internal-note-tag"]')?.remove();
    if (note) {
      const tag = document.createElement('div');
      tag.dataset.testId = 'omni-log-internal-note-tag';
      tag.textContent = 'Internal note';
      article.querySelector('time')!.after(tag);
    }
    article.querySelector('[data-test-id="omni-log-item-message"]')!.setAttribute('type', 'agent');
    article.querySelector('time')!.setAttribute('datetime', new Date(Date.UTC(2026, 10, 21, 9, feed.children.length)).toISOString());
    article.querySelector('.zd-comment')!.textContent = text;
    feed.append(article);
  };
  const click = (selector: string, root: ParentNode = layout(ACTIVE)) => root.querySelector<HTMLElement>(selector)!.click();
  /** Lets the page observer run. */
  const settle = () => vi.advanceTimersByTimeAsync(200);

  it('counts a new agent reply in the active ticket as the send, with the text the conversation shows, once', async () => {
    const { sent, controller } = setUp();
    composer(ACTIVE).innerHTML = '<p>Hi Eleanor, your refund is on its way.</p>';
    click('[data-test-id="submit_button-button"]');
    composer(ACTIVE).innerHTML = '<p></p>';
    post(ACTIVE, 'Hi Eleanor, your refund is on its way.');
    await settle();
    await vi.advanceTimersByTimeAsync(20_000);
    expect(sent).toEqual(['Hi Eleanor, your refund is on its way.']);
    controller.abort();
  });

  it('counts a reply sent without any button we know (a macro), and never one on a background ticket', async () => {
    const { sent, controller } = setUp();
    post(BACKGROUND, 'Posted on the ticket behind');
    post(ACTIVE, 'Refund approved.');
    await settle();
    expect(sent).toEqual(['Refund approved.']);
    controller.abort();
  });

  it('counts "Submit as Solved" from the split menu when the tab closes before the reply shows', async () => {
    const { sent, time, controller } = setUp();
    composer(ACTIVE).innerHTML = '<p>Solved: the refund is on its way.</p>';
    click('[data-test-id="submit_button-menu-button"]');
    click('[role="menuitem"][data-status="solved"]', document);
    layout(ACTIVE).remove();
    time.advance(8000);
    await vi.advanceTimersByTimeAsync(8000);
    expect(sent).toEqual(['Solved: the refund is on its way.']);
    controller.abort();
  });

  it('does not count a submit the help desk refused, an internal note, a bot, or an empty composer', async () => {
    const { sent, time, controller } = setUp();
    composer(ACTIVE).innerHTML = '<p>Still here</p>';
    click('[data-test-id="submit_button-button"]');
    time.advance(8000);
    await vi.advanceTimersByTimeAsync(8000);
    composer(ACTIVE).innerHTML = '<p>Note to Dev</p>';
    click('[data-test-id="submit_button-button"]');
    composer(ACTIVE).innerHTML = '<p></p>';
    post(ACTIVE, 'Note to Dev', { note: true });
    await settle();
    click('[data-test-id="submit_button-button"]');
    time.advance(8000);
    await vi.advanceTimersByTimeAsync(8000);
    expect(sent).toEqual([]);
    controller.abort();
  });

  it('counts nothing after abort', async () => {
    const { sent, controller } = setUp();
    controller.abort();
    post(ACTIVE, 'After abort');
    await settle();
    expect(sent).toEqual([]);
  });
});

describe('custom ticket layouts and the messaging composer (custom-layout.html)', () => {
  const CUSTOM = readFileSync('tests/fixtures/zendesk/custom-layout.html', 'utf8');
  beforeEach(() => {
    document.body.innerHTML = /<body>([\s\S]*)<\/body>/.exec(CUSTOM)![1]!;
    goTo('/agent/tickets/50120');
  });
  afterEach(() => vi.useRealTimers());

  it("reads the active custom layout's ticket, the older subject field, and not the one behind it", () => {
    const ticket = ok(createZendeskAdapter().readTicket(document));
    expect(ticket).toMatchObject({ ticketId: '50120', subject: 'Conversation with Noor Haddad', requester: { name: 'Noor Haddad' } });
    expect(ticket.messages.map((m) => m.role)).toEqual(['customer', 'agent']);
    expect(JSON.stringify(ticket)).not.toMatch(/Ines|shipping fee/);
  });

  it('is unreadable when two pane grids claim to be active', () => {
    for (const grid of document.querySelectorAll<HTMLElement>('.ticket-panes-grid-layout')) grid.dataset.isActive = 'true';
    expect(createZendeskAdapter(undefined, { graceMs: 0 }).readTicket(document)).toMatchObject({
      status: 'unreadable',
      reason: 'Two tickets claim to be active.',
    });
  });

  it('takes Enter in the messaging composer as evidence, and Save', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const time = clock();
    const sent: string[] = [];
    const controller = new AbortController();
    createZendeskAdapter(undefined, time).watchSends(document, controller.signal, (text) => sent.push(text));
    const chat = document.querySelector<HTMLElement>('[data-test-id="omnicomposer-plain-text-ckeditor"]')!;
    chat.setAttribute('contenteditable', 'true');
    chat.innerHTML = '<p>Hold the button for 10 seconds until it blinks white.</p>';
    chat.querySelector('p')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    // Shift+Enter is a new line, not a send.
    chat.querySelector('p')!.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', shiftKey: true, bubbles: true }));
    chat.innerHTML = '<p></p>';
    time.advance(8000);
    await vi.advanceTimersByTimeAsync(8000);
    expect(sent).toEqual(['Hold the button for 10 seconds until it blinks white.']);
    chat.innerHTML = '<p>Anything else?</p>';
    document.querySelector<HTMLElement>('[data-test-id="omni-save-button"]')!.click();
    chat.remove();
    time.advance(8000);
    await vi.advanceTimersByTimeAsync(8000);
    expect(sent).toEqual(['Hold the button for 10 seconds until it blinks white.', 'Anything else?']);
    controller.abort();
  });
});
