import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { OutboxDb } from '../../../extension/outbox/db.ts';
import { createOutbox, type Outbox } from '../../../extension/outbox/outbox.ts';
import {
  AUTH_BACKOFF_MS,
  AUTH_ERROR_MESSAGE,
  BACKOFF_CAP_MS,
  createSyncer,
  parseRetryAfter,
  REQUEST_TIMEOUT_MS,
  type SyncerDeps,
} from '../../../extension/outbox/sync.ts';
import type { Annotation } from '../../../shared/annotations.ts';
import { type Behaviour, fakeClock, fakeLocks, fakeServer, freshDb, makeAnnotation, seeded, type FakeServer } from './helpers.ts';

const BASE_URL = 'http://backend.test';

interface Rig {
  db: OutboxDb;
  outbox: Outbox;
  clock: ReturnType<typeof fakeClock>;
  server: FakeServer;
  created: Annotation[];
  syncer: (overrides?: Partial<SyncerDeps>) => ReturnType<typeof createSyncer>;
  addMany: (n: number) => Promise<Annotation[]>;
}

async function rig(n: number, behave?: Parameters<typeof fakeServer>[0]): Promise<Rig> {
  const clock = fakeClock();
  const db = freshDb();
  const outbox = createOutbox(db, { now: clock.now });
  const server = fakeServer(behave);
  const created: Annotation[] = [];
  const addMany = async (count: number) => {
    const added: Annotation[] = [];
    for (let i = 0; i < count; i++) {
      const a = makeAnnotation(created.length, clock.now());
      expect(await outbox.add(a)).toMatchObject({ ok: true });
      created.push(a);
      added.push(a);
      clock.advance(1);
    }
    return added;
  };
  await addMany(n);
  const syncer = (overrides: Partial<SyncerDeps> = {}) =>
    createSyncer({
      outbox,
      config: async () => ({ baseUrl: BASE_URL }),
      fetch: server.fetch,
      now: clock.now,
      sleep: clock.sleep,
      random: () => 0.5,
      locks: null,
      inlineRetryBudgetMs: 0,
      ...overrides,
    });
  return { db, outbox, clock, server, created, syncer, addMany };
}

const ids = (list: { id: string }[]) => list.map((a) => a.id).sort();

describe('syncer: the happy path', () => {
  it('drains the outbox in batches of at most 100, then records the sync', async () => {
    const r = await rig(250);
    const report = await r.syncer().flush();
    expect(report).toEqual({ status: 'drained', batches: 3, requests: 3, accepted: 250, duplicate: 0, rejected: 0 });
    expect(r.server.requests.map((q) => q.ids.length)).toEqual([100, 100, 50]);
    expect(r.server.requests[0]!.url).toBe(`${BASE_URL}/v1/annotations:batch`);
    expect(r.server.requests[0]!.body.sentAt).toBe(new Date(r.clock.now()).toISOString());
    expect(r.server.requests[0]!.authorization).toBeNull();
    expect([...r.server.stored.keys()].sort()).toEqual(ids(r.created));
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 0, lastSyncAt: r.clock.now(), nextAttemptAt: null });
  });

  it('sends the API key as a bearer token when one is configured', async () => {
    const r = await rig(1);
    await r.syncer({ config: async () => ({ baseUrl: `${BASE_URL}/`, apiKey: 'k-123' }) }).flush();
    expect(r.server.requests[0]).toMatchObject({ authorization: 'Bearer k-123', url: `${BASE_URL}/v1/annotations:batch` });
  });

  it('with nothing queued, sends nothing', async () => {
    const r = await rig(0);
    expect(await r.syncer().flush()).toMatchObject({ status: 'drained', batches: 0, requests: 0 });
    expect(r.server.requests).toHaveLength(0);
  });

  it('dead-letters items the server rejects, removes the rest', async () => {
    const r = await rig(3, () => ({
      kind: 'commit-and-answer',
      body: (results) => ({
        results: results.map((x, i) =>
          i === 1 ? { id: x.id, status: 'rejected', error: { code: 'conflict', message: 'id reused with other content' } } : x,
        ),
      }),
    }));
    const report = await r.syncer().flush();
    expect(report).toMatchObject({ status: 'drained', accepted: 2, rejected: 1 });
    // (The fake committed all three; what matters is what the client did with the verdicts.)
    expect(await r.outbox.deadLetters()).toEqual([
      expect.objectContaining({ id: r.created[1]!.id, code: 'conflict', message: 'id reused with other content' }),
    ]);
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 1 });
  });
});

