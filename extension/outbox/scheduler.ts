/**
 * When the background worker flushes the outbox:
 * - at worker start;
 * - on `kick()` (after each write), debounced, so a burst of annotations goes in one batch;
 * - on the worker's `online` event, at once, even during a backoff;
 * - on the `aitl-outbox` alarm (every 30 s) while anything is queued or inflight; the alarm is cleared when the
 *   queue is empty, so an idle extension costs nothing. It outlives the worker: a stopped worker is woken by it;
 * - on a timer for short backoffs, while the worker is alive.
 * Except for `online` and `flushNow()` (the popup's "Sync now"), nothing flushes before the backoff's nextAttemptAt.
 */
import { browser } from 'wxt/browser';
import type { FlushReport, OutboxStats } from '../../shared/outbox-messages.ts';
import type { Syncer } from './sync.ts';

export const OUTBOX_ALARM = 'aitl-outbox';
export const ALARM_PERIOD_MINUTES = 0.5;
export const KICK_DEBOUNCE_MS = 200;
/** Backoffs shorter than this get an in-worker timer too (a worker lives about 30 s after its last event). */
const TIMER_HORIZON_MS = 25_000;

/** The parts of `browser.alarms` the scheduler uses. */
export interface AlarmsLike {
  create(name: string, info: { periodInMinutes: number; delayInMinutes?: number }): unknown;
  clear(name: string): Promise<unknown>;
  get(name: string): Promise<unknown>;
  onAlarm: { addListener(callback: (alarm: { name: string }) => void): void };
}

export interface EventSourceLike {
  addEventListener(type: 'online', listener: () => void): void;
  removeEventListener?(type: 'online', listener: () => void): void;
}

export interface SchedulerDeps {
  alarms?: AlarmsLike;
  /** Where `online` fires: the worker's global scope by default. */
  events?: EventSourceLike;
  now?: () => number;
  debounceMs?: number;
  /** Reports errors that would otherwise be lost (a flush never throws to its caller). */
  onError?: (error: unknown) => void;
}

export type RunReason = 'start' | 'kick' | 'online' | 'alarm' | 'timer' | 'manual';

export interface WaitingReport {
  status: 'waiting';
  nextAttemptAt: number;
}

export interface OutboxScheduler {
  /** Something was written: flush soon (debounced), unless backing off. */
  kick(): void;
  /** Flush now, even during a backoff ("Sync now"). */
  flushNow(): Promise<FlushReport>;
  /** The last run, for tests and diagnostics. */
  idle(): Promise<void>;
  stop(): void;
}

export interface StatsSource {
  stats(): Promise<OutboxStats>;
}

export function startOutboxSync(syncer: Syncer, outbox: StatsSource, deps: SchedulerDeps = {}): OutboxScheduler {
  const alarms: AlarmsLike = deps.alarms ?? (browser.alarms as unknown as AlarmsLike);
  const events: EventSourceLike = deps.events ?? (globalThis as unknown as EventSourceLike);
  const now = deps.now ?? Date.now;
  const debounceMs = deps.debounceMs ?? KICK_DEBOUNCE_MS;
  const onError = deps.onError ?? ((error: unknown) => console.warn('[aitl outbox]', error));

  let stopped = false;
  let kickTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let last: Promise<unknown> = Promise.resolve();

  const onAlarm = (alarm: { name: string }) => {
    if (alarm.name === OUTBOX_ALARM) void run('alarm');
  };
  const onOnline = () => void run('online');
  // Registered synchronously at worker start, so the event that woke the worker is delivered.
  alarms.onAlarm.addListener(onAlarm);
  events.addEventListener('online', onOnline);

  function run(reason: RunReason): Promise<FlushReport | WaitingReport | undefined> {
    const task = runOnce(reason).catch((error: unknown) => {
      onError(error);
      return undefined;
    });
    last = task;
    return task;
  }

  async function runOnce(reason: RunReason): Promise<FlushReport | WaitingReport | undefined> {
    if (stopped) return undefined;
    const force = reason === 'online' || reason === 'manual';
    if (!force) {
      const before = await outbox.stats();
      if (before.nextAttemptAt !== null && before.nextAttemptAt > now()) {
        await keepAlarm(before);
        armRetryTimer(before.nextAttemptAt);
        return { status: 'waiting', nextAttemptAt: before.nextAttemptAt };
      }
    }
    const report = await syncer.flush();
    const after = await outbox.stats();
    await keepAlarm(after);
    if (report.nextAttemptAt !== undefined) armRetryTimer(report.nextAttemptAt);
    return report;
  }

  /** The alarm exists exactly while something waits for the server. */
  async function keepAlarm(stats: OutboxStats): Promise<void> {
    if (stats.pending + stats.inflight > 0) {
      // Re-creating an alarm restarts its period: only create it when missing.
      if (!(await alarms.get(OUTBOX_ALARM))) await alarms.create(OUTBOX_ALARM, { periodInMinutes: ALARM_PERIOD_MINUTES });
    } else {
      await alarms.clear(OUTBOX_ALARM);
    }
  }

  function armRetryTimer(at: number): void {
    const delay = at - now();
    if (stopped || delay > TIMER_HORIZON_MS) return;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void run('timer');
    }, Math.max(0, delay) + 10);
  }

  function kick(): void {
    if (stopped) return;
    if (kickTimer) clearTimeout(kickTimer);
    kickTimer = setTimeout(() => {
      kickTimer = undefined;
      void run('kick');
    }, debounceMs);
  }

  /** Errors reach the caller (the popup shows them) rather than onError. */
  async function flushNow(): Promise<FlushReport> {
    if (stopped) throw new Error('The outbox scheduler is stopped.');
    const task = runOnce('manual');
    last = task.catch(() => undefined);
    const report = await task;
    if (!report || report.status === 'waiting') throw new Error('The outbox scheduler is stopped.');
    return report;
  }

  void run('start');

  return {
    kick,
    flushNow,
    idle: async () => {
      await last;
    },
    stop: () => {
      stopped = true;
      if (kickTimer) clearTimeout(kickTimer);
      if (retryTimer) clearTimeout(retryTimer);
      events.removeEventListener?.('online', onOnline);
    },
  };
}
