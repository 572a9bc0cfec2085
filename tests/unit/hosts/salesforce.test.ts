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
import {
  createSalesforceAdapter,
  type EmailDirection,
  emailDirection,
  emailDirections,
  SALESFORCE_SELECTORS,
} from '../../../extension/hosts/salesforce.ts';
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

/** What the console does when an email is sent (the publisher, a macro): the email tops the tab's feed. */
function postEmail(panel: string, preamble: string, text: string, title: string) {
  const li = document.createElement('li');
  li.className = 'cuf-feedElementIterationItem slds-feed__item';
  li.innerHTML = `<article class="cuf-feedElement cuf-feedItem" data-type="EmailMessageEvent"><div class="cuf-preamble"><div class="preamble_left"></div><div class="preamble_right"><a class="cuf-timestamp" href="#">Just now</a></div></div><div class="emailMessageBody"><emailui-rich-text-output></emailui-rich-text-output></div></article>`;
  li.querySelector('.preamble_left')!.textContent = preamble;
  li.querySelector('.cuf-timestamp')!.setAttribute('title', title);
  const paragraphs = text.split('\n').map((line) => Object.assign(document.createElement('p'), { textContent: line }).outerHTML);
  li.querySelector('emailui-rich-text-output')!.setAttribute('value', paragraphs.join(''));
  document.querySelector(`${panel} .cuf-feed`)!.prepend(li);
}

/** An internal Chatter post or a logged call topping the feed. */
function postNote(panel: string, kind: 'internal' | 'call', text: string, title: string) {
  const li = document.createElement('li');
  li.className = 'cuf-feedElementIterationItem slds-feed__item';
  li.innerHTML =
    kind === 'internal'
      ? `<article class="cuf-feedElement cuf-feedItem" data-type="TextPost"><div class="cuf-preamble"><div class="preamble_left">Sam Ortiz</div><div class="preamble_custom-preamble">Internal</div><div class="preamble_right"><a class="cuf-timestamp" href="#">Just now</a></div></div><div class="forceChatterFeedBodyText"><span class="feedBodyInner"></span></div></article>`
      : `<article class="cuf-feedElement cuf-feedItem" data-type="CallLogPost"><div class="cuf-preamble"><div class="preamble_left">Sam Ortiz</div><div class="preamble_custom-summary">Call</div><div class="preamble_right"><a class="cuf-timestamp" href="#">Just now</a></div></div><div class="logCallDescription"></div></article>`;
  li.querySelector('.feedBodyInner, .logCallDescription')!.textContent = text;
  li.querySelector('.cuf-timestamp')!.setAttribute('title', title);
  document.querySelector(`${panel} .cuf-feed`)!.prepend(li);
}

