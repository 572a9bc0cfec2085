import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OutboxDb } from '../../../extension/outbox/db.ts';
import { CLAIM_LEASE_MS, createOutbox, isQuotaError, jsonBytes, STORAGE_FULL_MESSAGE } from '../../../extension/outbox/outbox.ts';
import { LIMITS } from '../../../shared/limits.ts';
import { DeadLetterExport } from '../../../shared/outbox-messages.ts';
import { annotationOfSize, fakeClock, freshDb, makeAnnotation } from './helpers.ts';

const LIMITS_100 = { batchItems: LIMITS.batchItems, batchBytes: LIMITS.batchBytes };

afterEach(() => {
  vi.restoreAllMocks();
});

async function filled(n: number, clock = fakeClock()) {
  const db = freshDb();
  const outbox = createOutbox(db, { now: clock.now });
  const annotations = [];
  for (let i = 0; i < n; i++) {
    const a = makeAnnotation(i, clock.now());
    annotations.push(a);
    expect(await outbox.add(a)).toMatchObject({ ok: true, duplicate: false });
    clock.advance(1);
  }
  return { db, outbox, annotations, clock };
}

describe('outbox.add', () => {
  it('is idempotent by id: re-adding the same annotation is a no-op success', async () => {
    const { db, outbox, annotations } = await filled(1);
    const again = await outbox.add(annotations[0]);
    expect(again).toEqual({ ok: true, id: annotations[0]!.id, duplicate: true });
    // Even with other content under the same id: the first write wins, nothing is replaced.
    expect(await outbox.add({ ...annotations[0]!, ticketId: 'other' })).toMatchObject({ ok: true, duplicate: true });
    expect(await db.items.count()).toBe(1);
    expect((await db.items.get(annotations[0]!.id))!.annotation.ticketId).toBe(annotations[0]!.ticketId);
  });

  it('is durable: once add resolved, a new connection (a restarted worker) sees the item', async () => {
    const name = `durable-${Date.now()}`;
    const first = new OutboxDb(name);
    const a = makeAnnotation(2);
    expect(await createOutbox(first).add(a)).toMatchObject({ ok: true });
    first.close();
    const second = new OutboxDb(name);
    const row = await second.items.get(a.id);
    expect(row).toMatchObject({ id: a.id, state: 'pending', attempts: 0, bytes: jsonBytes(a), annotation: a });
    second.close();
  });

  it('commits in one read-write transaction opened with strict durability', async () => {
    // Dexie binds the connection's transaction() when it opens: spy before that.
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
    const db = freshDb();
    await db.open();
    spy.mockClear();
    await createOutbox(db).add(makeAnnotation(3));
    const readWrite = spy.mock.calls.filter(([, mode]) => mode === 'readwrite');
    expect(readWrite).toHaveLength(1);
    expect(readWrite[0]![2]).toMatchObject({ durability: 'strict' });
  });

  it('refuses an annotation over LIMITS.annotationBytes with a typed result, storing nothing', async () => {
    const db = freshDb();
    const outbox = createOutbox(db);
    const big = annotationOfSize(LIMITS.annotationBytes + 1);
    expect(jsonBytes(big)).toBeGreaterThan(LIMITS.annotationBytes);
    const result = await outbox.add(big);
    expect(result).toMatchObject({ ok: false, code: 'too_large' });
    expect(result.ok ? '' : result.message).toMatch(/32 kB/);
    expect(await db.items.count()).toBe(0);
    // Exactly at the limit is fine.
    const edge = annotationOfSize(LIMITS.annotationBytes);
    expect(jsonBytes(edge)).toBe(LIMITS.annotationBytes);
    expect(await outbox.add(edge)).toMatchObject({ ok: true });
  });

  it('refuses what is not an Annotation with a typed result', async () => {
    const outbox = createOutbox(freshDb());
    const result = await outbox.add({ ...makeAnnotation(0), id: 'not-a-uuid' });
    expect(result).toMatchObject({ ok: false, code: 'invalid' });
    expect(result.ok ? '' : result.message).toMatch(/^This annotation is not valid \(id: /);
  });

  it('refuses the new annotation when storage is full (QuotaExceededError), keeping the queued ones', async () => {
    const { db, outbox } = await filled(3);
    const before = await db.items.toArray();
    const quota = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(quota);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(quota);
    const result = await outbox.add(makeAnnotation(9));
    expect(result).toEqual({ ok: false, code: 'storage_full', message: STORAGE_FULL_MESSAGE });
    expect(STORAGE_FULL_MESSAGE).toMatch(/^Browser storage is full/);
    vi.restoreAllMocks();
    expect(await db.items.toArray()).toEqual(before);
  });

  it('refuses, after its timeout, a write that hangs (a full disk can stall IndexedDB)', async () => {
    const { db, outbox: _ } = await filled(2);
    const outbox = createOutbox(db, { addTimeoutMs: 30 });
    vi.spyOn(db, 'transaction').mockImplementation((() => new Promise(() => {})) as never);
    const result = await outbox.add(makeAnnotation(4));
    expect(result).toEqual({ ok: false, code: 'storage_full', message: STORAGE_FULL_MESSAGE });
    vi.restoreAllMocks();
    expect(await db.items.count()).toBe(2);
  });

  it('recognises quota errors wrapped by Dexie (AbortError with an inner QuotaExceededError)', () => {
    expect(isQuotaError({ name: 'AbortError', inner: { name: 'QuotaExceededError' } })).toBe(true);
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true);
    expect(isQuotaError(new Error('other'))).toBe(false);
  });
});

