/**
 * The walking skeleton, end to end: demo ticket → sidebar with two replies and their knowledge → Use → next ticket;
 * and the sidebar's own states: bounded waits, failures that point to the options, notices that stay with their ticket.
 */
import { execFileSync } from 'node:child_process';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { type Backend, expect, test } from './fixtures.ts';

/** Rows in one of the backend's tables (each suggestion request is stored as one `suggestions` row). */
function countRows(backend: Backend, table: 'suggestions' | 'annotations'): number {
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A new customer message in the demo desk's conversation, as the help desk would show one arriving. */
async function customerWrites(page: Page, text: string): Promise<void> {
  await page.evaluate((body) => {
    const article = document.createElement('article');
    article.className = 'message';
    article.dataset.role = 'customer';
    const div = document.createElement('div');
    div.className = 'body';
    div.textContent = body;
    article.append(div);
    document.getElementById('conversation')!.append(article);
  }, text);
}

test('the sidebar suggests grounded replies, inserts one, and follows the agent between tickets', async ({
  context,
  backend,
  serviceWorker,
}, testInfo) => {
  expect(serviceWorker.url()).toContain('background.js');
  const errors: string[] = [];
  context.on('weberror', (e) => errors.push(`uncaught: ${e.error().message}`));
  const page = await context.newPage();
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));

  await page.goto(`${backend.url}/demo/tickets/1001`);
  const sidebar = page.locator('aitl-sidebar .panel');
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1001');
  const candidates = sidebar.locator('.candidate');
  await expect(candidates).toHaveCount(2);
  for (const candidate of await candidates.all()) {
    await expect(candidate.locator('.candidate-text')).not.toBeEmpty();
    await expect(candidate.locator('.chip').first()).toBeVisible();
  }
  // The help centre's article on damaged items answers this ticket.
  await expect(sidebar.locator('.snippet[data-snippet-id^="damaged-or-defective-items"]').first()).toBeVisible();
  await sidebar.screenshot({ path: testInfo.outputPath('sidebar.png') });
  await testInfo.attach('sidebar', { path: testInfo.outputPath('sidebar.png'), contentType: 'image/png' });

  // "Use" puts the reply into the composer exactly.
  const replyA = (await candidates.nth(0).locator('.candidate-text').textContent())!;
  await candidates.nth(0).getByRole('button', { name: 'Use Reply A' }).click();
  await expect(page.locator('#composer')).toHaveValue(replyA);

  // A draft the agent typed is not overwritten without asking.
  await page.locator('#composer').fill('My own draft');
  await candidates.nth(1).getByRole('button', { name: 'Use Reply B' }).click();
  await expect(page.locator('#composer')).toHaveValue('My own draft');
  await candidates.nth(1).getByRole('button', { name: 'Replace draft' }).click();
  await expect(page.locator('#composer')).toHaveValue((await candidates.nth(1).locator('.candidate-text').textContent())!);

  // Soft navigation to another ticket: no reload, and the sidebar follows.
  await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
  await page.locator('a[data-ticket-link="1005"]').click();
  await expect(page).toHaveURL(/\/demo\/tickets\/1005$/);
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1005');
  await expect(sidebar.locator('.snippet[data-snippet-id^="smart-lamp-wifi-connection"]').first()).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);

  expect(errors).toEqual([]);
});

