/**
 * Exactly once, with the MV3 service worker stopped at every point of an annotation's life, in real Chromium.
 *
 * The extension talks to the real backend through a small HTTP proxy of this test's own, which can hold, forward
 * or cut each sync request. Each iteration sends a seeded number (1–5) of `annotate` messages from an extension
 * page (as the sidebar's content script does) and stops the worker through CDP at one kill point:
 *
 * - `a:before-commit`            right after the messages are sent, before (or while) the outbox commits them;
 * - `b:after-commit`             once every message was answered `{ok: true}`, before the debounced sync starts;
 * - `c:in-flight`                the sync request reached the proxy, which holds it; stopped, the server never sees it;
 * - `c:in-flight-commit-later`   likewise, but the proxy forwards it after the stop: the server commits for a dead client;
 * - `d:response-lost`            the proxy forwarded it and the server committed; stopped instead of answering;
 * - `d:answered`                 the proxy answered, and the worker is stopped right after, before or while it settles.
 *
 * The kill points come in a seeded order, each once per six iterations. Before each iteration the worker is woken
 * (an `outbox.flush` message) and the outbox drained. A stopped worker leaves its claimed batch inflight under a
 * 60 s lease; instead of waiting that out, the test lets exactly the leases the dead worker took run out in the
 * extension's IndexedDB (see cdp.ts `expireLeases`), as if the time had passed.
 *
 * At the end: the ids the backend stored (its SQLite, counted by id) are every acknowledged id, each once; ids
 * whose answer never came may be absent or stored once; nothing else is stored, nothing is a dead letter, the
 * outbox is empty.
 *
 *   AITL_SOAK_ITERATIONS (default 6)   iterations; `npm run soak:outbox` runs 60
 *   AITL_SOAK_SEED (default 1)          the seed of the kill points, counts and delays
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { CLAIM_LEASE_MS } from '../../extension/outbox/outbox.ts';
import type { AnnotationDraft } from '../../shared/messages.ts';
import { KINDS, makeAnnotation } from '../helpers/annotations.ts';
import { seeded } from '../unit/extension/helpers.ts';
import {
  controlServiceWorker,
  expireLeases,
  extensionIdOf,
  openExtensionPage,
  readOutbox,
  type ServiceWorkerControl,
  withoutServiceWorkerNetworkInspection,
} from './cdp.ts';
import { expect, launchWithExtension, pointExtensionAt, serviceWorkerOf, test } from './fixtures.ts';

const ITERATIONS = Math.max(1, Number(process.env.AITL_SOAK_ITERATIONS ?? 6) || 6);
const SEED = Number(process.env.AITL_SOAK_SEED ?? 1) || 1;

const KILL_POINTS = ['a:before-commit', 'b:after-commit', 'c:in-flight', 'c:in-flight-commit-later', 'd:response-lost', 'd:answered'] as const;
type KillPoint = (typeof KILL_POINTS)[number];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------------
// The proxy between the extension and the backend.

interface Forwarded {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** One sync request as the proxy holds it. */
interface Exchange {
  ids: string[];
  /** Sends the request on to the backend and reads its whole answer (so the backend has committed). */
  forward(): Promise<Forwarded>;
  /** Answers the extension (ignored when it is gone). */
  answer(response: Forwarded): void;
  /** Cuts the connection without an answer. */
  destroy(): void;
}

type Handler = (exchange: Exchange) => Promise<void>;

interface ProxyLogEntry {
  ids: string[];
  at: number;
  handler: string;
}

interface Proxy {
  url: string;
  log: ProxyLogEntry[];
  /** The next sync request goes to `handler` (the others pass through); resolves when the handler is done. */
  once(name: string, handler: Handler, timeoutMs: number): Promise<Exchange>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'content-encoding', 'host']);