describe('outbox.claim', () => {
  it('takes the oldest pending items, at most batchItems, and leases them', async () => {
    const { outbox, annotations, clock } = await filled(250);
    const first = await outbox.claim(clock.now(), LIMITS_100);
    expect(first.map((i) => i.id)).toEqual(annotations.slice(0, 100).map((a) => a.id));
    expect(first.every((i) => i.state === 'inflight' && i.leaseUntil === clock.now() + CLAIM_LEASE_MS && i.attempts === 1)).toBe(true);
    const second = await outbox.claim(clock.now(), LIMITS_100);
    expect(second.map((i) => i.id)).toEqual(annotations.slice(100, 200).map((a) => a.id));
    const third = await outbox.claim(clock.now(), LIMITS_100);
    expect(third).toHaveLength(50);
    // Everything is leased: nothing more to take, nothing taken twice.
    expect(await outbox.claim(clock.now(), LIMITS_100)).toEqual([]);
    expect(await outbox.stats()).toMatchObject({ pending: 0, inflight: 250 });
  });

  it('stops at batchBytes, but always takes at least one item', async () => {
    const clock = fakeClock();
    const db = freshDb();
    const outbox = createOutbox(db, { now: clock.now });
    for (let i = 0; i < 12; i++) {
      expect(await outbox.add(annotationOfSize(30_000, clock.now()))).toMatchObject({ ok: true });
      clock.advance(1);
    }
    const batch = await outbox.claim(clock.now(), LIMITS_100);
    const bodyBytes = jsonBytes({ items: batch.map((i) => i.annotation), sentAt: new Date(clock.now()).toISOString() });
    expect(batch).toHaveLength(8);
    expect(bodyBytes).toBeLessThanOrEqual(LIMITS.batchBytes);
    // A limit smaller than one item still yields that one item.
    expect(await outbox.claim(clock.now(), { batchItems: 100, batchBytes: 1_000 })).toHaveLength(1);
  });

  it('gives expired leases back: a worker killed mid-sync loses nothing', async () => {
    const { db, outbox, annotations, clock } = await filled(5);
    // The dying worker claimed the items, then vanished without settling or releasing.
    const claimed = await outbox.claim(clock.now(), LIMITS_100);
    expect(claimed).toHaveLength(5);
    db.close();

    // A new worker: same database, new connection.
    const revived = createOutbox(new OutboxDb(db.name), { now: clock.now });
    clock.advance(CLAIM_LEASE_MS - 1);
    expect(await revived.claim(clock.now(), LIMITS_100)).toEqual([]);
    expect(await revived.stats()).toMatchObject({ pending: 0, inflight: 5, oldestPendingAt: expect.any(Number) });
    clock.advance(1);
    const again = await revived.claim(clock.now(), LIMITS_100);
    expect(again.map((i) => i.id)).toEqual(annotations.map((a) => a.id));
    expect(again.every((i) => i.attempts === 2)).toBe(true);
  });

  it('mixes expired inflight items and pending ones, oldest first', async () => {
    const { outbox, annotations, clock } = await filled(4);
    await outbox.claim(clock.now(), { batchItems: 2, batchBytes: LIMITS.batchBytes });
    clock.advance(CLAIM_LEASE_MS + 1);
    const batch = await outbox.claim(clock.now(), LIMITS_100);
    expect(batch.map((i) => i.id)).toEqual(annotations.map((a) => a.id));
  });
});

