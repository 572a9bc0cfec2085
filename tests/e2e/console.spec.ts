/**
 * The analyst console in real Chromium on a store the flywheel simulator filled (two cycles on a small slice of
 * stackfaq-sparse): every chart draws with its numbers on keyboard focus and in its table view, the gap queue has
 * rows and downloads as CSV, and an admin rolls a version back from the page. Saves a full-page screenshot at
 * test-results/analyst-console.png for a look at the layout.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { chromium } from '@playwright/test';
import { findChromium } from './chromium.ts';
import { expect, test } from './fixtures.ts';

const CHARTS = [
  'chart-activity',
  'chart-adoption-days',
  'chart-adoption-variants',
  'chart-preferences',
  'chart-position',
  'chart-relevance',
  'chart-agreement-pairwise',
  'chart-agreement-kappa',
  'chart-agreement-agents',
  'chart-gate',
  'chart-flywheel',
  'chart-evidence',
];

test.beforeAll(() => {
  process.env.AITL_EXPORT_LAG_SECONDS = '0';
});
test.afterAll(() => {
  delete process.env.AITL_EXPORT_LAG_SECONDS;
});

function aitl(databasePath: string, args: string[]): string {
  return execFileSync(process.execPath, ['backend/bin/aitl.js', ...args], {
    env: { ...process.env, AITL_DATABASE_URL: databasePath, AITL_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The tenant the simulator wrote its signals under (it has its own default; the store says which). */
function simulatedTenant(databasePath: string): string {
  const db = new Database(databasePath, { readonly: true });
  try {
    const rows = db.prepare('SELECT DISTINCT tenant FROM annotations').all() as { tenant: string }[];
    expect(rows).toHaveLength(1);
    return rows[0]!.tenant;
  } finally {
    db.close();
  }
}

async function call(url: string, key: string, init: RequestInit = {}): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    ...init,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** RFC 4180 fields of one CSV line (every field quoted, as the page writes them). */
function csvLine(line: string): string[] {
  return [...line.matchAll(/"((?:[^"]|"")*)"(?:,|$)/g)].map((m) => m[1]!.replaceAll('""', '"'));
}

