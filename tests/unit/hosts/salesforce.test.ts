// @vitest-environment happy-dom
// @vitest-environment-options { "url": "https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/view" }
/**
 * The Salesforce adapter on the saved Service Console fixtures (the same files the e2e tests serve to Chromium):
 * only the active console tab is read, roles and order come out right, failures name the selector, insertion
 * respects drafts.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createDemoAdapter } from '../../../extension/hosts/demo.ts';
import { createSalesforceAdapter, SALESFORCE_SELECTORS } from '../../../extension/hosts/salesforce.ts';
import { createZendeskAdapter } from '../../../extension/hosts/zendesk.ts';
import type { TicketRead } from '../../../extension/hosts/types.ts';

const ORDER_CASE = '500Hs00001ZkT8qIAF';
const BILLING_CASE = '500Hs00001ZkT9wIAF';
const LEGACY_CASE = '500Hs00001ZkUa3IAF';
const FIXTURES = resolve('tests/fixtures/salesforce');

const happyDOM = (window as unknown as { happyDOM: { waitUntilComplete(): Promise<void> } }).happyDOM;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Loads a fixture page at a Case URL. happy-dom does not parse declarative shadow DOM, so it is attached here. */
async function load(file: string, caseId: string) {
  const html = readFileSync(join(FIXTURES, file), 'utf8');
  history.replaceState({}, '', `/lightning/r/Case/${caseId}/view`);
  document.body.innerHTML = /<body[^>]*>([\s\S]*)<\/body>/.exec(html)![1]!.replace(/<script[\s\S]*?<\/script>/g, '');
  for (const template of document.querySelectorAll<HTMLTemplateElement>('template[shadowrootmode]')) {
    template.parentElement!.attachShadow({ mode: 'open' }).append(template.content.cloneNode(true));
    template.remove();
  }
  await happyDOM.waitUntilComplete();
}

/** What the console does on a tab click. */
function switchTo(caseId: string) {
  for (const header of document.querySelectorAll('a.tabHeader')) {
    const selected = header.getAttribute('href')!.includes(caseId);
    header.setAttribute('aria-selected', String(selected));
    document.getElementById(header.getAttribute('aria-controls')!)?.classList.toggle('active', selected);
  }
  history.pushState({}, '', `/lightning/r/Case/${caseId}/view`);
}

function ticketOf(read: TicketRead) {
  if (read.status !== 'ok') throw new Error(`expected a ticket, got ${JSON.stringify(read)}`);
  return read.ticket;
}

const frameBody = () => document.querySelector<HTMLIFrameElement>('iframe.cke_wysiwyg_frame')!.contentDocument!.body;

let time = 0;
const clock = () => time;
beforeEach(() => {
  time = 0;
});

describe('matches', () => {
  const adapter = createSalesforceAdapter();
  const cases = [
    'https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/view',
    'https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8q/view',
    'https://acme--uat.sandbox.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/view',
    'https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/view?ws=%2Flightning%2Fr%2FCase%2F500Hs00001ZkT9wIAF%2Fview',
  ];
  const others = [
    'https://acme.lightning.force.com/lightning/r/Account/001Hs00002AbCdEIAZ/view',
    'https://acme.lightning.force.com/lightning/r/Case/001Hs00002AbCdEIAZ/view',
    'https://acme.lightning.force.com/lightning/o/Case/list?filterName=Recent',
    'https://acme.lightning.force.com/lightning/o/Case/home',
    'https://acme.lightning.force.com/lightning/page/home',
    'https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/related/CaseComments/view',
    'https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/edit',
    'https://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAFX/view',
    'http://acme.lightning.force.com/lightning/r/Case/500Hs00001ZkT8qIAF/view',
    'https://acme.my.salesforce.com/lightning/r/Case/500Hs00001ZkT8qIAF/view',
    'https://acme.lightning.force.com.example.net/lightning/r/Case/500Hs00001ZkT8qIAF/view',
    'http://127.0.0.1:8787/demo/tickets/1001',
    'https://acme.zendesk.com/agent/tickets/12345',
  ];

  it.each(cases)('serves %s', (url) => expect(adapter.matches(new URL(url))).toBe(true));
  it.each(others)('leaves %s alone', (url) => expect(adapter.matches(new URL(url))).toBe(false));
  it('is not claimed by the other adapters', () => {
    for (const other of [createDemoAdapter(), createZendeskAdapter()]) {
      for (const url of cases) expect(other.matches(new URL(url)), `${other.host} on ${url}`).toBe(false);
    }
  });
});

