/**
 * The real outbox and syncer (extension/outbox, over fake-indexeddb) against the real backend app (createApp over
 * a fresh store, SQLite and PostgreSQL), through a fault-injecting `fetch` that stands in front of `app.request`
 * like a misbehaving proxy. A seeded PRNG picks, per request, one of:
 *
 * - `pass`              forward to the app, hand back its answer;
 * - `drop`              reject before the app sees the request (connection refused / reset);
 * - `commit-then-drop`  forward, wait for the app's answer (so its commit is done), then reject: the key
 *                       exactly-once case, the client must resend and the server answer `duplicate`;
 * - `unavailable`       503 without calling the app;
 * - `rate-limited`      429 with `Retry-After: 1` without calling the app;
 * - `too-large`         413 for a whole batch (only batches of two or more: a lone item refused with 413 is rightly
 *                       dead-lettered, which a proxy fault must not cause) without calling the app; the client splits;
 * - `slow`              delay before or after the app (real time, up to 300 ms, over the client's 150 ms timeout:
 *                       a request the client gave up on may still commit, even after its resend did);
 * - `kill`              (optionally forward, then) the flushing "worker" dies: its IndexedDB connection is closed so
 *                       it can write nothing more, and a new worker (a new OutboxDb on the same database, a new
 *                       syncer, new Web Locks) takes over; the dead one's claimed items wait for their lease.
 *
 * Time: the outbox and the syncer run on a fake clock; the syncer's backoff sleeps move it, and the drain loop
 * jumps it to the next attempt (what the scheduler's timer or alarm would do), so Retry-After and 60 s leases cost
 * nothing. Only `slow` and the client timeout use real time.
 *
 * Invariant: once the outbox is empty, every created id is in the annotations table exactly once (counted by id
 * over all tenants), nothing else is, and there are no dead letters; with invalid items mixed in, exactly those are
 * dead letters, carrying the server's code and message.
 *
 * Seeds: AITL_FAULT_SEEDS=1,2,3 (comma-separated) replaces the default ones; a failure names its seed.
 */
import 'fake-indexeddb/auto';
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { OutboxDb, type OutboxItem } from '../../extension/outbox/db.ts';
import { CLAIM_LEASE_MS, createOutbox, jsonBytes, type Outbox } from '../../extension/outbox/outbox.ts';
import { createSyncer, type Syncer } from '../../extension/outbox/sync.ts';
import type { FlushReport } from '../../shared/outbox-messages.ts';
import { type Annotation, SyncResponse } from '../../shared/index.ts';
import { makeAnnotation, makeAnnotations } from '../helpers/annotations.ts';
import { fakeClock, fakeLocks, seeded } from '../unit/extension/helpers.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const BASE_URL = 'http://backend.test';
const BATCH_URL = `${BASE_URL}/v1/annotations:batch`;
/** The client gives up after this (real) time; `slow` waits up to twice as long. */
const CLIENT_TIMEOUT_MS = 150;
const SLOW_MAX_MS = 300;
/** What the scheduler's alarm period would let pass between flushes while leased items wait. */
const ALARM_MS = 30_000;

const SEEDS = (process.env.AITL_FAULT_SEEDS ?? '1,2')
  .split(',')
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n));

const FAULTS = ['pass', 'drop', 'commit-then-drop', 'unavailable', 'rate-limited', 'too-large', 'slow', 'kill'] as const;
type Fault = (typeof FAULTS)[number];
const WEIGHTS: Record<Fault, number> = {
  pass: 28,
  drop: 10,
  'commit-then-drop': 16,
  unavailable: 9,
  'rate-limited': 7,
  'too-large': 9,
  slow: 14,
  kill: 7,
};

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
}

/** One simulated background worker: its own IndexedDB connection, outbox, syncer and Web Locks. */
interface SimWorker {
  n: number;
  db: OutboxDb;
  outbox: Outbox;
  syncer: Syncer;
  dead: boolean;
}

