/**
 * The Salesforce adapter in real Chromium with the built extension, on the saved Service Console fixtures served
 * at the org's real origin: the sidebar reads only the active console tab and follows tab switches and the lazily
 * loaded feed; "Use" writes through Quill's own model (and into CKEditor 4 iframes and textareas) without
 * overwriting drafts; a send is recorded once per reply the feed shows, whether it went by the Send button,
 * Ctrl/⌘+Enter in the editor or a macro, and a logged call records nothing.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Locator, Page, Worker } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { redactNames } from '../../shared/names.ts';

const ORIGIN = 'https://acme.lightning.force.com';
const ORDER_CASE = '500Hs00001ZkT8qIAF';
const BILLING_CASE = '500Hs00001ZkT9wIAF';
const LEGACY_CASE = '500Hs00001ZkUa3IAF';
const FIXTURES = resolve('tests/fixtures/salesforce');
const ASSETS: Record<string, [string, string]> = {
  '/fixture/quill.js': [resolve('node_modules/quill/dist/quill.js'), 'text/javascript'],
  '/fixture/quill.snow.css': [resolve('node_modules/quill/dist/quill.snow.css'), 'text/css'],
  '/fixture/console.js': [join(FIXTURES, 'console.js'), 'text/javascript'],
  '/fixture/console.css': [join(FIXTURES, 'console.css'), 'text/css'],
};

const caseUrl = (id: string) => `${ORIGIN}/lightning/r/Case/${id}/view`;
const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Any Lightning URL answers with the console page, as the single-page console does; its assets from node_modules. */
async function serveConsole(context: BrowserContext): Promise<void> {
  await context.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    const page: [string, string] | undefined = pathname.startsWith('/lightning/')
      ? [join(FIXTURES, pathname.includes(LEGACY_CASE) ? 'legacy.html' : 'console.html'), 'text/html']
      : undefined;
    const [path, contentType] = ASSETS[pathname] ?? page ?? [];
    if (!path) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ status: 200, contentType, body: readFileSync(path) });
  });
}

async function openCase(page: Page, caseId: string): Promise<Locator> {
  await page.goto(caseUrl(caseId));
  const ready = page.locator('aitl-sidebar .panel .ready');
  await expect(ready).toHaveAttribute('data-ticket-id', caseId);
  return ready;
}

interface StoredAdoption {
  ticketId: string;
  host: string;
  outcome: string;
  sentText: string;
}

/** Adoption annotations the backend stored, oldest first. */
function storedAdoptions(databasePath: string): StoredAdoption[] {
  const db = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare("SELECT ticket_id AS ticketId, host, payload FROM annotations WHERE kind = 'adoption' ORDER BY rowid").all() as {
      ticketId: string;
      host: string;
      payload: string;
    }[];
    return rows.map(({ ticketId, host, payload }) => {
      const { outcome, sentText } = JSON.parse(payload) as { outcome: string; sentText: string };
      return { ticketId, host, outcome, sentText: squash(sentText) };
    });
  } finally {
    db.close();
  }
}

/** How many annotations wait in the extension's outbox (IndexedDB, read inside the service worker). */
async function outboxSize(worker: Worker): Promise<number> {
  return worker.evaluate(
    () =>
      new Promise<number>((done, fail) => {
        const open = indexedDB.open('aitl-outbox');
        open.onerror = () => fail(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('items').objectStore('items').count();
          request.onsuccess = () => done(request.result);
          request.onerror = () => fail(request.error);
        };
      }),
  );
}

/**
 * Exactly `count` adoptions in the end: they reach the backend, then, once button evidence has had time to count
 * on its own (8 s in sends.ts) and the outbox is empty, no other adoption follows.
 */
async function expectAdoptions(databasePath: string, worker: Worker, count: number): Promise<StoredAdoption[]> {
  await expect.poll(() => storedAdoptions(databasePath).length, { timeout: 45_000 }).toBe(count);
  await new Promise((r) => setTimeout(r, 9_000));
  await expect.poll(() => outboxSize(worker), { timeout: 30_000 }).toBe(0);
  const adoptions = storedAdoptions(databasePath);
  expect(adoptions).toHaveLength(count);
  return adoptions;
}