describe('readTicket', () => {
  it('reads the active tab only: subject, contact, and the feed oldest first with roles', async () => {
    await load('console.html', ORDER_CASE);
    const ticket = ticketOf(createSalesforceAdapter(undefined, { now: clock }).readTicket(document));
    expect(ticket).toMatchObject({
      host: 'salesforce',
      ticketId: ORDER_CASE,
      subject: 'Where is my order? Tracking still says label created',
      requester: { name: 'Marcus Delaney', email: 'marcus.delaney@example.com' },
      url: document.URL,
    });
    expect(ticket.messages.map((m) => [m.role, m.author])).toEqual([
      ['agent', 'Sam Ortiz'],
      // Rendered inside an open shadow root.
      ['customer', 'Marcus Delaney'],
      ['note', 'Priya Shah'],
      ['note', 'Tom Reyes'],
    ]);
    const [reply, email] = ticket.messages;
    // Quoted history and the thread reference are not part of what was written.
    expect(reply!.text).toBe(
      'Hi Marcus, thanks for getting in touch.\n\nYour parcel was packed on 18 November. I am checking with the carrier why the tracking has not moved and will update you tomorrow.\n\nSam, Acme Support',
    );
    expect(email!.text).toBe('Thanks for looking into it. It has been a week and the tracking page still only says "label created".\n\nHas my parcel been lost? I need the duvet cover before the weekend.');
    expect(ticket.messages.every((m) => m.at)).toBe(true);
    // The background tab (another customer's billing case) is mounted, and never read.
    expect(JSON.stringify(ticket)).not.toMatch(/Aisha|charged|capture/i);
  });

  it('follows a tab switch to the other case', async () => {
    await load('console.html', ORDER_CASE);
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    switchTo(BILLING_CASE);
    const ticket = ticketOf(adapter.readTicket(document));
    expect(ticket.ticketId).toBe(BILLING_CASE);
    expect(ticket.subject).toBe('Charged twice for one order');
    expect(ticket.messages.map((m) => m.role)).toEqual(['customer', 'note']);
    expect(JSON.stringify(ticket)).not.toMatch(/Marcus|parcel/);
  });

  it('adds feed items loaded later, oldest first', async () => {
    await load('console.html', ORDER_CASE);
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    const older = document.querySelector<HTMLTemplateElement>('#view-tab-1026 template.fixture-older-items')!;
    document.querySelector('#view-tab-1026 .cuf-feed')!.append(older.content.cloneNode(true));
    const messages = ticketOf(adapter.readTicket(document)).messages;
    expect(messages).toHaveLength(5);
    expect(messages[0]).toMatchObject({ role: 'customer', author: 'Marcus Delaney' });
    expect(messages[0]!.text).toContain('order JV-20517342');
  });

  it('says a Lightning page that is not a Case is elsewhere, not unreadable', async () => {
    await load('console.html', ORDER_CASE);
    history.pushState({}, '', '/lightning/o/Case/list?filterName=Recent');
    expect(createSalesforceAdapter(undefined, { now: clock }).readTicket(document)).toEqual({ status: 'elsewhere' });
  });

  it('refuses to choose between two active tabs', async () => {
    await load('console.html', ORDER_CASE);
    document.querySelector('#tab-1031')!.setAttribute('aria-selected', 'true');
    const read = createSalesforceAdapter(undefined, { now: clock }).readTicket(document);
    expect(read).toMatchObject({ status: 'unreadable', selectorKey: 'activeTab' });
  });

  it('waits for a missing active panel during the grace period, then names the selector that failed', async () => {
    await load('console.html', ORDER_CASE);
    document.getElementById('view-tab-1026')!.remove();
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time = 2999;
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time = 3000;
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable', selectorKey: 'activePanel', selectors: SALESFORCE_SELECTORS.activePanel });
    // Moving to another tab starts a new grace period.
    switchTo(BILLING_CASE);
    expect(ticketOf(adapter.readTicket(document)).ticketId).toBe(BILLING_CASE);
  });

  it('waits while the address bar and the active tab disagree', async () => {
    await load('console.html', ORDER_CASE);
    history.pushState({}, '', `/lightning/r/Case/${BILLING_CASE}/view`);
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time = 5000;
    expect(adapter.readTicket(document)).toMatchObject({ status: 'unreadable' });
  });

  it('is repaired by an admin override when the page renames a selector', async () => {
    await load('console.html', ORDER_CASE);
    for (const article of document.querySelectorAll('article.cuf-feedItem')) article.className = 'cuf-feedEntry';
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    expect(adapter.readTicket(document)).toEqual({ status: 'waiting' });
    time = 3000;
    expect(adapter.readTicket(document)).toMatchObject({
      status: 'unreadable',
      selectorKey: 'feedItem',
      selectors: SALESFORCE_SELECTORS.feedItem,
    });
    const repaired = createSalesforceAdapter({ feedItem: ['article.cuf-feedEntry'] }, { now: clock });
    expect(ticketOf(repaired.readTicket(document)).messages).toHaveLength(4);
  });
});