test('with the backend stopped the sidebar says so, and Retry recovers once it is back', async ({ context, backend }) => {
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${backend.url}/demo/tickets/1002`);
  const sidebar = page.locator('aitl-sidebar .panel');
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1002');

  await backend.stop();
  // A new customer message arrives while the backend is down: the sidebar asks again and cannot get through.
  await customerWrites(page, 'Any news on my parcel?');
  const failure = sidebar.locator('[data-failure="unreachable"]');
  await expect(failure).toBeVisible({ timeout: 30_000 });
  await expect(failure).toContainText("Can't reach the AITL backend");

  // The backend's address is a setting: the failure opens the extension's options page (via the worker).
  const optionsPage = context.waitForEvent('page');
  await failure.getByRole('button', { name: 'Open AITL options' }).click();
  await expect(await optionsPage).toHaveURL(/^chrome-extension:\/\/[a-p]{32}\/options\.html/);

  await backend.start();
  await failure.getByRole('button', { name: 'Retry' }).click();
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1002');
  expect(pageErrors).toEqual([]);
});

test('a ticket the page never finishes showing ends in "could not be read" with Retry, not "Reading…" for ever', async ({ context, backend }) => {
  const page = await context.newPage();
  await page.goto(`${backend.url}/demo/tickets/1002`);
  const sidebar = page.locator('aitl-sidebar .panel');
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1002');

  // With the backend down the demo desk cannot fetch the next ticket and stays "loading": the adapter keeps waiting.
  await backend.stop();
  await page.locator('a[data-ticket-link="1003"]').click();
  await expect(sidebar.getByText('Reading the ticket…')).toBeVisible();
  const started = Date.now();
  const stuck = sidebar.locator('[data-unreadable]');
  await expect(stuck).toContainText('did not finish showing the ticket', { timeout: 20_000 });
  expect(Date.now() - started).toBeGreaterThan(8_000);
  await stuck.getByRole('button', { name: 'Retry' }).click();
  await expect(sidebar.getByText('Reading the ticket…')).toBeVisible();
  await expect(stuck).toBeVisible({ timeout: 20_000 });
});

test("the agent's own reply asks for nothing new, and the outcome notice and reasons prompt stay with their ticket", async ({ context, backend }) => {
  const page = await context.newPage();
  await page.goto(`${backend.url}/demo/tickets/1001`);
  const sidebar = page.locator('aitl-sidebar .panel');
  const ready = sidebar.locator('.ready');
  await expect(ready).toHaveAttribute('data-ticket-id', '1001');
  const suggestionId = await ready.getAttribute('data-suggestion-id');
  expect(countRows(backend, 'suggestions')).toBe(1);

  // An edited reply: recorded, and the sidebar asks why, with focus in the question.
  await sidebar.getByRole('button', { name: 'Use Reply A' }).click();
  await page.locator('#composer').press('End');
  await page.locator('#composer').pressSequentially(' Sorry for the trouble!');
  await page.locator('#send').click();
  await expect(sidebar.getByText('✓ Reply outcome recorded')).toBeVisible();
  const prompt = sidebar.locator('form.rationale');
  await expect(prompt).toContainText('You edited the suggestion');
  await expect(prompt.getByRole('checkbox').first()).toBeFocused();

  // The reply is in the conversation now; the sidebar did not ask again (the page's observer fires within 150 ms).
  await expect(page.locator('#conversation article.message[data-role="agent"]').last()).toContainText('Sorry for the trouble!');
  await page.waitForTimeout(1_500);
  expect(countRows(backend, 'suggestions')).toBe(1);
  await expect(ready).toHaveAttribute('data-suggestion-id', suggestionId!);

  // Another ticket: the notice and the prompt stay behind.
  await page.locator('a[data-ticket-link="1005"]').click();
  await expect(ready).toHaveAttribute('data-ticket-id', '1005');
  await expect(sidebar.getByText('✓ Reply outcome recorded')).toHaveCount(0);
  await expect(prompt).toHaveCount(0);
  expect(countRows(backend, 'suggestions')).toBe(2);

  // A new customer message does ask again.
  await customerWrites(page, 'Also, the lamp flickers.');
  await expect.poll(() => countRows(backend, 'suggestions')).toBe(3);
  await expect(ready).toHaveAttribute('data-ticket-id', '1005');
});

test('citation chips jump to their snippet; "Both bad" asks why; the chosen strength stays shown', async ({ context, backend }) => {
  const page = await context.newPage();
  await page.goto(`${backend.url}/demo/tickets/1001`);
  const sidebar = page.locator('aitl-sidebar .panel');
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1001');

  // The last chip of reply B: its snippet is focused and scrolled into view.
  const chip = sidebar.locator('.candidate').nth(1).locator('button.chip').last();
  const rank = (await chip.textContent())!.replace(/\D/g, '');
  await chip.click();
  const snippet = sidebar.locator('.snippet').filter({ has: page.locator('.rank', { hasText: new RegExp(`^${rank}$`) }) });
  await expect(snippet).toBeFocused();
  await expect(snippet).toBeInViewport();

  // A preference with strength: the strength chosen stays visible and pressed.
  await sidebar.getByRole('button', { name: 'A is better' }).click();
  await sidebar.getByRole('button', { name: 'Clearly' }).click();
  await expect(sidebar.locator('.preference').getByText('✓ Saved')).toBeVisible();
  await expect(sidebar.getByRole('button', { name: 'Clearly' })).toHaveAttribute('aria-pressed', 'true');

  // "Both bad" is saved at once, then asks why with the reasons of an edited reply.
  await sidebar.getByRole('button', { name: 'Both bad' }).click();
  await expect(sidebar.locator('.preference').getByText('✓ Saved')).toBeVisible();
  await expect(sidebar.getByRole('button', { name: 'Clearly' })).toHaveCount(0);
  const why = sidebar.locator('.preference form.rationale');
  await expect(why).toContainText('Both replies were bad');
  await expect(why.getByRole('checkbox').first()).toBeFocused();
  await why.getByLabel('Outdated').check();
  await why.getByRole('button', { name: 'Send reasons' }).click();
  await expect(why).toHaveCount(0);

  // Stored as a rationale referring to the "both bad" preference.
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    const rows = () => db.prepare('SELECT id, kind, payload FROM annotations ORDER BY id').all() as { id: string; kind: string; payload: string }[];
    await expect.poll(() => rows().map((r) => r.kind), { timeout: 30_000 }).toEqual(['preference', 'preference', 'rationale']);
    const [, bothBad, rationale] = rows().map(
      (r) => JSON.parse(r.payload) as { id: string; choice?: string; adoptionId?: string; reasons?: string[] },
    );
    expect(bothBad!.choice).toBe('both_bad');
    expect(rationale).toMatchObject({ adoptionId: bothBad!.id, reasons: ['outdated'] });
  } finally {
    db.close();
  }
});

test('a key without the agent role: the options page says so, and the sidebar points there', async ({ context, backend, serviceWorker }) => {
  const analystKey = execFileSync(process.execPath, ['backend/bin/aitl.js', 'keys', 'create', '--tenant', 'default', '--role', 'analyst'], {
    env: { ...process.env, AITL_DATABASE_URL: backend.databasePath, AITL_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  })
    .trim()
    .split('\n')
    .pop()!;
  const options = await context.newPage();
  await options.goto(new URL('options.html', serviceWorker.url()).toString());
  await options.locator('#backend-url').fill(backend.url);
  await options.locator('#api-key').fill(analystKey);
  await options.locator('#agent-id').fill('sam');
  await options.getByRole('button', { name: 'Save and test' }).click();
  const status = options.locator('p.status');
  await expect(status).toContainText('Not saved');
  await expect(status).toContainText('analyst key');
  await expect(status).toContainText('the sidebar needs an agent key');
  expect(
    await serviceWorker.evaluate(() =>
      (globalThis as unknown as { chrome: { storage: { local: { get(k: string): Promise<Record<string, unknown>> } } } }).chrome.storage.local.get(
        'apiKey',
      ),
    ),
  ).toEqual({});

  // Set behind the options page's back (as an older version allowed): every ticket would fail, and the sidebar says why.
  await serviceWorker.evaluate(
    (key) =>
      (globalThis as unknown as { chrome: { storage: { local: { set(i: object): Promise<void> } } } }).chrome.storage.local.set({ apiKey: key }),
    analystKey,
  );
  const page = await context.newPage();
  await page.goto(`${backend.url}/demo/tickets/1001`);
  const refused = page.locator('aitl-sidebar .panel [data-failure="forbidden"]');
  await expect(refused).toContainText('ask your admin for an agent key');
  await expect(refused).toContainText('analyst role');
  await expect(refused.getByRole('button', { name: 'Open AITL options' })).toBeVisible();
});