function loadOlder() {
  const older = document.querySelector<HTMLTemplateElement>('#view-tab-1026 template.fixture-older-items')!;
  document.querySelector('#view-tab-1026 .cuf-feed')!.append(older.content.cloneNode(true));
}

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
  const at = (local: string) => new Date(local).toISOString();

  it('reads the active tab only: subject, contact, and the feed oldest first with roles and times', async () => {
    await load('console.html', ORDER_CASE);
    const ticket = ticketOf(createSalesforceAdapter(undefined, { now: clock }).readTicket(document));
    expect(ticket).toMatchObject({
      host: 'salesforce',
      ticketId: ORDER_CASE,
      subject: 'Where is my order? Tracking still says label created',
      requester: { name: 'Marcus Delaney', email: 'marcus.delaney@example.com' },
      url: document.URL,
    });
    expect(ticket.messages.map((m) => [m.role, m.author, m.at])).toEqual([
      // "Sam Ortiz sent an email to Marcus Delaney": names the customer, and is ours.
      ['agent', 'Sam Ortiz', at('2026-11-24T16:20')],
      // "Marcus Delaney sent an email to support@acme.example", rendered inside an open shadow root.
      ['customer', 'Marcus Delaney', at('2026-11-25T08:02')],
      // The logged call, and the internal post with the comment rendered beside it in .cuf-compactFeedBack.
      ['note', 'Sam Ortiz', at('2026-11-25T09:30')],
      ['note', 'Priya Shah', at('2026-11-25T10:40')],
      ['note', 'Tom Reyes', at('2026-11-25T11:05')],
    ]);
    const [reply, email, call, , comment] = ticket.messages;
    // Quoted history and the thread reference are not part of what was written.
    expect(reply!.text).toBe(
      'Hi Marcus, thanks for getting in touch.\n\nYour parcel was packed on 18 November. I am checking with the carrier why the tracking has not moved and will update you tomorrow.\n\nSam, Acme Support',
    );
    expect(email!.text).toBe(
      'Thanks for looking into it. It has been a week and the tracking page still only says "label created".\n\nHas my parcel been lost? I need the duvet cover before the weekend.',
    );
    expect(call!.text).toBe('Called Marcus back: he asked whether he can pick the parcel up from the depot instead. Told him we would check.');
    expect(comment!.text).toBe("Warehouse missed the collection on the 18th; the parcel goes out with today's pickup.");
    // The background tab (another customer's billing case) is mounted, and never read.
    expect(JSON.stringify(ticket)).not.toMatch(/Aisha|charged|capture/i);
  });

  it('follows a tab switch to the other case, whose comment renders inside its post', async () => {
    await load('console.html', ORDER_CASE);
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    switchTo(BILLING_CASE);
    const ticket = ticketOf(adapter.readTicket(document));
    expect(ticket.ticketId).toBe(BILLING_CASE);
    expect(ticket.subject).toBe('Charged twice for one order');
    expect(ticket.messages.map((m) => [m.role, m.author, m.at])).toEqual([
      ['customer', 'Aisha Khan', at('2026-11-25T07:30')],
      ['note', 'Priya Shah', at('2026-11-25T09:10')],
      ['note', 'Tom Reyes', at('2026-11-25T09:40')],
    ]);
    expect(ticket.messages[2]!.text).toBe('The hold drops off by itself within 5 working days; nothing to refund.');
    expect(JSON.stringify(ticket)).not.toMatch(/Marcus|parcel/);
  });

  it('reads subject and contact from the highlights panel (label and value wrapped in a div) when the details are not mounted', async () => {
    await load('console.html', ORDER_CASE);
    document.querySelector('#view-tab-1026 .forceRecordLayout')!.remove();
    const ticket = ticketOf(createSalesforceAdapter(undefined, { now: clock }).readTicket(document));
    expect(ticket.subject).toBe('Where is my order? Tracking still says label created');
    expect(ticket.requester).toEqual({ name: 'Marcus Delaney' });
    // Without the email address, the contact's name still places both emails.
    expect(ticket.messages.filter((m) => m.role !== 'note').map((m) => [m.role, m.author])).toEqual([
      ['agent', 'Sam Ortiz'],
      ['customer', 'Marcus Delaney'],
    ]);
  });

  it('reads fields from the value slotted into the layout item when the slot element is not rendered', async () => {
    await load('console.html', ORDER_CASE);
    for (const slot of document.querySelectorAll('#view-tab-1026 slot[name="outputField"]')) slot.replaceWith(...slot.childNodes);
    document.querySelector('#view-tab-1026 support-output-case-subject-field')!.remove();
    document.querySelector('#view-tab-1026 records-highlights2 .secondaryFields')!.remove();
    const ticket = ticketOf(createSalesforceAdapter(undefined, { now: clock }).readTicket(document));
    expect(ticket.subject).toBe('Where is my order? Tracking still says label created');
    expect(ticket.requester).toEqual({ name: 'Marcus Delaney', email: 'marcus.delaney@example.com' });
  });

  it('reads a Web-to-Case case by its Web Name and Web Email, and an email whose preamble names only an address', async () => {
    await load('legacy.html', LEGACY_CASE);
    const ticket = ticketOf(createSalesforceAdapter(undefined, { now: clock }).readTicket(document));
    expect(ticket.requester).toEqual({ name: 'Jonas Weber', email: 'jonas.weber@example.com' });
    expect(ticket.subject).toBe('Refund for a returned kettle');
    expect(ticket.messages.map((m) => [m.role, m.author])).toEqual([['customer', 'jonas.weber@example.com']]);
  });

  it('keeps an email it cannot place as a note, neither the customer speaking nor our reply', async () => {
    await load('console.html', ORDER_CASE);
    postEmail(
      '#view-tab-1026',
      'Dispatch Desk <dispatch@carrier.example> sent an email to Sam Ortiz',
      'Collection rebooked for tomorrow.',
      '25 November 2026 at 11:30',
    );
    const messages = ticketOf(createSalesforceAdapter(undefined, { now: clock }).readTicket(document)).messages;
    expect(messages.at(-1)).toMatchObject({ role: 'note', author: 'Dispatch Desk', text: 'Collection rebooked for tomorrow.' });
  });

  it('adds feed items loaded later, oldest first', async () => {
    await load('console.html', ORDER_CASE);
    const adapter = createSalesforceAdapter(undefined, { now: clock });
    loadOlder();
    const messages = ticketOf(adapter.readTicket(document)).messages;
    expect(messages).toHaveLength(6);
    expect(messages[0]).toMatchObject({ role: 'customer', author: 'Marcus Delaney', at: at('2026-11-24T09:14') });
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
    expect(adapter.readTicket(document)).toMatchObject({
      status: 'unreadable',
      selectorKey: 'activePanel',
      selectors: SALESFORCE_SELECTORS.activePanel,
    });
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
    expect(ticketOf(repaired.readTicket(document)).messages).toHaveLength(5);
  });
});