describe('watch', () => {
  it('reports tab switches, lazily loaded items and changes inside shadow roots', async () => {
    await load('console.html', ORDER_CASE);
    const adapter = createSalesforceAdapter();
    const controller = new AbortController();
    let calls = 0;
    adapter.watch(document, controller.signal, () => calls++);

    const older = document.querySelector<HTMLTemplateElement>('#view-tab-1026 template.fixture-older-items')!;
    document.querySelector('#view-tab-1026 .cuf-feed')!.append(older.content.cloneNode(true));
    await sleep(250);
    expect(calls).toBeGreaterThan(0);

    calls = 0;
    const shadow = document.querySelector('#view-tab-1026 emailui-feed-item-email-body')!.shadowRoot!;
    shadow.querySelector('emailui-rich-text-output')!.setAttribute('value', '<p>Any news?</p>');
    await sleep(250);
    expect(calls).toBeGreaterThan(0);

    calls = 0;
    switchTo(BILLING_CASE);
    await sleep(250);
    expect(calls).toBeGreaterThan(0);

    controller.abort();
    calls = 0;
    switchTo(ORDER_CASE);
    await sleep(250);
    expect(calls).toBe(0);
  });

  it('wakes the sidebar when a grace period ends on a page that stopped changing', async () => {
    await load('console.html', ORDER_CASE);
    document.getElementById('view-tab-1026')!.remove();
    const adapter = createSalesforceAdapter(undefined, { graceMs: 100 });
    const controller = new AbortController();
    const reads: string[] = [];
    adapter.watch(document, controller.signal, () => reads.push(adapter.readTicket(document).status));
    reads.push(adapter.readTicket(document).status);
    await sleep(300);
    controller.abort();
    expect(reads).toEqual(['waiting', 'unreadable']);
  });
});