interface Rig {
  clock: ReturnType<typeof fakeClock>;
  worker(): SimWorker;
  /** Counts per fault, and how many `commit-then-drop`/`kill` lost an answer the app had committed. */
  faults: Record<Fault, number>;
  lostCommits: number;
  kills: number;
  /** Every status the app itself answered (it should only ever say 200). */
  appStatuses: Map<number, number>;
  requests: number;
  /** Resolves when every app call the proxy started (including those the client gave up on) is over. */
  settled(): Promise<void>;
  /** Flushes (and restarts dead workers, and lets time pass) until `done()` and the outbox is empty. */
  drain(done: () => boolean, seed: number): Promise<FlushReport[]>;
}

let dbSerial = 0;

function makeRig(app: Hono, apiKey: string, seed: number, options: { kill: boolean }): Rig {
  const clock = fakeClock();
  const random = seeded(seed);
  const dbName = `aitl-outbox-faults-${process.pid}-${++dbSerial}`;
  const faults = Object.fromEntries(FAULTS.map((f) => [f, 0])) as Record<Fault, number>;
  const appStatuses = new Map<number, number>();
  const outstanding = new Set<Promise<unknown>>();
  let lostCommits = 0;
  /** The app's last answer other than 200: the server, not the proxy, failed. */
  let lastAppError: string | undefined;
  let kills = 0;
  let requests = 0;
  let workers = 0;
  let current: SimWorker;

  const pick = (): Fault => {
    const total = FAULTS.reduce((sum, f) => sum + WEIGHTS[f], 0);
    let r = random() * total;
    for (const f of FAULTS) {
      r -= WEIGHTS[f];
      if (r < 0) return f;
    }
    return 'pass';
  };

  /** Calls the real app; the call is tracked even when the client stops waiting for it. */
  const forward = (request: Request, body: string): Promise<Response> => {
    const call = (async () => {
      const response = await app.request(request.url, { method: 'POST', headers: request.headers, body });
      appStatuses.set(response.status, (appStatuses.get(response.status) ?? 0) + 1);
      const text = await response.text();
      if (response.status !== 200) lastAppError = `${response.status} ${text.slice(0, 500)}`;
      return new Response(text, { status: response.status, headers: response.headers });
    })();
    outstanding.add(call);
    void call.finally(() => outstanding.delete(call)).catch(() => undefined);
    return call;
  };

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = await request.text();
    const items = (JSON.parse(body) as { items: unknown[] }).items.length;
    requests++;
    let fault = pick();
    if (fault === 'too-large' && items < 2) fault = 'pass';
    if (fault === 'kill' && !options.kill) fault = 'pass';
    faults[fault]++;
    switch (fault) {
      case 'pass':
        return forward(request, body);
      case 'drop':
        throw new TypeError('fetch failed (proxy: connection reset before the server)');
      case 'commit-then-drop': {
        const answer = await forward(request, body);
        if (answer.status === 200) lostCommits++;
        throw new TypeError('fetch failed (proxy: connection reset after the server answered)');
      }
      case 'unavailable':
        return json(503, { error: { code: 'unavailable', message: 'proxy: upstream unavailable' } });
      case 'rate-limited':
        return json(429, { error: { code: 'rate_limited', message: 'proxy: slow down' } }, { 'retry-after': '1' });
      case 'too-large':
        return json(413, { error: { code: 'payload_too_large', message: 'proxy: request body too large' } });
      case 'slow': {
        const ms = 10 + Math.floor(random() * (SLOW_MAX_MS - 10));
        if (random() < 0.5) {
          await realSleep(ms);
          return forward(request, body);
        }
        const answer = await forward(request, body);
        await realSleep(ms);
        return answer;
      }
      case 'kill': {
        if (random() < 0.7) {
          const answer = await forward(request, body);
          if (answer.status === 200) lostCommits++;
        }
        kills++;
        kill();
        throw new TypeError('fetch failed (the worker was stopped)');
      }
    }
  };

  function boot(): SimWorker {
    const db = new OutboxDb(dbName);
    const outbox = createOutbox(db, { now: clock.now });
    const syncer = createSyncer({
      outbox,
      config: async () => ({ baseUrl: BASE_URL, apiKey }),
      fetch: fetch as typeof globalThis.fetch,
      now: clock.now,
      sleep: clock.sleep,
      random,
      // The browser releases a dead worker's Web Locks: each worker gets a lock manager of its own.
      locks: fakeLocks(),
      timeoutMs: CLIENT_TIMEOUT_MS,
      // Small batches: more requests, so more faults per run.
      batchItems: 8,
    });
    return { n: ++workers, db, outbox, syncer, dead: false };
  }

  /** The current worker dies where it stands: it can write nothing more. A new one starts. */
  function kill(): void {
    current.dead = true;
    current.db.close();
    current = boot();
  }

  current = boot();

  async function drain(done: () => boolean, seed: number): Promise<FlushReport[]> {
    const reports: FlushReport[] = [];
    for (let round = 0; ; round++) {
      if (round > 2_000) throw new Error(`seed ${seed}: the outbox did not drain within 2000 flushes (last app error: ${lastAppError ?? 'none'})`);
      // A failing server would be retried forever: stop early and say what it answered.
      if (lastAppError !== undefined) throw new Error(`seed ${seed}: the app itself answered ${lastAppError}`);
      const worker = current;
      try {
        const report = await worker.syncer.flush();
        reports.push(report);
        if (report.nextAttemptAt !== undefined) clock.t = Math.max(clock.t, report.nextAttemptAt);
      } catch (error) {
        // Only a worker killed under its flush may fail it (its IndexedDB is closed).
        if (!worker.dead) throw error;
      }
      const stats = await current.outbox.stats();
      // Nothing is flushing now: items still inflight were claimed by a dead worker. Let an alarm period pass.
      if (stats.inflight > 0) clock.advance(ALARM_MS);
      if (stats.pending + stats.inflight === 0) {
        if (done()) return reports;
        await realSleep(1);
      }
    }
  }

  return {
    clock,
    worker: () => current,
    faults,
    get lostCommits() {
      return lostCommits;
    },
    get kills() {
      return kills;
    },
    appStatuses,
    get requests() {
      return requests;
    },
    async settled() {
      while (outstanding.size > 0) await Promise.allSettled([...outstanding]);
    },
    drain,
  };
}