describe('emailDirection', () => {
  const marcus = { name: 'Marcus Delaney', email: 'marcus.delaney@example.com' };
  const cases: [string, EmailDirection, string[]?][] = [
    // The customer wrote: by name, by address, by both; any case and spacing.
    ['Marcus Delaney sent an email to support@acme.example', 'customer'],
    ['marcus.delaney@example.com sent an email to support@acme.example', 'customer'],
    ['Marcus Delaney <Marcus.Delaney@example.com> sent an email to Acme Support <support@acme.example>', 'customer'],
    ['marcus   DELANEY sent an email to Sam Ortiz', 'customer'],
    // Our replies name the customer as their recipient: that makes them ours, not the customer's.
    ['Sam Ortiz sent an email to Marcus Delaney', 'agent'],
    ['Sam Ortiz <sam.ortiz@acme.example> sent an email to marcus.delaney@example.com', 'agent'],
    ['Sam Ortiz sent an email to Marcus Delaney <marcus.delaney@example.com>', 'agent'],
    ['Sam Ortiz sent an email to MARCUS.DELANEY@EXAMPLE.COM.', 'agent'],
    ['Sam Ortiz sent an email to Jane Roe, Marcus Delaney', 'agent'],
    // A colleague of the customer, at the contact's domain, wrote — even to the customer.
    ['Jane Roe <jane.roe@example.com> sent an email to support@acme.example', 'customer'],
    ['Jane Roe <jane.roe@example.com> sent an email to Marcus Delaney', 'customer'],
    // Our reply to the customer's colleague, placed by the contact's domain.
    ['Sam Ortiz sent an email to jane.roe@example.com', 'agent'],
    // A colleague of ours, at our domain (or a subdomain of it), writing to a third party.
    ['Tom Reyes <tom.reyes@acme.example> sent an email to orders@carrier.example', 'agent', ['acme.example']],
    ['noreply@mail.acme.example sent an email to orders@carrier.example', 'agent', ['acme.example']],
    ['someone@notacme.example sent an email to orders@carrier.example', 'unknown', ['acme.example']],
    // A third party writing to one of our addresses is received mail: the customer's side of the conversation.
    ['Dispatch Desk <dispatch@carrier.example> sent an email to support@acme.example', 'customer', ['acme.example']],
    // Without our domains nothing places these: unknown, never a guess.
    ['Tom Reyes <tom.reyes@acme.example> sent an email to orders@carrier.example', 'unknown'],
    ['Dispatch Desk <dispatch@carrier.example> sent an email to support@acme.example', 'unknown'],
    ['Sam Ortiz sent an email to Jane Roe', 'unknown'],
    // A name containing the customer's is another person.
    ['Marcus Delaney Jr sent an email to support@acme.example', 'unknown'],
    // Preambles that are not the sentence name the sender only.
    ['Marcus Delaney <marcus.delaney@example.com>', 'customer'],
    ['Sam Ortiz <support@acme.example>', 'unknown'],
    ['Sam Ortiz <support@acme.example>', 'agent', ['acme.example']],
  ];
  it.each(cases)('%s → %s (our domains %j)', (preamble, expected, ours) => {
    expect(emailDirection(preamble, marcus, ours)).toBe(expected);
  });

  it('does not take the contact for a customer when their domain is ours (a colleague opened the case)', () => {
    const colleague = { name: 'Priya Shah', email: 'priya.shah@acme.example' };
    expect(emailDirection('Sam Ortiz <sam.ortiz@acme.example> sent an email to Priya Shah', colleague, ['acme.example'])).toBe('agent');
    expect(emailDirection('Priya Shah sent an email to support@acme.example', colleague, ['acme.example'])).toBe('customer');
  });

  it('places nothing without a contact but our domains', () => {
    expect(emailDirection('Sam Ortiz sent an email to Marcus Delaney', {})).toBe('unknown');
    expect(emailDirection('Marcus Delaney <marcus.delaney@example.com> sent an email to support@acme.example', {}, ['acme.example'])).toBe(
      'customer',
    );
  });

  it('learns our domains from the feed: where the customer wrote to, where our replies came from', () => {
    expect(
      emailDirections(
        ['Marcus Delaney sent an email to support@acme.example', 'Tom Reyes <tom.reyes@acme.example> sent an email to orders@carrier.example'],
        marcus,
      ),
    ).toEqual(['customer', 'agent']);
    expect(
      emailDirections(
        [
          'Sam Ortiz <sam.ortiz@acme.example> sent an email to Marcus Delaney',
          'Dispatch Desk <dispatch@carrier.example> sent an email to sam.ortiz@acme.example',
        ],
        marcus,
      ),
    ).toEqual(['agent', 'customer']);
    // The contact's own domain is never learned as ours.
    expect(
      emailDirections(
        ['Marcus Delaney sent an email to jane.roe@example.com', 'Jane Roe <jane.roe@example.com> sent an email to orders@carrier.example'],
        marcus,
      ),
    ).toEqual(['customer', 'customer']);
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

  it('writes into the saved Quill editor of the active tab', async () => {
    await load('console.html', ORDER_CASE);
    expect(await createSalesforceAdapter().insertReply(document, 'Your parcel left today.', { replaceDraft: false })).toBe('inserted');
    expect(document.querySelector('#view-tab-1026 .ql-editor')!.textContent).toBe('Your parcel left today.');
    expect(document.querySelector('#view-tab-1031 .ql-editor')!.textContent).toBe('');
  });

  it('says when there is no editor on screen', async () => {
    await load('console.html', ORDER_CASE);
    for (const pane of document.querySelectorAll('#view-tab-1026 .publisherAction')) pane.classList.add('slds-hide');
    expect(await createSalesforceAdapter().insertReply(document, 'Hello', { replaceDraft: false })).toBe('no_composer');
  });
});

describe('watchSends', () => {
  const CONFIRM_MS = 300;
  /** Send detection on the loaded page; the first reading of the feed is its baseline. */
  async function watching() {
    const sent: string[] = [];
    const controller = new AbortController();
    createSalesforceAdapter(undefined, { sends: { confirmMs: CONFIRM_MS } }).watchSends(document, controller.signal, (text) => sent.push(text));
    await sleep(200);
    return { sent, abort: () => controller.abort() };
  }
  const quill = (panel: string) => document.querySelector<HTMLElement>(`${panel} .ql-editor`)!;
  const type = (editor: HTMLElement, text: string) =>
    (editor.innerHTML = text
      .split('\n')
      .map((l) => `<p>${l}</p>`)
      .join(''));
  const sendButton = (panel: string, action = 'SendEmail') =>
    document.querySelector<HTMLButtonElement>(`${panel} .publisherAction[data-action="${action}"] button`)!;
  const ctrlEnter = (target: EventTarget, init: KeyboardEventInit = { ctrlKey: true }) =>
    target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true, cancelable: true, ...init }));
  /** The console's email publisher: Send posts the email and clears the editor. */
  function publishOnSend(panel: string, title: string) {
    sendButton(panel).addEventListener('click', () => {
      postEmail(panel, 'Sam Ortiz sent an email to Marcus Delaney', quill(panel).innerText ?? quill(panel).textContent!, title);
      quill(panel).innerHTML = '<p><br></p>';
    });
  }

  it('counts a click on Send once, with the text the feed shows, whether or not the reply renders before the evidence times out', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    type(quill('#view-tab-1026'), 'Hi Marcus,\nyour parcel left today.');
    publishOnSend('#view-tab-1026', '25 November 2026 at 12:00');
    sendButton('#view-tab-1026').click();
    await sleep(CONFIRM_MS + 300);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.replace(/\s+/g, ' ')).toBe('Hi Marcus, your parcel left today.');
  });

  it('takes Ctrl+Enter or ⌘+Enter in the publisher editor as evidence of a send', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    const editor = quill('#view-tab-1026');
    // The console sends and clears the editor; the feed does not show the email (the tab closed, say).
    editor.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) editor.innerHTML = '<p><br></p>';
    });
    type(editor, 'First reply');
    ctrlEnter(editor);
    await sleep(CONFIRM_MS + 300);
    type(editor, 'Second reply');
    ctrlEnter(editor, { metaKey: true });
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['First reply', 'Second reply']);
    // Enter alone, or with Shift, is a new line.
    type(editor, 'Not sent');
    ctrlEnter(editor, {});
    ctrlEnter(editor, { shiftKey: true });
    editor.innerHTML = '<p><br></p>';
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['First reply', 'Second reply']);
  });

  it('counts a send once when the shortcut also clicks Send and the feed shows the email', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    const editor = quill('#view-tab-1026');
    editor.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) sendButton('#view-tab-1026').click();
    });
    publishOnSend('#view-tab-1026', '25 November 2026 at 12:00');
    type(editor, 'Only once');
    ctrlEnter(editor);
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['Only once']);
  });

  it('counts a reply that appears without any button or key (a macro), once', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    postEmail('#view-tab-1026', 'Sam Ortiz sent an email to Marcus Delaney', 'Your parcel was collected this morning.', '25 November 2026 at 12:00');
    await sleep(300);
    // Lightning re-renders the item: the same reply, not a new one.
    const item = document.querySelector('#view-tab-1026 .cuf-feed > li')!;
    item.replaceWith(item.cloneNode(true));
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['Your parcel was collected this morning.']);
  });

  it('lets the click stand in when the feed never shows the reply, and not count it again when it renders late', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    type(quill('#view-tab-1026'), 'Refund issued today.');
    sendButton('#view-tab-1026').addEventListener('click', () => (quill('#view-tab-1026').innerHTML = '<p><br></p>'));
    sendButton('#view-tab-1026').click();
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['Refund issued today.']);
    postEmail('#view-tab-1026', 'Sam Ortiz sent an email to Marcus Delaney', 'Refund issued today.', '25 November 2026 at 12:00');
    await sleep(300);
    expect(sent).toHaveLength(1);
  });

  it('does not count a send the console refused (the text is still in the editor)', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    type(quill('#view-tab-1026'), 'Not sent');
    sendButton('#view-tab-1026').click();
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual([]);
  });

  it('does not count logged calls, internal posts, or comments among colleagues', async () => {
    await load('console.html', ORDER_CASE);
    const { sent } = await watching();
    // Log a Call: a textarea publisher, and the call log it adds to the feed.
    for (const pane of document.querySelectorAll('#view-tab-1026 .publisherAction')) pane.classList.toggle('slds-hide');
    const textarea = document.querySelector<HTMLTextAreaElement>('#view-tab-1026 textarea')!;
    textarea.value = 'Called Marcus about the depot.';
    sendButton('#view-tab-1026', 'LogACall').addEventListener('click', () => {
      postNote('#view-tab-1026', 'call', textarea.value, '25 November 2026 at 12:00');
      textarea.value = '';
    });
    sendButton('#view-tab-1026', 'LogACall').click();
    ctrlEnter(textarea);
    // A post from a rich editor that the feed shows as internal: posted, but no reply.
    for (const pane of document.querySelectorAll('#view-tab-1026 .publisherAction')) pane.classList.toggle('slds-hide');
    type(quill('#view-tab-1026'), 'Asked the warehouse again.');
    sendButton('#view-tab-1026').addEventListener('click', () => {
      postNote('#view-tab-1026', 'internal', 'Asked the warehouse again.', '25 November 2026 at 12:01');
      quill('#view-tab-1026').innerHTML = '<p><br></p>';
    });
    sendButton('#view-tab-1026').click();
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual([]);
  });

  it('ignores the background tab and older feed items loaded later, and stops when aborted', async () => {
    await load('console.html', ORDER_CASE);
    const { sent, abort } = await watching();
    type(quill('#view-tab-1031'), 'For Aisha');
    sendButton('#view-tab-1031').click();
    ctrlEnter(quill('#view-tab-1031'));
    postEmail('#view-tab-1031', 'Sam Ortiz sent an email to Aisha Khan', 'Refund on its way.', '25 November 2026 at 12:00');
    loadOlder();
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual([]);
    abort();
    postEmail('#view-tab-1026', 'Sam Ortiz sent an email to Marcus Delaney', 'After abort', '25 November 2026 at 12:05');
    await sleep(300);
    expect(sent).toEqual([]);
  });

  it('reads the CKEditor 4 body on Send and on Ctrl+Enter inside its frame', async () => {
    await load('legacy.html', LEGACY_CASE);
    const { sent } = await watching();
    frameBody().innerHTML = '<p>Hello Jonas,</p><p>your refund was issued today.</p>';
    document
      .querySelector<HTMLButtonElement>('.publisherAction[data-action="SendEmail"] button')!
      .addEventListener('click', () => (frameBody().innerHTML = '<p><br></p>'));
    document.querySelector<HTMLButtonElement>('.publisherAction[data-action="SendEmail"] button')!.click();
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['Hello Jonas,\n\nyour refund was issued today.']);
    frameBody().innerHTML = '<p>One more thing.</p>';
    ctrlEnter(frameBody().querySelector('p')!);
    frameBody().innerHTML = '<p><br></p>';
    await sleep(CONFIRM_MS + 300);
    expect(sent).toEqual(['Hello Jonas,\n\nyour refund was issued today.', 'One more thing.']);
  });
});