describe('insertReply', () => {
  it('writes into the CKEditor 4 iframe, and never over a draft unless asked', async () => {
    await load('legacy.html', LEGACY_CASE);
    const adapter = createSalesforceAdapter();
    let inputs = 0;
    frameBody().addEventListener('input', () => inputs++);

    expect(await adapter.insertReply(document, 'Hello Jonas,\nYour refund is on its way.', { replaceDraft: false })).toBe('inserted');
    expect([...frameBody().querySelectorAll('p')].map((p) => p.textContent)).toEqual(['Hello Jonas,', 'Your refund is on its way.']);
    expect(inputs).toBe(1);

    expect(await adapter.insertReply(document, 'Something else', { replaceDraft: false })).toBe('draft_exists');
    expect(frameBody().textContent).toBe('Hello Jonas,Your refund is on its way.');
    expect(await adapter.insertReply(document, 'Something else', { replaceDraft: true })).toBe('inserted');
    expect(frameBody().textContent).toBe('Something else');
  });

  it('writes into the textarea of the publisher action on screen, with the same draft rule', async () => {
    await load('legacy.html', LEGACY_CASE);
    for (const pane of document.querySelectorAll('.publisherAction')) pane.classList.toggle('slds-hide');
    const adapter = createSalesforceAdapter();
    const textarea = document.querySelector('textarea')!;
    expect(await adapter.insertReply(document, 'Called Jonas about the refund.', { replaceDraft: false })).toBe('inserted');
    expect(textarea.value).toBe('Called Jonas about the refund.');
    textarea.value = 'My own notes';
    expect(await adapter.insertReply(document, 'Another text', { replaceDraft: false })).toBe('draft_exists');
    expect(textarea.value).toBe('My own notes');
    expect(await adapter.insertReply(document, 'Another text', { replaceDraft: true })).toBe('inserted');
    expect(textarea.value).toBe('Another text');
    // The editor the email action left behind is hidden, not used.
    expect(frameBody().textContent).toBe('');
  });

  it("leaves the background tab's composer alone", async () => {
    await load('console.html', ORDER_CASE);
    for (const pane of document.querySelectorAll('.publisherAction')) pane.classList.toggle('slds-hide');
    expect(await createSalesforceAdapter().insertReply(document, 'Your parcel left today.', { replaceDraft: false })).toBe('inserted');
    expect(document.querySelector<HTMLTextAreaElement>('#view-tab-1026 textarea')!.value).toBe('Your parcel left today.');
    expect(document.querySelector<HTMLTextAreaElement>('#view-tab-1031 textarea')!.value).toBe('');
  });

  it('says when there is no editor on screen', async () => {
    await load('console.html', ORDER_CASE);
    // Quill is not running here: the email action has no editor.
    expect(await createSalesforceAdapter().insertReply(document, 'Hello', { replaceDraft: false })).toBe('no_composer');
  });
});

describe('watchSends', () => {
  it('reads the editor before the publisher clears it, in the active tab only', async () => {
    await load('console.html', ORDER_CASE);
    for (const pane of document.querySelectorAll('.publisherAction')) pane.classList.toggle('slds-hide');
    const sent: string[] = [];
    const controller = new AbortController();
    createSalesforceAdapter().watchSends(document, controller.signal, (text) => sent.push(text));
    for (const id of ['#view-tab-1026', '#view-tab-1031']) {
      const textarea = document.querySelector<HTMLTextAreaElement>(`${id} textarea`)!;
      textarea.value = `Logged a call on ${id}`;
      const save = document.querySelector<HTMLButtonElement>(`${id} .publisherAction[data-action="LogACall"] button`)!;
      save.addEventListener('click', () => (textarea.value = ''));
      save.click();
    }
    expect(sent).toEqual(['Logged a call on #view-tab-1026']);
    controller.abort();
    document.querySelector<HTMLTextAreaElement>('#view-tab-1026 textarea')!.value = 'After abort';
    document.querySelector<HTMLButtonElement>('#view-tab-1026 .publisherAction[data-action="LogACall"] button')!.click();
    expect(sent).toHaveLength(1);
  });

  it('reads the CKEditor 4 body on Send', async () => {
    await load('legacy.html', LEGACY_CASE);
    const sent: string[] = [];
    createSalesforceAdapter().watchSends(document, new AbortController().signal, (text) => sent.push(text));
    frameBody().innerHTML = '<p>Hello Jonas,</p><p>your refund was issued today.</p>';
    document.querySelector<HTMLButtonElement>('button[title="Send"]')!.click();
    expect(sent).toEqual(['Hello Jonas,\n\nyour refund was issued today.']);
  });
});
