/**
 * `npm run bench:hosts`: what the extension costs a help-desk page. Prints one JSON line with each content
 * script's size (raw and gzipped; goal ≤ 50 kB gzipped) and the long tasks (PerformanceObserver `longtask`) on
 * the saved Zendesk Agent Workspace during load and two ticket switches, with the extension and — the peer —
 * without it, in the same run. Needs `wxt build` first (the npm script does it).
 */
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BrowserContext, chromium } from '@playwright/test';
import { loadConfig } from '../../backend/config.ts';
import { startServer } from '../../backend/server.ts';
import { findChromium } from '../e2e/chromium.ts';

const EXTENSION = resolve('.output/chrome-mv3');
const ORIGIN = 'https://acme.zendesk.com';
const ASSETS: Record<string, string> = {
  '/fixture-assets/agent.js': resolve('tests/fixtures/zendesk/agent.js'),
  '/fixture-assets/ckeditor5.js': resolve('node_modules/ckeditor5/dist/browser/ckeditor5.js'),
  '/fixture-assets/ckeditor5.css': resolve('node_modules/ckeditor5/dist/browser/ckeditor5.css'),
};

function sizes() {
  const dir = join(EXTENSION, 'content-scripts');
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith('.js'))
      .map((f) => {
        const bytes = readFileSync(join(dir, f));
        return [f.replace(/\.js$/, ''), { raw_kb: kb(bytes.length), gzip_kb: kb(gzipSync(bytes).length) }];
      }),
  );
}

async function longTasks(withExtension: boolean, backendUrl: string) {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
  if (withExtension) args.push(`--disable-extensions-except=${EXTENSION}`, `--load-extension=${EXTENSION}`);
  const profile = mkdtempSync(join(tmpdir(), 'aitl-bench-hosts-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, { executablePath: findChromium(), headless: true, args });
  try {
    if (withExtension) {
      const worker = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
      await worker.evaluate(
        (url) =>
          (globalThis as unknown as { chrome: { storage: { local: { set(v: object): Promise<void> } } } }).chrome.storage.local.set({
            backendUrl: url,
          }),
        backendUrl,
      );
    }
    await context.route(`${ORIGIN}/**`, (route) => {
      const { pathname } = new URL(route.request().url());
      const asset = ASSETS[pathname];
      if (asset) return route.fulfill({ path: asset });
      return route.fulfill({ path: resolve('tests/fixtures/zendesk/agent.html'), contentType: 'text/html' });
    });
    await context.addInitScript(() => {
      const tasks: number[] = [];
      (window as unknown as { __longTasks: number[] }).__longTasks = tasks;
      new PerformanceObserver((list) => list.getEntries().forEach((e) => tasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
    });
    const page = await context.newPage();
    await page.goto(`${ORIGIN}/agent/tickets/48213`);
    await page.waitForSelector('html[data-fixture-ready="true"]');
    if (withExtension) await page.locator('aitl-sidebar .ready[data-ticket-id="48213"]').waitFor();
    for (const id of ['48207', '48213']) {
      await page.locator(`a[data-test-id="header-tab"][data-entity-id="${id}"]`).click();
      if (withExtension) await page.locator(`aitl-sidebar .ready[data-ticket-id="${id}"]`).waitFor();
      else await page.waitForTimeout(500);
    }
    await page.waitForTimeout(300);
    const tasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    return {
      count: tasks.length,
      over_50ms: tasks.filter((d) => d > 50).length,
      max_ms: Math.round(Math.max(0, ...tasks)),
      total_ms: Math.round(tasks.reduce((a, b) => a + b, 0)),
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'aitl-bench-hosts-db-'));
const server = await startServer({ ...loadConfig({}), port: 0, databaseUrl: join(dataDir, 'aitl.db'), logLevel: 'silent' });
try {
  const without = await longTasks(false, server.url);
  const withExt = await longTasks(true, server.url);
  console.log(
    JSON.stringify({
      content_scripts: sizes(),
      zendesk_long_tasks: { without_extension: without, with_extension: withExt, added_over_50ms: withExt.over_50ms - without.over_50ms },
    }),
  );
} finally {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

function kb(bytes: number): number {
  return Math.round((bytes / 1024) * 10) / 10;
}