/** Adds `items` in seeded bursts while the drain runs; retries an add refused because its worker just died. */
async function produce(rig: Rig, items: readonly Annotation[], seed: number): Promise<void> {
  const random = seeded(seed ^ 0x5eed);
  let i = 0;
  while (i < items.length) {
    const burst = 1 + Math.floor(random() * 20);
    for (const annotation of items.slice(i, i + burst)) {
      for (let attempt = 1; ; attempt++) {
        const result = await rig.worker().outbox.add(annotation);
        if (result.ok) break;
        if (attempt >= 5) throw new Error(`seed ${seed}: add of ${annotation.id} kept failing: ${result.message}`);
      }
      rig.clock.advance(1);
    }
    i += burst;
    await realSleep(Math.floor(random() * 4));
  }
}

describe.each(DIALECTS)('outbox over a faulty network into the real backend on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  let acmeKey: string;

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      app = createApp(deps);
    },
    async () => {
      await clearTables(deps.store.db);
      acmeKey = (await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent' })).key;
    },
  );

  /** id → how many rows, over all tenants, and the stored payloads. */
  async function storedRows(): Promise<{ counts: Map<string, number>; payloads: Map<string, unknown> }> {
    const rows = await deps.store.db.selectFrom('annotations').select(['id', 'payload']).execute();
    const counts = new Map<string, number>();
    const payloads = new Map<string, unknown>();
    for (const row of rows) {
      counts.set(row.id, (counts.get(row.id) ?? 0) + 1);
      payloads.set(row.id, typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload);
    }
    return { counts, payloads };
  }

  function summary(rig: Rig, extra: Record<string, unknown> = {}): string {
    return JSON.stringify({
      dialect: dialect.name,
      ...extra,
      requests: rig.requests,
      faults: rig.faults,
      lostCommits: rig.lostCommits,
      kills: rig.kills,
      appStatuses: Object.fromEntries(rig.appStatuses),
    });
  }

  it.each(SEEDS)(
    '200 annotations under seed %i reach the server exactly once, no dead letters',
    async (seed) => {
      const rig = makeRig(app, acmeKey, seed, { kill: true });
      const created = makeAnnotations(200, 'acme');
      let produced = false;
      const producer = produce(rig, created, seed).finally(() => {
        produced = true;
      });
      const [, reports] = await Promise.all([producer, rig.drain(() => produced, seed)]);
      await rig.settled();

      const context = `seed ${seed}: ${summary(rig)}`;
      const { counts, payloads } = await storedRows();
      const duplicates = [...counts].filter(([, n]) => n !== 1);
      expect(duplicates, context).toEqual([]);
      expect(counts.size, context).toBe(200);
      expect(new Set(counts.keys()), context).toEqual(new Set(created.map((a) => a.id)));
      for (const a of created) expect(payloads.get(a.id), context).toEqual(a);
      expect(await rig.worker().outbox.deadLetters(), context).toEqual([]);
      expect(await rig.worker().outbox.stats(), context).toMatchObject({ pending: 0, inflight: 0, deadLetters: 0 });
      // The app itself never failed: every error the client saw came from the proxy.
      expect([...rig.appStatuses.keys()], context).toEqual([200]);
      expect(
        reports.some((r) => r.status === 'auth'),
        context,
      ).toBe(false);
      // The faults this test is about really happened.
      expect(rig.lostCommits, context).toBeGreaterThan(0);
      for (const f of FAULTS) expect(rig.faults[f], `${context}: fault ${f} never chosen`).toBeGreaterThan(0);
      console.log(`outbox-faults ${summary(rig, { seed, created: 200, stored: counts.size, duplicates: duplicates.length, dead: 0 })}`);
    },
    60_000,
  );

  it.each(SEEDS)(
    'under seed %i, items the server refuses end as dead letters with its reason; the rest are stored once',
    async (seed) => {
      const rig = makeRig(app, acmeKey, seed + 1000, { kill: true });
      const valid = makeAnnotations(100, 'acme');

      // Already stored (say from another device) with other content: the outbox's copy is an id conflict.
      const original = makeAnnotation('preference', 'acme', { choice: 'left' });
      const stored = await app.request(BATCH_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${acmeKey}` },
        body: JSON.stringify({ items: [original] }),
      });
      expect(SyncResponse.parse(await stored.json()).results).toEqual([{ id: original.id, status: 'accepted' }]);

      // What `add` would refuse, or the server refuses for its own reasons, written straight into the Dexie table
      // (as an older extension version, or another tab's bug, could have left it).
      const invalid: { annotation: Annotation; code: string; message: RegExp }[] = [
        { annotation: makeAnnotation('relevance', 'acme', { rank: 0 }), code: 'invalid', message: /rank/ },
        { annotation: makeAnnotation('preference', 'acme', { schemaVersion: 2 }), code: 'invalid', message: /schemaVersion/ },
        { annotation: makeAnnotation('missing_knowledge', 'acme', { description: '   ' }), code: 'invalid', message: /description/ },
        { annotation: makeAnnotation('adoption', 'globex'), code: 'tenant_mismatch', message: /globex/ },
        { annotation: makeAnnotation('adoption', 'acme', { sentText: 'x'.repeat(40_000) }), code: 'too_large', message: /32768 bytes/ },
        { annotation: { ...original, choice: 'right' } as Annotation, code: 'id_conflict', message: /different content/ },
      ];

      // Valid and invalid interleaved in creation order, so the bad ones share batches with good ones.
      const db = rig.worker().db;
      const order = [...valid];
      invalid.forEach((bad, k) => order.splice(7 + k * 15, 0, bad.annotation));
      const badIds = new Set(invalid.map((b) => b.annotation.id));
      for (const annotation of order) {
        if (badIds.has(annotation.id)) {
          const item: OutboxItem = {
            id: annotation.id,
            state: 'pending',
            leaseUntil: 0,
            createdAt: rig.clock.now(),
            attempts: 0,
            bytes: jsonBytes(annotation),
            annotation,
          };
          await db.items.put(item);
        } else {
          expect(await rig.worker().outbox.add(annotation)).toMatchObject({ ok: true });
        }
        rig.clock.advance(1);
      }

      const reports = await rig.drain(() => true, seed);
      await rig.settled();
      const context = `seed ${seed + 1000}: ${summary(rig)}`;

      const dead = await rig.worker().outbox.deadLetters();
      expect(dead.map((d) => d.id).sort(), context).toEqual([...badIds].sort());
      for (const bad of invalid) {
        const letter = dead.find((d) => d.id === bad.annotation.id)!;
        expect(letter.code, `${context}: ${bad.code}`).toBe(bad.code);
        expect(letter.message, `${context}: ${bad.code}`).toMatch(bad.message);
        expect(letter.annotation, context).toEqual(bad.annotation);
      }

      const { counts, payloads } = await storedRows();
      expect(
        [...counts].filter(([, n]) => n !== 1),
        context,
      ).toEqual([]);
      expect(new Set(counts.keys()), context).toEqual(new Set([...valid.map((a) => a.id), original.id]));
      // The conflicting resend did not overwrite what was stored first.
      expect(payloads.get(original.id), context).toEqual(original);
      expect(await rig.worker().outbox.stats(), context).toMatchObject({ pending: 0, inflight: 0, deadLetters: invalid.length });
      expect([...rig.appStatuses.keys()], context).toEqual([200]);
      expect(
        reports.some((r) => r.status === 'auth'),
        context,
      ).toBe(false);
      console.log(
        `outbox-faults ${summary(rig, { seed: seed + 1000, created: order.length, stored: counts.size - 1, dead: dead.length, deadCodes: dead.map((d) => d.code).sort() })}`,
      );
    },
    60_000,
  );

  it('a worker killed after the commit leaves its batch leased; the next worker resends it after the lease, as duplicates', async () => {
    // Deterministic version of the `kill` fault: the first request commits and the worker dies before the answer.
    let first = true;
    const clock = fakeClock();
    const name = `aitl-outbox-lease-${process.pid}-${++dbSerial}`;
    const requests: string[][] = [];
    let dying: OutboxDb | undefined;
    const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = new Request(input, init);
      const body = await request.text();
      requests.push((JSON.parse(body) as { items: Annotation[] }).items.map((a) => a.id));
      const response = await app.request(request.url, { method: 'POST', headers: request.headers, body });
      if (first) {
        first = false;
        dying?.close();
        throw new TypeError('fetch failed (the worker was stopped)');
      }
      return response;
    };
    const boot = () => {
      const db = new OutboxDb(name);
      const outbox = createOutbox(db, { now: clock.now });
      const syncer = createSyncer({
        outbox,
        config: async () => ({ baseUrl: BASE_URL, apiKey: acmeKey }),
        fetch: fetch as typeof globalThis.fetch,
        now: clock.now,
        sleep: clock.sleep,
        random: () => 0.5,
        locks: fakeLocks(),
      });
      return { db, outbox, syncer };
    };

    const one = boot();
    dying = one.db;
    const created = makeAnnotations(5, 'acme');
    for (const a of created) expect(await one.outbox.add(a)).toMatchObject({ ok: true });
    await expect(one.syncer.flush()).rejects.toThrow();
    const { counts } = await storedRows();
    expect(counts.size).toBe(5);

    const two = boot();
    expect(await two.outbox.stats()).toMatchObject({ pending: 0, inflight: 5 });
    // Within the lease, the new worker leaves the dead one's batch alone.
    clock.advance(CLAIM_LEASE_MS - 1);
    expect(await two.syncer.flush()).toMatchObject({ status: 'drained', requests: 0 });
    clock.advance(2);
    expect(await two.syncer.flush()).toMatchObject({ status: 'drained', requests: 1, accepted: 0, duplicate: 5 });
    const ids = created.map((a) => a.id).sort();
    expect(requests.map((r) => [...r].sort())).toEqual([ids, ids]);
    expect(await two.outbox.stats()).toMatchObject({ pending: 0, inflight: 0, deadLetters: 0 });
    const after = await storedRows();
    expect([...after.counts.values()]).toEqual([1, 1, 1, 1, 1]);
  });
});
