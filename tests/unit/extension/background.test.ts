// @vitest-environment happy-dom
/**
 * The background service worker under WXT's fake browser (wxt/testing/fake-browser, wired in by WxtVitest in
 * vitest.config.ts): messages arrive through `runtime.onMessage` as the content scripts and the popup send them, the
 * worker's one handler table answers each type in its Replies shape, anything else gets the one Failure shape (never
 * a throw), and the outbox's alarm and `online` wiring drains the queue. The backend is a fake `fetch`; IndexedDB is
 * fake-indexeddb.
 */
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import background, { createHandlers, type MessageSender, startWorker, type Worker } from '../../../extension/entrypoints/background.ts';
import { agentId, hostConfigCache } from '../../../extension/settings/settings.ts';
import { OutboxDb } from '../../../extension/outbox/db.ts';
import { OUTBOX_ALARM } from '../../../extension/outbox/scheduler.ts';
import type { Annotation } from '../../../shared/annotations.ts';
import { type AnnotationDraft, Message, type MessageOf, type MessageType, Replies, type ReplyOf } from '../../../shared/messages.ts';
import { DeadLetterExport } from '../../../shared/outbox-messages.ts';
import type { TicketContext } from '../../../shared/ticket.ts';
import { PASSWORD_SUGGESTION } from '../../helpers/suggestions.ts';
import { annotationOfSize, makeAnnotation } from './helpers.ts';

const BACKEND = 'http://127.0.0.1:8787';
const ours = (): MessageSender => ({ id: fakeBrowser.runtime.id });

/** A backend at the default URL: the routes the worker calls, and what it was asked. */
function fakeBackend() {
  const backend = {
    /** false: the connection fails (offline, backend down). */
    up: true,
    /** Answered to POST /v1/annotations:batch instead of committing, when set. */
    syncStatus: undefined as number | undefined,
    suggestStatus: 200,
    role: 'agent' as 'agent' | 'analyst' | 'admin',
    config: { selectors: { zendesk: { composer: ['.from-tenant'] } } } as unknown,
    stored: new Map<string, Annotation>(),
    reports: [] as unknown[],
    calls: [] as string[],
  };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const error = (status: number, code: string) => json({ error: { code, message: `${code} (${status})` } }, status);
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const { pathname } = new URL(request.url);
    backend.calls.push(`${request.method} ${pathname}`);
    if (!backend.up) throw new TypeError('Failed to fetch');
    switch (`${request.method} ${pathname}`) {
      case 'POST /v1/annotations:batch': {
        if (backend.syncStatus !== undefined) return error(backend.syncStatus, 'unauthorized');
        const { items } = (await request.json()) as { items: Annotation[] };
        return json({
          results: items.map((a) => {
            const duplicate = backend.stored.has(a.id);
            backend.stored.set(a.id, a);
            return { id: a.id, status: duplicate ? 'duplicate' : 'accepted' };
          }),
        });
      }
      case 'POST /v1/suggestions':
        return backend.suggestStatus === 200 ? json(PASSWORD_SUGGESTION) : error(backend.suggestStatus, 'forbidden');
      case 'GET /v1/whoami':
        return json({ tenant: 'acme', role: backend.role, keyId: 'k1' });
      case 'GET /v1/config':
        return json(backend.config);
      case 'POST /v1/page-reports':
        backend.reports.push(await request.json());
        return json({ id: 'r1' });
      case 'GET /v1/health':
        return json({ status: 'ok', schemaVersion: 1, store: 'sqlite', modelVersion: 'builtin-extractive@1', indexVersion: 'bm25f@x', passages: 12 });
      default:
        return error(404, 'not_found');
    }
  };
  return { backend, fetch };
}

let backend: ReturnType<typeof fakeBackend>['backend'];
let worker: Worker | undefined;

beforeEach(() => {
  fakeBrowser.reset();
  const fake = fakeBackend();
  backend = fake.backend;
  vi.spyOn(globalThis, 'fetch').mockImplementation(fake.fetch);
});