test('the analyst console charts a simulated flywheel, lists its gaps as a table and CSV, and rolls a version back', async ({ backend }) => {
  test.setTimeout(90_000);
  // The simulator wants a new store: stop the fixture's backend, fill its file, start it again on it.
  await backend.stop();
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${backend.databasePath}${suffix}`, { force: true });
  aitl(backend.databasePath, [
    'simulate',
    '--dataset',
    '../shared/datasets/stackfaq-sparse',
    '--cycles',
    '2',
    '--limit-train',
    '80',
    '--limit-test',
    '30',
    '--store',
    backend.databasePath,
    '--out',
    join(dirname(backend.databasePath), 'simulation'),
  ]);
  const tenant = simulatedTenant(backend.databasePath);
  const key = aitl(backend.databasePath, ['keys', 'create', '--tenant', tenant, '--role', 'admin']).trim().split('\n').pop()!;
  await backend.start();

  // Seed 1 promotes a variants version in cycle 1. Roll it back over the API first, so the page has an earlier
  // promoted version to restore.
  const before = (await call(`${backend.url}/v1/insights/flywheel`, key)) as { current: Record<string, string> };
  const promoted = before.current.variants!;
  expect(promoted).not.toBe('variants-default');
  await call(`${backend.url}/v1/admin/flywheel/rollback`, key, { method: 'POST', body: JSON.stringify({ version: 'variants-default' }) });

  const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 }, acceptDownloads: true });
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.accept();
    });

    await page.goto(`${backend.url}/analyst`);
    await page.getByLabel('Analyst or admin key').fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect(page.getByText(`Tenant ${tenant}, role admin.`)).toBeVisible();
    await expect(page.locator('#current-versions dd[data-kind="variants"]')).toHaveText('variants-default');

    for (const id of CHARTS) {
      const chart = page.locator(`#${id}`);
      const svg = chart.locator('svg[role="img"]');
      await expect(svg, id).toHaveCount(1);
      expect(await svg.getAttribute('aria-label'), id).toMatch(/\d/);
      // Marks drawn, beyond axes and grid.
      expect(
        await svg.locator('g[aria-label="bar"] > *, g[aria-label="rect"] > *, g[aria-label="dot"] > *, g[aria-label="line"] > *').count(),
        id,
      ).toBeGreaterThan(0);
      // The same numbers in the table view.
      expect(await chart.locator('.table-view tbody tr').count(), id).toBeGreaterThan(0);
      // Keyboard focus shows the tip with numbers, as hovering does.
      await svg.focus();
      await expect(svg.locator('g[aria-label="tip"]'), id).toContainText(/\d/);
      await page.keyboard.press('ArrowRight');
      await expect(chart.locator('[aria-live="polite"]'), id).toContainText(/\d/);
    }
    // Hover shows the tip too.
    await page.locator('#chart-preferences svg[role="img"]').blur();
    await page.locator('#chart-preferences svg[role="img"]').hover();
    await expect(page.locator('#chart-preferences g[aria-label="tip"]')).toContainText('win rate');
    // The table view can be shown on screen.
    const toggle = page.locator('#chart-activity .table-toggle');
    await toggle.click();
    await expect(toggle).toHaveAttribute('aria-expanded', 'true');
    await expect(page.locator('#chart-activity table')).toBeVisible();

    // Gap queue: rows, sortable, and a CSV with a header and the same rows.
    const gapRows = page.locator('#gaps tbody tr');
    expect(await gapRows.count()).toBeGreaterThan(0);
    await page.locator('#gaps button.sort[data-key="title"]').click();
    await expect(page.locator('#gaps th[aria-sort]')).toHaveAttribute('aria-sort', 'ascending');
    const titles = await page.locator('#gaps tbody td.title').allTextContents();
    expect(titles).toEqual([...titles].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^aitl-gaps-${tenant}-\\d{4}-\\d{2}-\\d{2}\\.csv$`));
    const lines = readFileSync((await download.path())!, 'utf8')
      .replace(/^\ufeff/, '')
      .split('\r\n')
      .filter(Boolean);
    expect(csvLine(lines[0]!)).toEqual([
      'gap_id',
      'title',
      'reports',
      'agents',
      'first_seen',
      'last_seen',
      'example_tickets',
      'outdated_article_ids',
    ]);
    expect(lines).toHaveLength((await gapRows.count()) + 1);
    expect(lines.slice(1).map((l) => csvLine(l)[1])).toEqual(titles);

    // Rollback from the page: only on restorable versions, confirmed first, then the page shows it current.
    const restore = page.getByRole('button', { name: `Roll back to ${promoted}` });
    await restore.click();
    await expect(page.locator('#rollback-status')).toHaveText(
      `Rolled back variants: variants-default → ${promoted}. Agents are served ${promoted} now.`,
    );
    expect(dialogs).toEqual([`Make ${promoted} the variants version that every agent is served, from now on?`]);
    await expect(page.locator('#current-versions dd[data-kind="variants"]')).toHaveText(promoted);
    await expect(page.locator(`tr[data-version="${promoted}"] .badge`)).toHaveText('promoted (serving)');
    await expect(page.getByRole('button', { name: `Roll back to ${promoted}` })).toHaveCount(0);

    await page.evaluate(() => window.scrollTo(0, 0)); // else the sticky section bar is drawn mid-page
    await page.screenshot({ path: 'test-results/analyst-console.png', fullPage: true });

    // Fits 1280 px without scrolling sideways; the charts' library loaded under the strict CSP without complaint.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(1280);
    expect(problems).toEqual([]);
  } finally {
    await browser.close();
  }
});
