/**
 * Controlling the extension's MV3 service worker from a test, through the Chrome DevTools Protocol, and looking
 * into the extension's IndexedDB from one of its pages.
 *
 * - `controlServiceWorker` watches the worker's versions (`ServiceWorker.enable` on a page's CDP session) and stops
 *   it on demand (`ServiceWorker.stopWorker`), as Chrome does to an idle or misbehaving worker: its JavaScript
 *   ends where it stands, open IndexedDB transactions abort, fetches in flight are cancelled. Any later extension
 *   event (a runtime message, an alarm) starts a new worker.
 * - `openExtensionPage` opens a page at the extension's origin that runs none of the extension's code (its
 *   manifest.json), so having it open does not wake the worker, while it can still send runtime messages as a
 *   content script would and read or write the extension's IndexedDB.
 */
import type { BrowserContext, CDPSession, Page, Worker } from '@playwright/test';

/**
 * Turns off Playwright's network inspection of service workers (it attaches DevTools' Network domain to every
 * service worker target) until the returned function is called; call it before launching the browser.
 *
 * Why: with that inspection attached, Chromium 156's browser process dies (SIGTRAP, a failed CHECK) when a
 * service worker is stopped within a few milliseconds of a fetch response reaching it: the `d:answered` kill
 * point of worker-kill.spec.ts brought the whole browser down in most runs. Without DevTools attached to the
 * worker's network, as in an agent's browser, it does not happen. Playwright reads the variable each time a
 * service worker target attaches, so it has to stay set while the test runs.
 */
export function withoutServiceWorkerNetworkInspection(): () => void {
  const name = 'PLAYWRIGHT_DISABLE_SERVICE_WORKER_NETWORK';
  const previous = process.env[name];
  process.env[name] = '1';
  return () => {
    if (previous === undefined) delete process.env[name];
    else process.env[name] = previous;
  };
}

export type RunningStatus = 'stopped' | 'starting' | 'running' | 'stopping';

export interface ServiceWorkerControl {
  /** The running status Chrome last reported for the extension's worker. */
  status(): RunningStatus | undefined;
  /**
   * Stops the worker if it is starting or running and resolves once Chrome reports it stopped; `false` when there
   * was nothing to stop.
   */
  stop(): Promise<boolean>;
  dispose(): Promise<void>;
}

/** The extension's id, from its service worker's URL. */
export function extensionIdOf(worker: Worker): string {
  return new URL(worker.url()).host;
}

/** Watches and stops the service worker whose script is `scriptUrl`, through `page`'s CDP session. */
export async function controlServiceWorker(context: BrowserContext, page: Page, scriptUrl: string): Promise<ServiceWorkerControl> {
  const cdp: CDPSession = await context.newCDPSession(page);
  const versions = new Map<string, RunningStatus>();
  const waiters = new Set<() => void>();
  cdp.on('ServiceWorker.workerVersionUpdated', (event) => {
    for (const v of event.versions) {
      if (v.scriptURL === scriptUrl) versions.set(v.versionId, v.runningStatus);
    }
    for (const wake of [...waiters]) wake();
  });
  await cdp.send('ServiceWorker.enable');

  const live = () => [...versions].filter(([, s]) => s !== 'stopped').map(([id]) => id);

  function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`service worker ${scriptUrl}: ${what} within ${timeoutMs} ms (versions: ${JSON.stringify([...versions])})`));
      }, timeoutMs);
      waiters.add(check);
    });
  }

  // The worker that is already running is reported right after `enable`.
  await until(() => versions.size > 0, 5_000, 'no version reported');

  return {
    status() {
      const statuses = [...versions.values()];
      return statuses.find((s) => s !== 'stopped') ?? statuses[0];
    },
    async stop() {
      const ids = live();
      if (ids.length === 0) return false;
      await Promise.all(ids.map((versionId) => cdp.send('ServiceWorker.stopWorker', { versionId })));
      await until(() => ids.every((id) => versions.get(id) === 'stopped'), 10_000, 'not stopped');
      return true;
    },
    async dispose() {
      await cdp.detach().catch(() => undefined);
    },
  };
}

/** A page at the extension's origin that runs none of its code: see the file comment. */
export async function openExtensionPage(context: BrowserContext, extensionId: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`chrome-extension://${extensionId}/manifest.json`);
  return page;
}

/** What the outbox's IndexedDB holds, read from an extension page (keys only, and the dead letters' reasons). */
export interface OutboxSnapshot {
  items: { id: string; state: string; leaseUntil: number; attempts: number }[];
  dead: { id: string; code: string; message: string }[];
}

/** Reads the outbox (`aitl-outbox`) from `page`; empty when the database does not exist yet. */
export function readOutbox(page: Page): Promise<OutboxSnapshot> {
  return page.evaluate(
    () =>
      new Promise<OutboxSnapshot>((resolve, reject) => {
        const open = indexedDB.open('aitl-outbox');
        // Never create the database: that is the extension's job (Dexie sets the schema).
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onerror = () => resolve({ items: [], dead: [] });
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['items', 'dead'], 'readonly');
          const items = tx.objectStore('items').getAll();
          const dead = tx.objectStore('dead').getAll();
          tx.oncomplete = () => {
            db.close();
            resolve({
              items: (items.result as OutboxSnapshot['items']).map(({ id, state, leaseUntil, attempts }) => ({ id, state, leaseUntil, attempts })),
              dead: (dead.result as OutboxSnapshot['dead']).map(({ id, code, message }) => ({ id, code, message })),
            });
          };
          tx.onerror = () => {
            db.close();
            reject(tx.error);
          };
        };
      }),
  );
}

/**
 * Lets the leases of inflight items that end at or before `leasesEndingBy` (ms) run out, as if that much time had
 * passed: their leaseUntil becomes 0, so the next claim takes them again. Answers how many it touched. Used after
 * stopping a worker that had claimed them, instead of waiting out the 60 s lease.
 */
export function expireLeases(page: Page, leasesEndingBy: number): Promise<number> {
  return page.evaluate(
    (by) =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('aitl-outbox');
        open.onupgradeneeded = () => open.transaction?.abort();
        open.onerror = () => resolve(0);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('items', 'readwrite');
          const store = tx.objectStore('items');
          let touched = 0;
          const cursor = store.openCursor();
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return;
            const item = c.value as { state: string; leaseUntil: number };
            if (item.state === 'inflight' && item.leaseUntil > 0 && item.leaseUntil <= by) {
              c.update({ ...item, leaseUntil: 0 });
              touched++;
            }
            c.continue();
          };
          tx.oncomplete = () => {
            db.close();
            resolve(touched);
          };
          tx.onerror = () => {
            db.close();
            reject(tx.error);
          };
        };
      }),
    leasesEndingBy,
  );
}