async function candidateText(ready: Locator, index: number): Promise<string> {
  return (await ready.locator('.candidate').nth(index).locator('.candidate-text').textContent())!;
}

test('the sidebar follows the active console tab and its feed, fills Quill, and records each reply sent on the case once: Send, Ctrl+Enter, a macro', async ({
  context,
  backend,
  serviceWorker,
}) => {
  test.setTimeout(120_000);
  await serveConsole(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const ready = await openCase(page, ORDER_CASE);
  const query = ready.locator('.query');

  // The billing case's tab is mounted, off-screen, and nothing of it was read.
  const background = page.locator('#view-tab-1031');
  await expect(background.locator('article.cuf-feedItem')).toHaveCount(2);
  expect((await background.boundingBox())!.x).toBeLessThan(-1000);
  await expect(query).toContainText('label created');
  await expect(query).not.toContainText(/charged|payment/);
  // The customer's question is what is asked; our own reply naming them, the call log and the notes are not.
  await expect(query).not.toContainText(/pick the parcel up|Warehouse missed|Carrier portal/);

  // Scrolling the feed loads the older page: the customer's first email joins the ticket.
  const before = await ready.getAttribute('data-suggestion-id');
  await expect(query).not.toContainText('JV-20517342');
  await page.locator('#view-tab-1026 .forceChatterScroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(query).toContainText('JV-20517342');
  expect(await ready.getAttribute('data-suggestion-id')).not.toBe(before);

  // "Use" writes through Quill: its model, not only the DOM, holds the reply, line breaks included.
  const quillText = () =>
    page.evaluate((id) => (window as unknown as { fixtureQuills: Record<string, { getText(): string }> }).fixtureQuills[id]!.getText(), ORDER_CASE);
  const replyA = await candidateText(ready, 0);
  await ready.getByRole('button', { name: 'Use Reply A' }).click();
  await expect.poll(quillText).toBe(`${replyA}\n`);

  // The agent's own draft is kept until they say otherwise.
  const editor = page.locator('#view-tab-1026 .ql-editor');
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type('My own draft');
  await expect.poll(quillText).toBe('My own draft\n');
  await ready.getByRole('button', { name: 'Use Reply B' }).click();
  await expect(ready.getByRole('button', { name: 'Replace draft' })).toBeVisible();
  expect(await quillText()).toBe('My own draft\n');
  const replyB = await candidateText(ready, 1);
  await ready.getByRole('button', { name: 'Replace draft' }).click();
  await expect.poll(quillText).toBe(`${replyB}\n`);

  // Send: the console posts the email and clears Quill; the adoption is recorded for this case.
  const feed = page.locator('#view-tab-1026 article.cuf-feedItem');
  await page.locator('#view-tab-1026 button.cuf-publisherShareButton', { hasText: 'Send' }).click();
  await expect.poll(quillText).toBe('\n');
  await expect(feed.first()).toContainText('Sam Ortiz sent an email to Marcus Delaney');
  await expect(page.locator('aitl-sidebar .panel').getByText('✓ Reply outcome recorded')).toBeVisible();
  await expect.poll(() => storedAdoptions(backend.databasePath).length, { timeout: 45_000 }).toBe(1);

  // Ctrl/⌘+Enter in the editor sends too (the share button's title says so).
  await editor.click();
  await page.keyboard.type('Quick update: the carrier collected your parcel today.');
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect.poll(quillText).toBe('\n');
  // The email's HTML sits in an attribute, as on the real console (the visible body is an iframe there).
  await expect(feed.first().locator('emailui-rich-text-output')).toHaveAttribute('value', /the carrier collected your parcel today/);
  await expect.poll(() => storedAdoptions(backend.databasePath).length, { timeout: 45_000 }).toBe(2);

  // A macro sends its email without the publisher: only the feed shows it.
  await page.locator('button.fixture-run-macro').click();
  await expect(feed.first().locator('emailui-rich-text-output')).toHaveAttribute('value', /should arrive within two working days/);

  const adoptions = await expectAdoptions(backend.databasePath, serviceWorker, 3);
  expect(adoptions.map((a) => [a.ticketId, a.host])).toEqual(Array(3).fill([ORDER_CASE, 'salesforce']));
  // The reply greets the customer by name; what is recorded has the name redacted in the browser.
  expect(adoptions.map((a) => a.sentText)).toEqual([
    redactNames(squash(replyB)),
    'Quick update: the carrier collected your parcel today.',
    'Good news: your parcel was collected this morning and should arrive within two working days.',
  ]);
  expect(adoptions[0]!.outcome).toBe('verbatim');

  // Switching console tabs: the address bar changes without a reload, and the sidebar follows.
  await page.locator('#tab-1031').click();
  await expect(page).toHaveURL(caseUrl(BILLING_CASE));
  await expect(ready).toHaveAttribute('data-ticket-id', BILLING_CASE);
  await expect(query).toContainText('duplicate payment');
  await expect(query).not.toContainText('label created');
  await page.locator('#tab-1026').click();
  await expect(ready).toHaveAttribute('data-ticket-id', ORDER_CASE);
  await expect(query).toContainText('label created');

  // A Lightning page that is not a Case, reached without a reload: nothing to suggest, and nothing wrong.
  await page.evaluate(() => history.pushState({}, '', '/lightning/o/Case/list?filterName=Recent'));
  await expect(page.locator('aitl-sidebar .panel')).toContainText('Open a ticket to see suggested replies.');
  await page.goBack();
  await expect(ready).toHaveAttribute('data-ticket-id', ORDER_CASE);

  expect(errors).toEqual([]);
});

test('older publishers: the reply goes into the CKEditor 4 iframe or the Log a Call textarea on screen; a logged call is no send, Ctrl+Enter in the frame is', async ({
  context,
  backend,
  serviceWorker,
}) => {
  test.setTimeout(120_000);
  await serveConsole(context);
  const page = await context.newPage();
  const ready = await openCase(page, LEGACY_CASE);
  const frameBody = page.frameLocator('iframe.cke_wysiwyg_frame').locator('body');

  const replyA = await candidateText(ready, 0);
  await ready.getByRole('button', { name: 'Use Reply A' }).click();
  await expect.poll(async () => squash(await frameBody.innerText())).toBe(squash(replyA));

  // The email holds a draft now: Reply B asks first, and "Keep draft" keeps it.
  await ready.getByRole('button', { name: 'Use Reply B' }).click();
  await ready.getByRole('button', { name: 'Keep draft' }).click();
  expect(squash(await frameBody.innerText())).toBe(squash(replyA));

  // Log a Call shows its textarea (the email editor stays mounted, hidden): that is where the reply goes.
  await page.getByRole('tab', { name: 'Log a Call' }).click();
  const replyB = await candidateText(ready, 1);
  await ready.getByRole('button', { name: 'Use Reply B' }).click();
  await expect(page.locator('textarea')).toHaveValue(replyB);
  // Hidden, the frame has no layout and so no line breaks: compare the words.
  expect((await frameBody.textContent())!.replace(/\s/g, '')).toBe(replyA.replace(/\s/g, ''));

  // Saving the call logs it in the feed: context for later, not a reply to the customer.
  await page.locator('.publisherAction[data-action="LogACall"] button').click();
  await expect(page.locator('textarea')).toHaveValue('');
  await expect(page.locator('article.cuf-feedItem').first().locator('.logCallDescription')).toHaveText(replyB);

  // Ctrl/⌘+Enter inside the CKEditor frame sends the email.
  await page.getByRole('tab', { name: 'Email' }).click();
  await frameBody.click();
  await page.keyboard.press('ControlOrMeta+Enter');
  await expect(page.locator('article.cuf-feedItem').first()).toContainText('Sam Ortiz sent an email to jonas.weber@example.com');
  await expect(page.locator('aitl-sidebar .panel').getByText('✓ Reply outcome recorded')).toBeVisible();

  const adoptions = await expectAdoptions(backend.databasePath, serviceWorker, 1);
  // The email sent is Reply A; the last reply used was B (into the call log), which the outcome compares it with.
  expect(adoptions[0]).toMatchObject({ ticketId: LEGACY_CASE, host: 'salesforce', sentText: redactNames(squash(replyA)) });
});