async function startProxy(target: string): Promise<Proxy> {
  const log: ProxyLogEntry[] = [];
  let armed: { name: string; handler: Handler; done: (exchange: Exchange) => void; failed: (error: unknown) => void } | undefined;

  const passThrough: Handler = async (exchange) => exchange.answer(await exchange.forward());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const isBatch = req.method === 'POST' && req.url === '/v1/annotations:batch';
    let ids: string[] = [];
    if (isBatch) {
      try {
        ids = (JSON.parse(body.toString('utf8')) as { items: { id: string }[] }).items.map((item) => item.id);
      } catch {
        ids = [];
      }
    }
    const exchange: Exchange = {
      ids,
      async forward() {
        const headers: Record<string, string> = {};
        for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string' && !HOP_BY_HOP.has(key)) headers[key] = value;
        const response = await fetch(`${target}${req.url ?? '/'}`, {
          method: req.method ?? 'GET',
          headers,
          ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
        });
        const out: Record<string, string> = {};
        response.headers.forEach((value, key) => {
          if (!HOP_BY_HOP.has(key)) out[key] = value;
        });
        return { status: response.status, headers: out, body: Buffer.from(await response.arrayBuffer()) };
      },
      answer(response) {
        if (res.destroyed || res.writableEnded) return;
        res.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
        res.end(response.body);
      },
      destroy() {
        res.destroy();
        req.socket.destroy();
      },
    };
    const mine = isBatch ? armed : undefined;
    if (mine) armed = undefined;
    log.push({ ids, at: Date.now(), handler: mine?.name ?? 'pass' });
    try {
      await (mine?.handler ?? passThrough)(exchange);
      mine?.done(exchange);
    } catch (error) {
      exchange.destroy();
      mine?.failed(error);
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    log,
    once(name, handler, timeoutMs) {
      return new Promise<Exchange>((resolve, reject) => {
        const timer = setTimeout(() => {
          armed = undefined;
          reject(new Error(`${name}: no sync request reached the proxy within ${timeoutMs} ms`));
        }, timeoutMs);
        armed = {
          name,
          handler,
          done: (exchange) => {
            clearTimeout(timer);
            resolve(exchange);
          },
          failed: (error) => {
            clearTimeout(timer);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        };
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The content side: annotate messages from an extension page, their answers kept in the page.

/**
 * What became of one `annotate` message. A worker stopped under the message makes `sendMessage` reject, or resolve
 * with nothing: both are "no answer".
 */
type ReplyState =
  | { state: 'pending' }
  | { state: 'reply'; reply: { ok?: unknown; id?: unknown; message?: unknown } | undefined }
  | { state: 'error'; message: string };

interface PageGlobal {
  chrome: { runtime: { sendMessage(message: unknown): Promise<unknown> } };
  __aitl?: { replies: Record<string, ReplyState>; pending: Record<string, Promise<void>> };
}

/** Sends one `annotate` message per draft without waiting for the answers. */
async function sendAnnotations(page: Page, drafts: AnnotationDraft[]): Promise<void> {
  await page.evaluate((list) => {
    const g = globalThis as unknown as PageGlobal;
    const state = (g.__aitl ??= { replies: {}, pending: {} });
    for (const draft of list) {
      state.replies[draft.id] = { state: 'pending' };
      state.pending[draft.id] = g.chrome.runtime.sendMessage({ type: 'annotate', annotation: draft }).then(
        (reply) => {
          state.replies[draft.id] = { state: 'reply', reply: (reply ?? undefined) as { ok?: unknown } | undefined };
        },
        (error: unknown) => {
          state.replies[draft.id] = { state: 'error', message: String(error) };
        },
      );
    }
  }, drafts);
}

/** Waits (at most `timeoutMs`) for the answers to `ids` and returns them. */
function repliesTo(page: Page, ids: string[], timeoutMs: number): Promise<Record<string, ReplyState>> {
  return page.evaluate(
    async ({ ids, timeoutMs }) => {
      const state = (globalThis as unknown as PageGlobal).__aitl!;
      await Promise.race([Promise.all(ids.map((id) => state.pending[id])), new Promise((resolve) => setTimeout(resolve, timeoutMs))]);
      return Object.fromEntries(ids.map((id) => [id, state.replies[id]!]));
    },
    { ids, timeoutMs },
  );
}

function isAck(id: string, reply: ReplyState): boolean {
  return reply.state === 'reply' && reply.reply?.ok === true && reply.reply.id === id;
}

/** An answer that says "not saved" (as opposed to no answer at all: the worker stopped under the message). */
function isRefusal(reply: ReplyState): boolean {
  return reply.state === 'reply' && reply.reply?.ok === false;
}

/** A valid AnnotationDraft: an annotation without tenant and agent, which the worker stamps. */
function draftOf(kind: (typeof KINDS)[number]): AnnotationDraft {
  const { tenant: _tenant, agent: _agent, ...draft } = makeAnnotation(kind);
  return draft as AnnotationDraft;
}

/** Asks the worker (waking it) to flush until the outbox is empty. */
async function drain(page: Page, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    last = await page.evaluate(() =>
      (globalThis as unknown as PageGlobal).chrome.runtime.sendMessage({ type: 'outbox.flush' }).catch((e: unknown) => String(e)),
    );
    const snapshot = await readOutbox(page);
    if (snapshot.items.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: the outbox did not drain within ${timeoutMs} ms; items ${JSON.stringify(snapshot.items)}; last flush ${JSON.stringify(last)}`,
      );
    }
    await sleep(150);
  }
}

// ---------------------------------------------------------------------------------------------------------------

test("the service worker stopped anywhere in an annotation's life: every acknowledged annotation is stored exactly once", async ({ backend }) => {
  test.setTimeout(45_000 + ITERATIONS * 5_000);
  const started = Date.now();
  const random = seeded(SEED);
  const proxy = await startProxy(backend.url);
  // Else Chromium itself crashes at the `d:answered` kill point: see cdp.ts.
  const restoreInspection = withoutServiceWorkerNetworkInspection();
  const context = await launchWithExtension().catch(async (error: unknown) => {
    restoreInspection();
    await proxy.close();
    throw error;
  });

  const created: string[] = [];
  const acknowledged = new Set<string>();
  const unanswered = new Set<string>();
  const refused: { id: string; reply: ReplyState }[] = [];
  const kills: Record<KillPoint, number> = Object.fromEntries(KILL_POINTS.map((k) => [k, 0])) as Record<KillPoint, number>;
  /** (b) kills where a sync request carrying the batch had already left: the kill point was missed. */
  let afterCommitMissed = 0;
  /** (d:answered) kills that found the batch already settled (removed) vs still in the outbox. */
  const answered = { settledBeforeKill: 0, stillQueued: 0 };
  let leasesExpired = 0;
  let log = '';

  try {
    const worker = await serviceWorkerOf(context);
    await pointExtensionAt(worker, proxy.url);
    const page = await openExtensionPage(context, extensionIdOf(worker));
    const control: ServiceWorkerControl = await controlServiceWorker(context, page, worker.url());

    let killedAt = 0;
    const kill = async () => {
      killedAt = Date.now();
      expect(await control.stop(), 'the worker was running when a kill point came').toBe(true);
    };

    // A seeded order of the kill points, each once per round of six.
    let round: KillPoint[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      if (round.length === 0) {
        round = [...KILL_POINTS];
        for (let j = round.length - 1; j > 0; j--) {
          const k = Math.floor(random() * (j + 1));
          [round[j], round[k]] = [round[k]!, round[j]!];
        }
      }
      const point = round.shift()!;
      const count = 1 + Math.floor(random() * 5);
      const drafts = Array.from({ length: count }, (_, n) => draftOf(KINDS[(i + n) % KINDS.length]!));
      const ids = drafts.map((d) => d.id);
      created.push(...ids);
      const what = `iteration ${i} (${point}, ${count} annotations, seed ${SEED})`;

      // Start from an awake, idle worker and an empty outbox: the kill point is then the only thing going on.
      await drain(page, `before ${what}`);

      let replies: Record<string, ReplyState>;
      switch (point) {
        case 'a:before-commit': {
          await sendAnnotations(page, drafts);
          const delay = Math.floor(random() * 12);
          if (delay > 0) await sleep(delay);
          await kill();
          replies = await repliesTo(page, ids, 10_000);
          break;
        }
        case 'b:after-commit': {
          await sendAnnotations(page, drafts);
          replies = await repliesTo(page, ids, 10_000);
          await kill();
          if (proxy.log.some((entry) => entry.at <= killedAt && entry.ids.some((id) => ids.includes(id)))) afterCommitMissed++;
          break;
        }
        case 'c:in-flight':
        case 'c:in-flight-commit-later': {
          const later = point === 'c:in-flight-commit-later';
          const hit = proxy.once(
            point,
            async (exchange) => {
              await kill();
              if (later) await exchange.forward();
              exchange.destroy();
            },
            10_000,
          );
          await sendAnnotations(page, drafts);
          replies = await repliesTo(page, ids, 10_000);
          await hit;
          break;
        }
        case 'd:response-lost':
        case 'd:answered': {
          const answer = point === 'd:answered';
          const hit = proxy.once(
            point,
            async (exchange) => {
              const response = await exchange.forward();
              expect(response.status, `${what}: the backend's answer`).toBe(200);
              if (answer) {
                exchange.answer(response);
                await kill();
              } else {
                await kill();
                exchange.destroy();
              }
            },
            10_000,
          );
          await sendAnnotations(page, drafts);
          replies = await repliesTo(page, ids, 10_000);
          const exchange = await hit;
          if (answer) {
            const queued = new Set((await readOutbox(page)).items.map((item) => item.id));
            if (exchange.ids.some((id) => queued.has(id))) answered.stillQueued++;
            else answered.settledBeforeKill++;
          }
          break;
        }
      }
      kills[point]++;

      for (const id of ids) {
        const reply = replies[id]!;
        if (isAck(id, reply)) acknowledged.add(id);
        else if (isRefusal(reply)) refused.push({ id, reply });
        else unanswered.add(id);
      }
      // The stopped worker's claims would be taken again after their 60 s lease: let exactly those run out.
      leasesExpired += await expireLeases(page, killedAt + CLAIM_LEASE_MS);
      log += `${what}: ${ids.filter((id) => acknowledged.has(id)).length} acknowledged\n`;
    }

    // Wake the worker and let it drain what the last kill left.
    await drain(page, 'the final drain', 30_000);
    const outbox = await readOutbox(page);
    await control.dispose();

    const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
    let rows: { id: string; n: number }[];
    try {
      rows = db.prepare('SELECT id, count(*) AS n FROM annotations GROUP BY id').all() as { id: string; n: number }[];
    } finally {
      db.close();
    }
    const stored = new Set(rows.map((r) => r.id));
    const duplicates = rows.filter((r) => r.n !== 1);
    const dead = outbox.dead;
    const unansweredStored = [...unanswered].filter((id) => stored.has(id)).length;

    const summary = {
      iterations: ITERATIONS,
      seed: SEED,
      created: created.length,
      acknowledged: acknowledged.size,
      stored: stored.size,
      duplicates: duplicates.length,
      dead: dead.length,
      unanswered: unanswered.size,
      unansweredStored,
      refused: refused.length,
      kills,
      afterCommitMissed,
      answered,
      leasesExpired,
      syncRequests: proxy.log.filter((e) => e.ids.length > 0).length,
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    console.log(JSON.stringify(summary));
    const details = `${JSON.stringify(summary)}\n${log}`;

    expect(duplicates, details).toEqual([]);
    expect(dead, details).toEqual([]);
    expect(outbox.items, details).toEqual([]);
    expect(refused, details).toEqual([]);
    // Everything acknowledged as saved is stored…
    expect(
      [...acknowledged].filter((id) => !stored.has(id)),
      `acknowledged but not stored\n${details}`,
    ).toEqual([]);
    // …and nothing is stored that was not sent; what was never answered may be either.
    const allowed = new Set(created);
    expect(
      [...stored].filter((id) => !allowed.has(id)),
      `stored but never created\n${details}`,
    ).toEqual([]);
    expect(
      [...stored].filter((id) => !acknowledged.has(id) && !unanswered.has(id)),
      details,
    ).toEqual([]);
  } finally {
    await context.close();
    restoreInspection();
    await proxy.close();
  }
});