describe('syncer: transient failures are retried with backoff, never dead-lettered', () => {
  const cases: [string, Behaviour][] = [
    ['500', { kind: 'status', status: 500 }],
    ['502', { kind: 'status', status: 502 }],
    ['503', { kind: 'status', status: 503 }],
    ['408', { kind: 'status', status: 408 }],
    ['425', { kind: 'status', status: 425 }],
    ['429', { kind: 'status', status: 429 }],
    ['network error', { kind: 'drop' }],
    ['404 (an older backend without the route)', { kind: 'status', status: 404 }],
    ['200 with a body that is not a SyncResponse', { kind: 'commit-and-answer', body: () => ({ ok: true }) }],
  ];

  it.each(cases)('%s: releases the batch, backs off, then succeeds', async (_, failure) => {
    const r = await rig(5, (_req, index) => (index < 3 ? failure : { kind: 'ok' }));
    const syncer = r.syncer();
    for (let attempt = 0; attempt < 3; attempt++) {
      const report = await syncer.flush();
      // Full jitter with random() = 0.5: half of min(cap, 1 s · 2^attempt).
      const delay = 0.5 * 1000 * 2 ** attempt;
      expect(report).toMatchObject({ status: 'backoff', nextAttemptAt: r.clock.now() + delay });
      expect(await r.outbox.stats()).toMatchObject({ pending: 5, inflight: 0, deadLetters: 0, nextAttemptAt: r.clock.now() + delay });
      expect((await r.outbox.stats()).lastError?.message).toBeTruthy();
      expect(await r.outbox.getMeta()).toMatchObject({ backoffAttempt: attempt + 1 });
      r.clock.advance(delay);
    }
    const last = await syncer.flush();
    expect(last).toMatchObject({ status: 'drained' });
    expect(last.accepted + last.duplicate).toBe(5);
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, deadLetters: 0, nextAttemptAt: null });
    expect(await r.outbox.getMeta()).toMatchObject({ backoffAttempt: 0 });
    expect(r.server.stored.size).toBe(5);
  });

  it('a request timeout is transient (the request is aborted after timeoutMs)', async () => {
    const r = await rig(2, (_req, index) => (index === 0 ? { kind: 'hang' } : { kind: 'ok' }));
    const syncer = r.syncer({ timeoutMs: 30 });
    const report = await syncer.flush();
    expect(report).toMatchObject({ status: 'backoff' });
    expect(report.error).toMatch(/did not answer within/);
    expect(await r.outbox.stats()).toMatchObject({ pending: 2, inflight: 0, deadLetters: 0 });
    r.clock.advance(10_000);
    expect(await syncer.flush()).toMatchObject({ status: 'drained', accepted: 2 });
    expect(REQUEST_TIMEOUT_MS).toBe(25_000);
  });

  it('grows exponentially with full jitter up to the 5 min cap, and keeps retrying forever', async () => {
    const r = await rig(1, () => ({ kind: 'status', status: 503 }));
    const syncer = r.syncer({ random: () => 0.999 });
    const delays: number[] = [];
    for (let i = 0; i < 14; i++) {
      const report = await syncer.flush();
      delays.push(report.nextAttemptAt! - r.clock.now());
      r.clock.advance(report.nextAttemptAt! - r.clock.now());
    }
    expect(delays.slice(0, 4)).toEqual([999, 1998, 3996, 7992]);
    expect(delays.at(-1)).toBe(Math.floor(0.999 * BACKOFF_CAP_MS));
    expect(Math.max(...delays)).toBeLessThanOrEqual(BACKOFF_CAP_MS);
    expect(await r.outbox.stats()).toMatchObject({ pending: 1, deadLetters: 0 });
    // Full jitter: random() = 0 means retry at once.
    expect((await r.syncer({ random: () => 0 }).flush()).nextAttemptAt).toBe(r.clock.now());
  });

  it('429 with Retry-After in seconds waits at least that long', async () => {
    const r = await rig(3, (_req, index) => (index === 0 ? { kind: 'status', status: 429, headers: { 'retry-after': '120' } } : { kind: 'ok' }));
    const report = await r.syncer().flush();
    expect(report).toMatchObject({ status: 'backoff', nextAttemptAt: r.clock.now() + 120_000 });
    expect((await r.outbox.stats()).nextAttemptAt).toBe(r.clock.now() + 120_000);
  });

  it('503 with Retry-After as an HTTP date waits until then; a shorter Retry-After does not shorten the backoff', async () => {
    const r = await rig(1);
    const date = new Date(r.clock.now() + 90_000).toUTCString();
    // HTTP dates have whole seconds.
    const wait = parseRetryAfter(date, r.clock.now())!;
    expect(wait).toBeGreaterThan(89_000);
    expect(wait).toBeLessThanOrEqual(90_000);
    expect(parseRetryAfter('garbage', 0)).toBeUndefined();
    expect(parseRetryAfter(null, 0)).toBeUndefined();
    const server = fakeServer((_req, index) =>
      index === 0
        ? { kind: 'status', status: 503, headers: { 'retry-after': date } }
        : { kind: 'status', status: 503, headers: { 'retry-after': '0' } },
    );
    const syncer = r.syncer({ fetch: server.fetch });
    expect(await syncer.flush()).toMatchObject({ nextAttemptAt: r.clock.now() + wait });
    r.clock.advance(wait);
    // Second attempt: jitter 0.5 · 2 s = 1 s beats Retry-After: 0.
    expect(await syncer.flush()).toMatchObject({ nextAttemptAt: r.clock.now() + 1_000 });
  });

  it('retries short backoffs inside one flush (within its budget), with the injected sleep', async () => {
    const r = await rig(4, (_req, index) => (index < 3 ? { kind: 'status', status: 503 } : { kind: 'ok' }));
    const start = r.clock.now();
    const report = await r.syncer({ inlineRetryBudgetMs: 10_000 }).flush();
    expect(report).toMatchObject({ status: 'drained', accepted: 4, batches: 4, requests: 4 });
    // Slept 0.5 s + 1 s + 2 s on the fake clock.
    expect(r.clock.now() - start).toBe(3_500);
  });

  it('401/403: keeps the items, records "API key missing or not allowed", backs off for long', async () => {
    for (const status of [401, 403]) {
      const r = await rig(2, () => ({ kind: 'status', status, body: { error: { code: 'unauthorized', message: 'Unknown API key' } } }));
      const report = await r.syncer({ inlineRetryBudgetMs: 60_000 }).flush();
      expect(report.status).toBe('auth');
      expect(report.nextAttemptAt! - r.clock.now()).toBeGreaterThanOrEqual(AUTH_BACKOFF_MS);
      expect(r.server.requests).toHaveLength(1);
      const stats = await r.outbox.stats();
      expect(stats).toMatchObject({ pending: 2, inflight: 0, deadLetters: 0 });
      expect(stats.lastError!.message).toContain(AUTH_ERROR_MESSAGE);
      expect(stats.lastError!.message).toContain('Unknown API key');
    }
  });

  it('results that do not match the ids sent are transient: nothing is removed', async () => {
    const shapes: ((results: { id: string; status: string }[]) => unknown)[] = [
      (results) => ({ results: results.slice(1) }),
      (results) => ({ results: [...results, { id: 'someone-else', status: 'accepted' }] }),
      (results) => ({ results: results.map((x, i) => (i === 0 ? { ...x, id: 'wrong-id' } : x)) }),
      (results) => ({ results: [results[0], ...results.slice(0, -1)] }),
    ];
    for (const shape of shapes) {
      const r = await rig(3, (_req, index) => (index === 0 ? { kind: 'commit-and-answer', body: shape } : { kind: 'ok' }));
      const syncer = r.syncer();
      expect(await syncer.flush()).toMatchObject({ status: 'backoff' });
      expect(await r.outbox.stats()).toMatchObject({ pending: 3, inflight: 0, deadLetters: 0 });
      // The server had committed: the retry comes back as duplicates, and only then are they removed.
      r.clock.advance(60_000);
      expect(await syncer.flush()).toMatchObject({ status: 'drained', duplicate: 3 });
      expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0 });
    }
  });
});

