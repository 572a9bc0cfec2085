/**
 * The Salesforce adapter in real Chromium with the built extension, on the saved Service Console fixtures served
 * at the org's real origin: the sidebar reads only the active console tab and follows tab switches and the lazily
 * loaded feed; "Use" writes through Quill's own model (and into CKEditor 4 iframes and textareas) without
 * overwriting drafts; Send records the adoption for the right case.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';

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

async function candidateText(ready: Locator, index: number): Promise<string> {
  return (await ready.locator('.candidate').nth(index).locator('.candidate-text').textContent())!;
}

test('the sidebar follows the active console tab and its feed, fills Quill, and records the sent reply for that case', async ({ context, backend }) => {
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

  // Scrolling the feed loads the older page: the customer's first email joins the ticket.
  const before = await ready.getAttribute('data-suggestion-id');
  await expect(query).not.toContainText('JV-20517342');
  await page.locator('#view-tab-1026 .forceChatterScroller').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(query).toContainText('JV-20517342');
  expect(await ready.getAttribute('data-suggestion-id')).not.toBe(before);

  // "Use" writes through Quill: its model, not only the DOM, holds the reply, line breaks included.
  const quillText = () => page.evaluate((id) => (window as unknown as { fixtureQuills: Record<string, { getText(): string }> }).fixtureQuills[id]!.getText(), ORDER_CASE);
  const replyA = await candidateText(ready, 0);
  await ready.getByRole('button', { name: 'Use Reply A' }).click();
  await expect.poll(quillText).toBe(`${replyA}\n`);

  // The agent's own draft is kept until they say otherwise.
  await page.locator('#view-tab-1026 .ql-editor').click();
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
  await page.locator('#view-tab-1026 button[title="Send"]').click();
  await expect.poll(quillText).toBe('\n');
  await expect(page.locator('#view-tab-1026 article.cuf-feedItem').first()).toContainText('Sam Ortiz');
  await expect(page.locator('aitl-sidebar .panel').getByText('✓ Reply outcome recorded')).toBeVisible();
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    const adoptions = () => db.prepare("SELECT ticket_id AS ticketId, host, payload FROM annotations WHERE kind = 'adoption'").all() as { ticketId: string; host: string; payload: string }[];
    await expect.poll(() => adoptions().length, { timeout: 45_000 }).toBe(1);
    const [adoption] = adoptions();
    expect(adoption).toMatchObject({ ticketId: ORDER_CASE, host: 'salesforce' });
    expect(JSON.parse(adoption!.payload)).toMatchObject({ outcome: 'verbatim' });
  } finally {
    db.close();
  }

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

test('older publishers: the reply goes into the CKEditor 4 iframe or the Log a Call textarea on screen', async ({ context }) => {
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

  await page.locator('.publisherAction[data-action="LogACall"] button').click();
  await expect(page.locator('textarea')).toHaveValue('');
  await expect(page.locator('aitl-sidebar .panel').getByText('✓ Reply outcome recorded')).toBeVisible();
});