describe('outbox.settle, release, deadLetter', () => {
  it('removes accepted and duplicate items, dead-letters rejected ones, releases the unanswered', async () => {
    const { db, outbox, annotations, clock } = await filled(5);
    const batch = await outbox.claim(clock.now(), LIMITS_100);
    const [a, b, c, d, e] = batch.map((i) => i.id) as [string, string, string, string, string];
    const summary = await outbox.settle(
      [
        { id: a, status: 'accepted' },
        { id: b, status: 'duplicate' },
        { id: c, status: 'rejected', error: { code: 'validation_failed', message: 'rank: too big' } },
        { id: 'not-ours', status: 'accepted' },
      ],
      [a, b, c, d],
      { lastSyncAt: clock.now(), nextAttemptAt: null },
    );
    expect((await outbox.stats()).lastSyncAt).toBe(clock.now());
    expect(summary).toEqual({ accepted: 1, duplicate: 1, rejected: 1, released: 1 });
    expect(await db.items.get(a)).toBeUndefined();
    expect(await db.items.get(b)).toBeUndefined();
    expect(await db.items.get(c)).toBeUndefined();
    expect(await db.items.get(d)).toMatchObject({ state: 'pending', leaseUntil: 0 });
    // e was sent in no request: untouched, still inflight under its lease.
    expect(await db.items.get(e)).toMatchObject({ state: 'inflight' });
    const dead = await outbox.deadLetters();
    expect(dead).toEqual([{ id: c, annotation: annotations[2], code: 'validation_failed', message: 'rank: too big', at: clock.now() }]);
    expect(await outbox.stats()).toMatchObject({ pending: 1, inflight: 1, deadLetters: 1 });
  });

  it('release puts inflight items back to pending; deadLetter moves items with a reason', async () => {
    const { db, outbox, clock } = await filled(3);
    const batch = await outbox.claim(clock.now(), LIMITS_100);
    expect(await outbox.release(batch.slice(0, 2).map((i) => i.id))).toBe(2);
    expect(await outbox.stats()).toMatchObject({ pending: 2, inflight: 1 });
    expect(await outbox.deadLetter([batch[2]!.id], 'payload_too_large', 'Item over the server limit')).toBe(1);
    expect(await db.items.count()).toBe(2);
    const summaries = await outbox.deadLetterSummaries();
    expect(summaries).toEqual([
      {
        id: batch[2]!.id,
        kind: batch[2]!.annotation.kind,
        code: 'payload_too_large',
        message: 'Item over the server limit',
        at: clock.now(),
        clientTime: batch[2]!.annotation.clientTime,
      },
    ]);
    const exported = DeadLetterExport.parse(JSON.parse(await outbox.exportDeadLetters()));
    expect(exported.count).toBe(1);
    expect(exported.items[0]).toMatchObject({ id: batch[2]!.id, code: 'payload_too_large', annotation: batch[2]!.annotation });
  });

  it('stats report counts, the oldest item and the sync bookkeeping', async () => {
    const { outbox, clock } = await filled(3);
    const start = clock.now() - 3;
    expect(await outbox.stats()).toEqual({
      pending: 3,
      inflight: 0,
      oldestPendingAt: start,
      deadLetters: 0,
      lastSyncAt: null,
      lastError: null,
      nextAttemptAt: null,
    });
    await outbox.setMeta({ lastSyncAt: 5, lastError: { at: 6, message: 'boom' }, nextAttemptAt: 7, backoffAttempt: 2 });
    expect(await outbox.stats()).toMatchObject({ lastSyncAt: 5, lastError: { at: 6, message: 'boom' }, nextAttemptAt: 7 });
    await outbox.setMeta({ nextAttemptAt: null });
    expect((await outbox.stats()).nextAttemptAt).toBeNull();
    expect(await outbox.getMeta()).toMatchObject({ backoffAttempt: 2 });
  });

  it('never drops pending data by age or count', async () => {
    const { outbox, clock } = await filled(300);
    clock.advance(90 * 24 * 3_600_000);
    for (let i = 0; i < 3; i++) {
      const batch = await outbox.claim(clock.now(), LIMITS_100);
      await outbox.release(batch.map((b) => b.id));
    }
    expect(await outbox.stats()).toMatchObject({ pending: 300, inflight: 0 });
  });
});