describe('syncer: isolating the item the server refuses', () => {
  it('413: splits the batch in halves until exactly the bad item is dead-lettered', async () => {
    let bad = '';
    const r = await rig(100, (req) =>
      req.ids.includes(bad)
        ? { kind: 'status', status: 413, body: { error: { code: 'payload_too_large', message: 'Item over 16 kB' } } }
        : { kind: 'ok' },
    );
    bad = r.created[37]!.id;
    const report = await r.syncer().flush();
    expect(report).toMatchObject({ status: 'drained', accepted: 99, rejected: 1 });
    // The whole batch, then at most 2 per halving down to one item (100 → 50 → 25 → 13 → 7 → 4 → 2 → 1).
    expect(report.requests).toBeLessThanOrEqual(1 + 2 * Math.ceil(Math.log2(100)));
    expect(await r.outbox.deadLetters()).toEqual([expect.objectContaining({ id: bad, code: 'payload_too_large', message: 'Item over 16 kB' })]);
    expect(r.server.stored.has(bad)).toBe(false);
    expect([...r.server.stored.keys()].sort()).toEqual(ids(r.created.filter((a) => a.id !== bad)));
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 1 });
  });

  it('a whole-batch 400: the same split, dead-lettering only the items still refused alone', async () => {
    const bad = new Set<string>();
    const r = await rig(10, (req) =>
      req.ids.some((id) => bad.has(id))
        ? { kind: 'status', status: 400, body: { error: { code: 'bad_request', message: 'Malformed batch item' } } }
        : { kind: 'ok' },
    );
    bad.add(r.created[0]!.id).add(r.created[9]!.id);
    const report = await r.syncer().flush();
    expect(report).toMatchObject({ status: 'drained', accepted: 8, rejected: 2 });
    expect(ids(await r.outbox.deadLetters())).toEqual([...bad].sort());
    expect((await r.outbox.deadLetters())[0]).toMatchObject({ code: 'bad_request', message: 'Malformed batch item' });
    expect(r.server.stored.size).toBe(8);
  });

  it('a transient failure in the middle of a split keeps the unanswered items, dead-letters nothing', async () => {
    let bad = '';
    let calls = 0;
    const r = await rig(8, (req) => {
      calls++;
      if (calls === 3) return { kind: 'status', status: 503 };
      return req.ids.includes(bad) ? { kind: 'status', status: 413 } : { kind: 'ok' };
    });
    bad = r.created[0]!.id;
    const syncer = r.syncer();
    expect(await syncer.flush()).toMatchObject({ status: 'backoff' });
    expect(await r.outbox.stats()).toMatchObject({ inflight: 0, deadLetters: 0 });
    r.clock.advance(60_000);
    expect(await syncer.flush()).toMatchObject({ status: 'drained' });
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 1 });
    expect(r.server.stored.size).toBe(7);
  });
});