afterEach(async () => {
  if (worker) {
    worker.outbox.scheduler.stop();
    await worker.outbox.scheduler.idle();
    worker = undefined;
  }
  // Emptied through a second connection (the worker's stays open, as in a browser): the next test starts with none.
  const db = new OutboxDb();
  await Promise.all([db.items.clear(), db.dead.clear(), db.meta.clear()]);
  db.close();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** Sends `message` as `runtime.sendMessage` would, from `sender`; undefined when the worker does not answer. */
async function ask(message: unknown, sender: MessageSender = ours()): Promise<unknown> {
  let respond!: (reply: unknown) => void;
  const answered = new Promise<unknown>((resolve) => (respond = resolve));
  const kept = await fakeBrowser.runtime.onMessage.trigger(message, sender, respond);
  return (kept as unknown[]).includes(true) ? answered : undefined;
}

/** Asks, then checks the answer against the protocol's schema for the message's type. */
async function askTyped<T extends MessageType>(message: MessageOf<T> & { type: T }): Promise<ReplyOf<T>> {
  return Replies[message.type].parse(await ask(message)) as ReplyOf<T>;
}

function draft(i = 1, annotation: Annotation = makeAnnotation(i)): AnnotationDraft {
  const { tenant: _tenant, agent: _agent, ...rest } = annotation;
  return rest as AnnotationDraft;
}

const TICKET: TicketContext = {
  host: 'demo',
  ticketId: '1001',
  subject: 'Password',
  messages: [{ role: 'customer', text: 'How do I reset my password?' }],
};

describe('the background worker', () => {
  it('is the WXT background entrypoint, and registers its listeners synchronously at start', () => {
    expect(typeof background.main).toBe('function');
    expect(fakeBrowser.runtime.onMessage.hasListeners()).toBe(false);
    worker = startWorker();
    expect(fakeBrowser.runtime.onMessage.hasListeners()).toBe(true);
    expect(fakeBrowser.alarms.onAlarm.hasListeners()).toBe(true);
  });

  it('has one handler per message type of the protocol', () => {
    worker = startWorker();
    const types = Message.options.map((option) => option.shape.type.value);
    expect(Object.keys(worker.handlers).sort()).toEqual([...types].sort());
    expect(Object.keys(createHandlers(worker.outbox)).sort()).toEqual(Object.keys(Replies).sort());
  });

  it('answers only its own content scripts and pages', async () => {
    worker = startWorker();
    expect(await ask({ type: 'outbox.stats' }, { id: 'some-other-extension' })).toBeUndefined();
    expect(await ask({ type: 'outbox.stats' }, {})).toBeUndefined();
    expect(await ask({ type: 'outbox.stats' })).toMatchObject({ ok: true });
  });
});

describe('the handler table', () => {
  it('suggest: asks the backend for the ticket and answers the suggestion', async () => {
    worker = startWorker();
    expect(await askTyped({ type: 'suggest', ticket: TICKET })).toEqual({ ok: true, suggestion: PASSWORD_SUGGESTION });
    expect(backend.calls).toContain('POST /v1/suggestions');
  });

  it('suggest: a 403 for a key whose role cannot ask says so ("forbidden"), in the Failure shape', async () => {
    worker = startWorker();
    backend.suggestStatus = 403;
    backend.role = 'analyst';
    expect(await askTyped({ type: 'suggest', ticket: TICKET })).toEqual({
      ok: false,
      kind: 'forbidden',
      message: 'This API key has the analyst role; the sidebar needs an agent key.',
    });
  });

  it('suggest: an unreachable backend is a Failure the sidebar can explain', async () => {
    worker = startWorker();
    backend.up = false;
    expect(await askTyped({ type: 'suggest', ticket: TICKET })).toMatchObject({ ok: false, kind: 'unreachable' });
  });

  it('annotate: stamps tenant and agent, queues durably, answers the id, and the kick syncs it', async () => {
    worker = startWorker();
    const d = draft(1);
    expect(await askTyped({ type: 'annotate', annotation: d })).toEqual({ ok: true, id: d.id });
    await vi.waitFor(() => expect(backend.stored.has(d.id)).toBe(true), { timeout: 5_000 });
    expect(backend.stored.get(d.id)).toMatchObject({ ...d, tenant: 'default', agent: await agentId.getValue() });
    expect(await askTyped({ type: 'outbox.stats' })).toMatchObject({ ok: true, stats: { pending: 0, inflight: 0 } });
  });

  it("annotateAs: with a personal key the browser's agent id is recorded, not the page's agent", async () => {
    worker = startWorker();
    const d = draft(2);
    expect(await askTyped({ type: 'annotateAs', annotation: d, pageAgent: { email: 'ann@example.com' } })).toEqual({ ok: true, id: d.id });
    await vi.waitFor(() => expect(backend.stored.get(d.id)).toMatchObject({ tenant: 'default', agent: expect.stringMatching(/^agent-/) }), {
      timeout: 5_000,
    });
    expect(backend.stored.get(d.id)!.agent).toBe(await agentId.getValue());
  });

  it("annotateAs: with a tenant-wide policy key the page's signed-in agent is recorded (plain, as policy says)", async () => {
    await fakeBrowser.storage.managed.set({ keySource: 'policy', agentIdentity: 'plain', tenant: 'acme' });
    worker = startWorker();
    const d = draft(3);
    expect(await askTyped({ type: 'annotateAs', annotation: d, pageAgent: { email: 'Ann@Example.com' } })).toEqual({ ok: true, id: d.id });
    await vi.waitFor(() => expect(backend.stored.get(d.id)).toMatchObject({ tenant: 'acme', agent: 'ann@example.com' }), { timeout: 5_000 });
  });

  it('annotate: the outbox refusing an annotation (over 32 kB) is a "refused" Failure', async () => {
    worker = startWorker();
    const tooBig = draft(1, annotationOfSize(40_000));
    expect(await askTyped({ type: 'annotate', annotation: tooBig })).toEqual({ ok: false, kind: 'refused', message: expect.stringMatching(/32 kB/) });
    expect(await askTyped({ type: 'outbox.stats' })).toMatchObject({ ok: true, stats: { pending: 0 } });
  });

  it("pageSettings: fetches the tenant config, keeps a copy, and answers the page's settings", async () => {
    worker = startWorker();
    expect(await askTyped({ type: 'pageSettings', host: 'zendesk' })).toEqual({
      ok: true,
      settings: {
        enabled: true,
        selectors: { composer: ['.from-tenant'] },
        annotationPrompts: true,
        pairwisePromptPercent: expect.any(Number),
        identifyAgent: false,
      },
    });
    expect(await hostConfigCache.getValue()).toEqual(backend.config);
    // The backend away: the last copy still repairs the page.
    backend.up = false;
    expect(await askTyped({ type: 'pageSettings', host: 'zendesk' })).toMatchObject({
      ok: true,
      settings: { selectors: { composer: ['.from-tenant'] } },
    });
  });

  it('pageSettings: a host policy turned off is not enabled', async () => {
    await fakeBrowser.storage.managed.set({ enabledHosts: ['demo'] });
    worker = startWorker();
    expect(await askTyped({ type: 'pageSettings', host: 'salesforce' })).toMatchObject({ ok: true, settings: { enabled: false } });
  });

  it('reportPage: sends the report to the backend', async () => {
    worker = startWorker();
    const report = {
      host: 'zendesk' as const,
      url: 'https://acme.zendesk.com/agent/tickets/1',
      reason: 'no composer',
      extensionVersion: '0.1.0',
      clientTime: new Date().toISOString(),
    };
    expect(await askTyped({ type: 'reportPage', report })).toEqual({ ok: true });
    expect(backend.reports).toEqual([report]);
    backend.up = false;
    expect(await askTyped({ type: 'reportPage', report })).toMatchObject({ ok: false, kind: 'unreachable' });
  });

  it('openOptions: opens the options page for the content script', async () => {
    worker = startWorker();
    const open = vi.spyOn(fakeBrowser.runtime, 'openOptionsPage').mockResolvedValue(undefined);
    expect(await askTyped({ type: 'openOptions' })).toEqual({ ok: true });
    expect(open).toHaveBeenCalledTimes(1);
  });

  it('outbox.stats, outbox.deadLetters and outbox.exportDeadLetters: the queue as the popup shows it', async () => {
    worker = startWorker();
    backend.syncStatus = 401;
    const a = draft(1);
    const b = draft(2);
    await askTyped({ type: 'annotate', annotation: a });
    await askTyped({ type: 'annotate', annotation: b });
    expect(await askTyped({ type: 'outbox.stats' })).toMatchObject({ ok: true, stats: { pending: 2, deadLetters: 0 } });
    await worker.outbox.outbox.deadLetter([a.id], 'validation_failed', 'bad rank');
    expect(await askTyped({ type: 'outbox.deadLetters' })).toMatchObject({
      ok: true,
      items: [{ id: a.id, code: 'validation_failed', message: 'bad rank' }],
    });
    const exported = await askTyped({ type: 'outbox.exportDeadLetters' });
    if (!exported.ok) throw new Error(exported.message);
    expect(exported.count).toBe(1);
    expect(DeadLetterExport.parse(JSON.parse(exported.json)).items.map((i) => i.id)).toEqual([a.id]);
  });

  it('outbox.flush: syncs now and reports; outbox.health: says whether the backend answers', async () => {
    worker = startWorker();
    backend.syncStatus = 401;
    const d = draft(1);
    await askTyped({ type: 'annotate', annotation: d });
    await vi.waitFor(async () => expect(await fakeBrowser.alarms.get(OUTBOX_ALARM)).toBeDefined(), { timeout: 5_000 });
    backend.syncStatus = undefined;
    // "Sync now" goes even during the key's backoff.
    expect(await askTyped({ type: 'outbox.flush' })).toMatchObject({ ok: true, report: { status: 'drained' } });
    expect(backend.stored.has(d.id)).toBe(true);
    expect(await askTyped({ type: 'outbox.health' })).toEqual({
      ok: true,
      reachable: true,
      baseUrl: BACKEND,
      message: 'Connected: 12 knowledge passages, model builtin-extractive@1.',
    });
    backend.up = false;
    expect(await askTyped({ type: 'outbox.health' })).toMatchObject({ ok: true, reachable: false, baseUrl: BACKEND });
  });
});

describe('what the worker does not understand', () => {
  it.each([
    ['an unknown type', { type: 'outbox.purge' }, 'Unknown message: outbox.purge'],
    ['the removed hostConfig message', { type: 'hostConfig' }, 'Unknown message: hostConfig'],
    ['a message without a type', { ticket: {} }, 'Unknown message'],
    ['a string', 'outbox.stats', 'Unknown message'],
    ['null', null, 'Unknown message'],
    ['a known type with a bad body', { type: 'pageSettings', host: 'jira' }, 'Malformed message: pageSettings'],
    ['a suggest without a ticket', { type: 'suggest' }, 'Malformed message: suggest'],
  ])('%s gets the Failure shape', async (_what, message, text) => {
    worker = startWorker();
    expect(await ask(message)).toEqual({ ok: false, kind: 'invalid_response', message: text });
  });

  it('a handler that throws gets the Failure shape too', async () => {
    worker = startWorker();
    vi.spyOn(fakeBrowser.runtime, 'openOptionsPage').mockRejectedValue(new Error('No options page.'));
    expect(await askTyped({ type: 'openOptions' })).toEqual({ ok: false, kind: 'refused', message: 'No options page.' });
    worker.outbox.scheduler.stop();
    expect(await askTyped({ type: 'outbox.flush' })).toEqual({ ok: false, kind: 'refused', message: 'The outbox scheduler is stopped.' });
  });
});

describe('the outbox alarm', () => {
  it('exists while annotations wait, wakes a sync when due, and is cleared once the queue is empty', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    worker = startWorker();
    await worker.outbox.scheduler.idle();
    expect(await fakeBrowser.alarms.get(OUTBOX_ALARM)).toBeUndefined();

    // The key is refused: the kick's sync backs off for minutes, and the alarm keeps the queue in mind.
    backend.syncStatus = 401;
    const d = draft(1);
    await askTyped({ type: 'annotate', annotation: d });
    await vi.waitFor(async () => expect(await fakeBrowser.alarms.get(OUTBOX_ALARM)).toMatchObject({ periodInMinutes: 0.5 }), { timeout: 5_000 });
    const stats = await askTyped({ type: 'outbox.stats' });
    if (!stats.ok) throw new Error(stats.message);
    expect(stats.stats).toMatchObject({ pending: 1, lastError: { message: expect.stringContaining('API key missing or not allowed') } });
    expect(stats.stats.nextAttemptAt).toBeGreaterThan(Date.now());

    // The alarm before the backoff ends: nothing is sent.
    backend.syncStatus = undefined;
    const before = backend.calls.length;
    await fakeBrowser.alarms.onAlarm.trigger({ name: OUTBOX_ALARM, scheduledTime: Date.now(), persistAcrossSessions: false });
    await worker.outbox.scheduler.idle();
    expect(backend.calls.length).toBe(before);

    // Once it has ended, the alarm's wake-up syncs, and the empty queue needs no alarm any more.
    vi.setSystemTime(stats.stats.nextAttemptAt! + 1);
    await fakeBrowser.alarms.onAlarm.trigger({ name: OUTBOX_ALARM, scheduledTime: Date.now(), persistAcrossSessions: false });
    await worker.outbox.scheduler.idle();
    expect(backend.stored.has(d.id)).toBe(true);
    expect(await fakeBrowser.alarms.get(OUTBOX_ALARM)).toBeUndefined();
  });

  it("the worker's `online` event syncs at once, even during a backoff", async () => {
    worker = startWorker();
    backend.syncStatus = 401;
    const d = draft(1);
    await askTyped({ type: 'annotate', annotation: d });
    await vi.waitFor(async () => expect(await fakeBrowser.alarms.get(OUTBOX_ALARM)).toBeDefined(), { timeout: 5_000 });
    backend.syncStatus = undefined;
    globalThis.dispatchEvent(new Event('online'));
    await vi.waitFor(() => expect(backend.stored.has(d.id)).toBe(true), { timeout: 5_000 });
    await worker.outbox.scheduler.idle();
    expect(await fakeBrowser.alarms.get(OUTBOX_ALARM)).toBeUndefined();
  });
});
