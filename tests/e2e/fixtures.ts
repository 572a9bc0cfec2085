/**
 * Test fixtures: a really started backend (the `aitl serve` command, SQLite in a temp folder, demo help centre)
 * and a persistent Chromium context with the built extension loaded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type BrowserContext, chromium, test as base, type Worker } from '@playwright/test';
import { findChromium } from './chromium.ts';

/** The slice of the extension API the fixtures use inside the service worker. */
interface ExtensionGlobal {
  chrome: { storage: { local: { set(items: Record<string, unknown>): Promise<void> } } };
}

export const EXTENSION_DIR = resolve('.output/chrome-mv3');

export interface Backend {
  url: string;
  /** The backend's SQLite file, for counting what it stored. */
  databasePath: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => done(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function startBackend(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['backend/bin/aitl.js', 'serve'], {
    env: { ...process.env, AITL_PORT: String(port), AITL_HOST: '127.0.0.1', AITL_DATABASE_URL: join(dataDir, 'aitl.db'), AITL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`backend exited early:\n${output}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/v1/health`)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`backend did not start within 30 s:\n${output}`);
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Launches Chromium with the built extension (or a copy of it) on a profile folder ('' for a throwaway one). */
export async function launchWithExtension(userDataDir = '', extensionDir = EXTENSION_DIR): Promise<BrowserContext> {
  if (!existsSync(join(extensionDir, 'manifest.json'))) throw new Error('Extension not built: run `npx wxt build` first');
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: findChromium(),
    headless: true,
    args: [
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1400, height: 900 },
  });
}

export async function serviceWorkerOf(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker'));
}

/** Points the extension at a backend, as an agent would on the options page. */
export async function pointExtensionAt(worker: Worker, url: string): Promise<void> {
  await worker.evaluate((u) => (globalThis as unknown as ExtensionGlobal).chrome.storage.local.set({ backendUrl: u }), url);
}

export const test = base.extend<{ backend: Backend; context: BrowserContext; serviceWorker: Worker }>({
  backend: async ({}, use) => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'aitl-e2e-'));
    let child: ChildProcess | undefined = await startBackend(port, dataDir);
    await use({
      url: `http://127.0.0.1:${port}`,
      databasePath: join(dataDir, 'aitl.db'),
      stop: async () => {
        await stopProcess(child);
        child = undefined;
      },
      start: async () => {
        child = await startBackend(port, dataDir);
      },
    });
    await stopProcess(child);
    rmSync(dataDir, { recursive: true, force: true });
  },
  // A throwaway profile with the extension, already pointed at this test's backend.
  context: async ({ backend }, use) => {
    const context = await launchWithExtension();
    await pointExtensionAt(await serviceWorkerOf(context), backend.url);
    await use(context);
    await context.close();
  },
  serviceWorker: async ({ context }, use) => {
    await use(await serviceWorkerOf(context));
  },
});

export { expect } from '@playwright/test';