describe('syncer: exactly once', () => {
  it('two concurrent flush() calls make one request stream', async () => {
    const r = await rig(250, () => ({ kind: 'slow', ms: 5, then: { kind: 'ok' } }));
    const syncer = r.syncer();
    const [a, b] = await Promise.all([syncer.flush(), syncer.flush()]);
    expect(a).toBe(b);
    expect(a).toMatchObject({ status: 'drained', accepted: 250, batches: 3 });
    expect(r.server.maxConcurrentRequests).toBe(1);
    expect(r.server.concurrentIds).toEqual([]);
    expect(r.server.requests.flatMap((q) => q.ids).sort()).toEqual(ids(r.created));
  });

  it('two syncers (two contexts) on one outbox: the second finds the lock taken (in-memory lock)', async () => {
    const r = await rig(150, () => ({ kind: 'slow', ms: 5, then: { kind: 'ok' } }));
    const [a, b] = await Promise.all([r.syncer().flush(), r.syncer().flush()]);
    expect([a.status, b.status].sort()).toEqual(['busy', 'drained']);
    expect(r.server.maxConcurrentRequests).toBe(1);
    expect(r.server.requests.flatMap((q) => q.ids).sort()).toEqual(ids(r.created));
  });

  it('two syncers sharing Web Locks: one flushes, the other answers busy', async () => {
    const r = await rig(150, () => ({ kind: 'slow', ms: 5, then: { kind: 'ok' } }));
    const locks = fakeLocks();
    const [a, b] = await Promise.all([r.syncer({ locks }).flush(), r.syncer({ locks }).flush()]);
    expect([a.status, b.status].sort()).toEqual(['busy', 'drained']);
    expect(r.server.concurrentIds).toEqual([]);
    expect(locks.held.size).toBe(0);
  });

  it('a flush joined while running also sends what was added meanwhile', async () => {
    let late: Annotation[] = [];
    let r!: Rig;
    r = await rig(3, async (_req, index) => {
      if (index === 0) late = await r.addMany(2);
      return { kind: 'ok' };
    });
    const syncer = r.syncer();
    const first = syncer.flush();
    const report = await first;
    expect(report).toMatchObject({ status: 'drained', accepted: 5 });
    expect(late).toHaveLength(2);
    expect(r.server.stored.size).toBe(5);
  });

  it('the server committed but the answer was lost: the resend is a duplicate, then removed', async () => {
    const r = await rig(5, (_req, index) => (index === 0 ? { kind: 'commit-then-drop' } : { kind: 'ok' }));
    const syncer = r.syncer();
    expect(await syncer.flush()).toMatchObject({ status: 'backoff' });
    expect(r.server.stored.size).toBe(5);
    expect(await r.outbox.stats()).toMatchObject({ pending: 5 });
    r.clock.advance(10_000);
    expect(await syncer.flush()).toMatchObject({ status: 'drained', accepted: 0, duplicate: 5 });
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 0 });
    expect([...r.server.commits.values()]).toEqual([1, 1, 1, 1, 1]);
  });

  it('a worker killed mid-sync: the next worker sends the leased items once the lease expires', async () => {
    const r = await rig(4, (_req, index) => (index === 0 ? { kind: 'hang' } : { kind: 'ok' }));
    // Worker A claims and sends, then is killed before any answer: its flush never returns.
    void r
      .syncer({ locks: fakeLocks(), timeoutMs: 60_000 })
      .flush()
      .catch(() => undefined);
    await vi_waitFor(() => r.server.requests.length === 1);
    // Worker B starts (a new context, its own locks) before the lease expired: nothing to take.
    const b = r.syncer({ locks: fakeLocks() });
    expect(await b.flush()).toMatchObject({ status: 'drained', requests: 0 });
    r.clock.advance(60_000);
    expect(await b.flush()).toMatchObject({ status: 'drained', accepted: 4, requests: 1 });
    expect([...r.server.stored.keys()].sort()).toEqual(ids(r.created));
  });

  it('200 annotations through a flaky server: the server ends with exactly the created set, no dead letters', async () => {
    const chaos = seeded(20_261_126);
    const behaviours: Behaviour[] = [];
    const r = await rig(0, () => {
      const x = chaos();
      const b: Behaviour =
        x < 0.12
          ? { kind: 'drop' }
          : x < 0.24
            ? { kind: 'commit-then-drop' }
            : x < 0.34
              ? { kind: 'status', status: [500, 502, 503, 504][Math.floor(chaos() * 4)]! }
              : x < 0.42
                ? { kind: 'status', status: 429, headers: { 'retry-after': String(1 + Math.floor(chaos() * 3)) } }
                : x < 0.5
                  ? { kind: 'slow', ms: 60, then: { kind: 'ok' } } // past the client's timeout: committed, unseen
                  : x < 0.58
                    ? { kind: 'slow', ms: 5, then: { kind: 'ok' } }
                    : x < 0.62
                      ? { kind: 'commit-and-answer', body: (results) => ({ results: results.slice(1) }) }
                      : { kind: 'ok' };
      behaviours.push(b);
      return b;
    });
    const syncer = r.syncer({ timeoutMs: 30, random: seeded(7), inlineRetryBudgetMs: 5_000, batchItems: 10 });
    let rounds = 0;
    while (r.created.length < 200 || (await r.outbox.stats()).pending + (await r.outbox.stats()).inflight > 0) {
      if (r.created.length < 200) await r.addMany(Math.min(7, 200 - r.created.length));
      const report = await syncer.flush();
      if (report.nextAttemptAt) r.clock.advance(Math.max(0, report.nextAttemptAt - r.clock.now()));
      expect(++rounds).toBeLessThan(500);
    }
    // Let the slow requests that outlived their client finish committing.
    await new Promise((resolve) => setTimeout(resolve, 80));
    // Every kind of trouble happened, many times over.
    const kinds = new Set(
      behaviours.map((b) => (b.kind === 'slow' ? `slow-${b.ms}` : b.kind === 'status' ? `status-${b.status === 429 ? 429 : '5xx'}` : b.kind)),
    );
    expect([...kinds].sort()).toEqual(['commit-and-answer', 'commit-then-drop', 'drop', 'ok', 'slow-5', 'slow-60', 'status-429', 'status-5xx']);
    expect(behaviours.filter((b) => b.kind !== 'ok').length).toBeGreaterThan(30);
    expect(r.created).toHaveLength(200);
    expect([...r.server.stored.keys()].sort()).toEqual(ids(r.created));
    expect([...r.server.commits.values()].every((n) => n === 1)).toBe(true);
    expect(await r.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 0 });
  });
});

async function vi_waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
