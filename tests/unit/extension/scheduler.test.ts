import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALARM_PERIOD_MINUTES, type AlarmsLike, OUTBOX_ALARM, startOutboxSync } from '../../../extension/outbox/scheduler.ts';
import type { Syncer } from '../../../extension/outbox/sync.ts';
import type { FlushReport, OutboxStats } from '../../../shared/outbox-messages.ts';

function fakeAlarms() {
  const alarms = new Map<string, { periodInMinutes: number }>();
  let listener: ((alarm: { name: string }) => void) | undefined;
  const api: AlarmsLike & { alarms: typeof alarms; fire(name: string): void; creates: number } = {
    alarms,
    creates: 0,
    create(name, info) {
      api.creates++;
      alarms.set(name, info);
    },
    clear: async (name) => alarms.delete(name),
    get: async (name) => (alarms.has(name) ? { name, ...alarms.get(name) } : undefined),
    onAlarm: { addListener: (cb) => void (listener = cb) },
    fire: (name) => listener?.({ name }),
  };
  return api;
}

function fakeEvents() {
  const listeners: (() => void)[] = [];
  return { addEventListener: (_type: 'online', fn: () => void) => void listeners.push(fn), fire: () => listeners.forEach((fn) => fn()) };
}

function world(initial: Partial<OutboxStats> = {}) {
  let t = 1_800_000_000_000;
  const stats: OutboxStats = {
    pending: 0,
    inflight: 0,
    oldestPendingAt: null,
    deadLetters: 0,
    lastSyncAt: null,
    lastError: null,
    nextAttemptAt: null,
    ...initial,
  };
  const flushes: number[] = [];
  let next: (s: OutboxStats) => Partial<FlushReport> = () => ({});
  const syncer: Syncer = {
    flush: async () => {
      flushes.push(t);
      const extra = next(stats);
      return { status: 'drained', batches: 0, requests: 0, accepted: 0, duplicate: 0, rejected: 0, ...extra };
    },
  };
  return {
    stats,
    flushes,
    syncer,
    outbox: { stats: async () => ({ ...stats }) },
    now: () => t,
    advance: async (ms: number) => {
      t += ms;
      await vi.advanceTimersByTimeAsync(ms);
    },
    onFlush: (fn: (s: OutboxStats) => Partial<FlushReport>) => void (next = fn),
  };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('startOutboxSync', () => {
  it('flushes at worker start and keeps the alarm only while something is queued', async () => {
    // The flushes drain nothing at first (say, every item is inflight under another worker's lease).
    const w = world({ pending: 3 });
    const alarms = fakeAlarms();
    const scheduler = startOutboxSync(w.syncer, w.outbox, { alarms, events: fakeEvents(), now: w.now });
    await scheduler.idle();
    expect(w.flushes).toHaveLength(1);
    expect(alarms.alarms.get(OUTBOX_ALARM)).toEqual({ periodInMinutes: ALARM_PERIOD_MINUTES });
    expect(ALARM_PERIOD_MINUTES).toBe(0.5);

    // The alarm fires while items remain: another flush; the alarm is not re-created (its period would restart).
    alarms.fire(OUTBOX_ALARM);
    await scheduler.idle();
    expect(w.flushes).toHaveLength(2);
    expect(alarms.creates).toBe(1);
    alarms.fire('someone-else');
    await scheduler.idle();
    expect(w.flushes).toHaveLength(2);

    // Once the queue is empty, the alarm goes.
    w.onFlush((s) => {
      s.pending = 0;
      return {};
    });
    alarms.fire(OUTBOX_ALARM);
    await scheduler.idle();
    expect(alarms.alarms.has(OUTBOX_ALARM)).toBe(false);
    scheduler.stop();
  });

  it('debounces kicks: a burst of writes makes one flush after ~200 ms', async () => {
    const w = world();
    const scheduler = startOutboxSync(w.syncer, w.outbox, { alarms: fakeAlarms(), events: fakeEvents(), now: w.now });
    await scheduler.idle();
    expect(w.flushes).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      w.stats.pending++;
      scheduler.kick();
      await w.advance(50);
    }
    expect(w.flushes).toHaveLength(1);
    await w.advance(200);
    await scheduler.idle();
    expect(w.flushes).toHaveLength(2);
    scheduler.stop();
  });

  it('respects nextAttemptAt for kicks and alarms, but flushes at once on `online` and on flushNow', async () => {
    const w = world({ pending: 2 });
    w.stats.nextAttemptAt = w.now() + 120_000;
    const alarms = fakeAlarms();
    const events = fakeEvents();
    const scheduler = startOutboxSync(w.syncer, w.outbox, { alarms, events, now: w.now });
    await scheduler.idle();
    // Start during a backoff: no flush, but the alarm is there to wake the worker later.
    expect(w.flushes).toHaveLength(0);
    expect(alarms.alarms.has(OUTBOX_ALARM)).toBe(true);

    scheduler.kick();
    await w.advance(300);
    alarms.fire(OUTBOX_ALARM);
    await scheduler.idle();
    expect(w.flushes).toHaveLength(0);

    events.fire();
    await scheduler.idle();
    expect(w.flushes).toHaveLength(1);

    expect(await scheduler.flushNow()).toMatchObject({ status: 'drained' });
    expect(w.flushes).toHaveLength(2);

    // Once the backoff has passed, the alarm flushes again.
    await w.advance(120_000);
    alarms.fire(OUTBOX_ALARM);
    await scheduler.idle();
    expect(w.flushes).toHaveLength(3);
    scheduler.stop();
  });

  it('retries a short backoff on a timer while the worker is alive', async () => {
    const w = world({ pending: 1 });
    let first = true;
    w.onFlush((s) => {
      if (first) {
        first = false;
        s.nextAttemptAt = w.now() + 2_000;
        return { status: 'backoff', nextAttemptAt: s.nextAttemptAt };
      }
      s.nextAttemptAt = null;
      s.pending = 0;
      return {};
    });
    const scheduler = startOutboxSync(w.syncer, w.outbox, { alarms: fakeAlarms(), events: fakeEvents(), now: w.now });
    await scheduler.idle();
    expect(w.flushes).toHaveLength(1);
    await w.advance(2_100);
    await scheduler.idle();
    expect(w.flushes).toHaveLength(2);
    scheduler.stop();
  });

  it('reports flush errors to onError instead of throwing from an event listener', async () => {
    const w = world();
    const errors: unknown[] = [];
    const syncer: Syncer = { flush: () => Promise.reject(new Error('IndexedDB closed')) };
    const scheduler = startOutboxSync(syncer, w.outbox, { alarms: fakeAlarms(), events: fakeEvents(), now: w.now, onError: (e) => errors.push(e) });
    await scheduler.idle();
    expect(errors).toEqual([new Error('IndexedDB closed')]);
    await expect(scheduler.flushNow()).rejects.toThrow('IndexedDB closed');
    scheduler.stop();
  });
});
