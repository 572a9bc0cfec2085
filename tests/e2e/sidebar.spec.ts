/** The walking skeleton, end to end: demo ticket → sidebar with two replies and their knowledge → Use → next ticket. */
import { expect, test } from './fixtures.ts';

test('the sidebar suggests grounded replies, inserts one, and follows the agent between tickets', async ({ context, backend, serviceWorker }, testInfo) => {
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
  await page.evaluate(() => {
    const article = document.createElement('article');
    article.className = 'message';
    article.dataset.role = 'customer';
    const body = document.createElement('div');
    body.className = 'body';
    body.textContent = 'Any news on my parcel?';
    article.append(body);
    document.getElementById('conversation')!.append(article);
  });
  const failure = sidebar.locator('[data-failure="unreachable"]');
  await expect(failure).toBeVisible({ timeout: 30_000 });
  await expect(failure).toContainText("Can't reach the AITL backend");

  await backend.start();
  await failure.getByRole('button', { name: 'Retry' }).click();
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1002');
  expect(pageErrors).toEqual([]);
});
