/**
 * Drains the outbox to `POST {baseUrl}/v1/annotations:batch`, exactly once per annotation:
 *
 * - Items leave the outbox only on the server's per-item answer (accepted / duplicate → removed, rejected → dead
 *   letters), which the server sends after its commit. Anything else — no answer, a timeout, an error status, an
 *   answer that does not match the batch — puts the batch back, to be sent again; the server's idempotency by id
 *   turns a resend of something it already committed into `duplicate`.
 * - One flusher at a time: a Web Lock (`aitl-outbox-flush`, ifAvailable) across the extension's contexts, an
 *   in-memory one where Web Locks are missing, and calls in the same context join the running flush.
 * - Transient failures (network, timeout, 408, 425, 429, 5xx, unexpected statuses or bodies) back off
 *   exponentially with full jitter (base 1 s, cap 5 min), or longer when the server's Retry-After says so, and are
 *   retried forever; they never dead-letter. 401/403 back off 5–10 min and record "API key missing or not allowed".
 * - 413, or 400 for a whole batch: the batch is split in halves, each retried at once, down to the single item the
 *   server refuses, which is dead-lettered with the server's message.
 */
import ky, { TimeoutError } from 'ky';
import { z } from 'zod';
import { LIMITS } from '../../shared/limits.ts';
import type { FlushReport } from '../../shared/outbox-messages.ts';
import { type ItemResult, type SyncBatchOut, SyncResponse } from '../../shared/sync.ts';
import type { OutboxItem } from './db.ts';
import { CLAIM_LEASE_MS, type Outbox } from './outbox.ts';

export const FLUSH_LOCK_NAME = 'aitl-outbox-flush';
/** Under Chrome's 30 s cut-off for a service worker's fetch, and under the claim lease. */
export const REQUEST_TIMEOUT_MS = 25_000;
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;
/** 401/403 wait at least this long (plus up to as much again of jitter): only an admin can fix the key. */
export const AUTH_BACKOFF_MS = 5 * 60_000;
/** A Retry-After longer than this is treated as this (a misconfigured proxy must not park the queue for days). */
export const MAX_RETRY_AFTER_MS = 60 * 60_000;
/** How long one flush may wait in total for short backoffs before handing the retry to the scheduler. */
export const INLINE_RETRY_BUDGET_MS = 10_000;
/** At most this many of those in-flush retries, however short the delays. */
const MAX_INLINE_RETRIES = 5;
export const AUTH_ERROR_MESSAGE = 'API key missing or not allowed';

export interface SyncConfig {
  baseUrl: string;
  apiKey?: string;
  /** Smaller batches than the syncer's own limits, when an admin asks for them (policy or tenant config). */
  batchItems?: number;
  batchBytes?: number;
}

/** The part of the Web Locks API the syncer uses. */
export interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

export interface SyncerDeps {
  outbox: Outbox;
  config: () => Promise<SyncConfig>;
  fetch?: typeof globalThis.fetch;
  now?: () => number;
  /** In [0, 1): the jitter source. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Web Locks; `navigator.locks` by default, an in-memory lock when that is missing too. */
  locks?: LockManagerLike | null;
  timeoutMs?: number;
  leaseMs?: number;
  /** Total backoff a flush may sleep through itself; longer waits return `backoff` for the scheduler to retry. */
  inlineRetryBudgetMs?: number;
  batchItems?: number;
  batchBytes?: number;
}

export interface Syncer {
  flush(): Promise<FlushReport>;
}

type Failure = { kind: 'transient'; message: string; retryAfterMs?: number } | { kind: 'auth'; message: string };
type Outcome = { kind: 'ok' } | Failure;

/** Held by whichever syncer of this JS realm is flushing, when Web Locks are unavailable. */
let memoryLockHeld = false;

const TRANSIENT_STATUSES = new Set([408, 425, 429]);

export function createSyncer(deps: SyncerDeps): Syncer {
  const { outbox } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const locks = deps.locks === undefined ? (globalThis.navigator?.locks as LockManagerLike | undefined) : (deps.locks ?? undefined);
  const timeoutMs = deps.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const leaseMs = deps.leaseMs ?? CLAIM_LEASE_MS;
  const inlineBudget = deps.inlineRetryBudgetMs ?? INLINE_RETRY_BUDGET_MS;
  const limits = { batchItems: deps.batchItems ?? LIMITS.batchItems, batchBytes: deps.batchBytes ?? LIMITS.batchBytes, leaseMs };
  const http = ky.create({
    timeout: timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });

  let running: Promise<FlushReport> | undefined;
  let again = false;

  function flush(): Promise<FlushReport> {
    if (running) {
      // Join the flush under way, and make it look once more for what was queued since it last looked.
      again = true;
      return running;
    }
    again = false;
    running = withFlushLock(drain).finally(() => {
      running = undefined;
    });
    return running;
  }

  async function withFlushLock(fn: () => Promise<FlushReport>): Promise<FlushReport> {
    if (locks) {
      return locks.request(FLUSH_LOCK_NAME, { ifAvailable: true }, async (lock) => (lock ? fn() : emptyReport('busy')));
    }
    if (memoryLockHeld) return emptyReport('busy');
    memoryLockHeld = true;
    try {
      return await fn();
    } finally {
      memoryLockHeld = false;
    }
  }

  async function drain(): Promise<FlushReport> {
    const report = emptyReport('drained');
    let budget = inlineBudget;
    let inlineRetries = 0;
    let config: SyncConfig;
    try {
      config = await deps.config();
    } catch (error) {
      const outcome: Failure = { kind: 'transient', message: `Settings could not be read: ${describe(error)}` };
      return finish(report, outcome, await backoffDelay(outcome));
    }
    const batchLimits = {
      ...limits,
      batchItems: Math.min(limits.batchItems, config.batchItems ?? Infinity),
      batchBytes: Math.min(limits.batchBytes, config.batchBytes ?? Infinity),
    };
    const url = `${config.baseUrl.replace(/\/+$/, '')}/v1/annotations:batch`;
    const headers: Record<string, string> = config.apiKey ? { authorization: `Bearer ${config.apiKey}` } : {};

    for (;;) {
      const batch = await outbox.claim(now(), batchLimits);
      if (batch.length === 0) {
        if (again) {
          again = false;
          continue;
        }
        return report;
      }
      report.batches++;
      let outcome: Outcome;
      try {
        outcome = await send(batch, 0);
      } catch (error) {
        // The outbox itself failed (IndexedDB error): treat like any transient failure.
        outcome = { kind: 'transient', message: `Local storage error while syncing: ${describe(error)}` };
      }
      if (outcome.kind === 'ok') continue;
      // Whatever of this batch the server has not answered goes back to the queue.
      await outbox.release(batch.map((item) => item.id));
      const delay = await backoffDelay(outcome);
      if (outcome.kind === 'transient' && inlineRetries < MAX_INLINE_RETRIES && delay <= budget) {
        inlineRetries++;
        budget -= delay;
        await sleep(delay);
        continue;
      }
      return finish(report, outcome, delay);
    }

    async function send(items: OutboxItem[], depth: number): Promise<Outcome> {
      const ids = items.map((item) => item.id);
      if (depth > 0) await outbox.renew(ids, now() + leaseMs);
      report.requests++;
      const body: SyncBatchOut = { items: items.map((item) => item.annotation), sentAt: new Date(now()).toISOString() };
      let response: Response;
      try {
        response = await http.post(url, { json: body, headers });
      } catch (error) {
        const message =
          error instanceof TimeoutError
            ? `${config.baseUrl} did not answer within ${Math.round(timeoutMs / 1000)} s`
            : `Cannot reach ${config.baseUrl} (${describe(error)})`;
        return { kind: 'transient', message };
      }

      const status = response.status;
      if (status >= 200 && status < 300) {
        let data: unknown;
        try {
          data = await response.json();
        } catch {
          return { kind: 'transient', message: `${config.baseUrl} answered the sync with a body that is not JSON` };
        }
        const parsed = SyncResponse.safeParse(data);
        if (!parsed.success || !matchesBatch(ids, parsed.data.results)) {
          return { kind: 'transient', message: `${config.baseUrl} answered the sync with results that do not match the batch sent` };
        }
        // The verdicts and "synced, backoff over" land together.
        const settled = await outbox.settle(parsed.data.results, ids, { lastSyncAt: now(), backoffAttempt: 0, nextAttemptAt: null });
        report.accepted += settled.accepted;
        report.duplicate += settled.duplicate;
        report.rejected += settled.rejected;
        return { kind: 'ok' };
      }

      const envelope = await readEnvelope(response);
      if (status === 401 || status === 403) {
        return {
          kind: 'auth',
          message: `${AUTH_ERROR_MESSAGE} (HTTP ${status}${envelope ? `: ${envelope.message}` : ''}). Set the key in the extension's options.`,
        };
      }
      if (status === 413 || status === 400) {
        if (items.length === 1) {
          const code = envelope?.code ?? (status === 413 ? 'payload_too_large' : 'bad_request');
          const message = envelope?.message ?? `HTTP ${status}`;
          report.rejected += await outbox.deadLetter(ids, code, message);
          return { kind: 'ok' };
        }
        // Isolate the item the server refuses: each half is tried at once, recursively.
        const middle = Math.ceil(items.length / 2);
        for (const half of [items.slice(0, middle), items.slice(middle)]) {
          const outcome = await send(half, depth + 1);
          if (outcome.kind !== 'ok') return outcome;
        }
        return { kind: 'ok' };
      }
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now());
      const reason = TRANSIENT_STATUSES.has(status) || status >= 500 ? `HTTP ${status}` : `unexpected HTTP ${status}`;
      return {
        kind: 'transient',
        message: `${config.baseUrl} answered the sync with ${reason}${envelope ? `: ${envelope.message}` : ''}`,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
  }

  /** Computes and records the next attempt after a failure; returns the delay in ms. */
  async function backoffDelay(outcome: Failure): Promise<number> {
    const meta = await outbox.getMeta();
    const attempt = meta.backoffAttempt ?? 0;
    let delay: number;
    if (outcome.kind === 'auth') {
      delay = AUTH_BACKOFF_MS + Math.floor(random() * AUTH_BACKOFF_MS);
    } else {
      // Full jitter: uniformly random in [0, min(cap, base · 2^attempt)).
      delay = Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(attempt, 30)));
      if (outcome.retryAfterMs !== undefined && outcome.retryAfterMs > delay) delay = Math.min(outcome.retryAfterMs, MAX_RETRY_AFTER_MS);
    }
    const at = now();
    await outbox.setMeta({ backoffAttempt: attempt + 1, nextAttemptAt: at + delay, lastError: { at, message: outcome.message } });
    return delay;
  }

  function finish(report: FlushReport, outcome: Failure, delay: number): FlushReport {
    return { ...report, status: outcome.kind === 'auth' ? 'auth' : 'backoff', nextAttemptAt: now() + delay, error: outcome.message };
  }

  return { flush };
}

function emptyReport(status: FlushReport['status']): FlushReport {
  return { status, batches: 0, requests: 0, accepted: 0, duplicate: 0, rejected: 0 };
}

/** One result per id sent, no more, no less. */
function matchesBatch(ids: readonly string[], results: readonly ItemResult[]): boolean {
  if (results.length !== ids.length) return false;
  const expected = new Set(ids);
  const seen = new Set<string>();
  for (const r of results) {
    if (!expected.has(r.id) || seen.has(r.id)) return false;
    seen.add(r.id);
  }
  return true;
}

/** Retry-After as delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The backend's error envelope, read leniently: an error code this build does not know still has a message. */
const LooseErrorEnvelope = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

async function readEnvelope(response: Response): Promise<{ code: string; message: string } | undefined> {
  try {
    const parsed = LooseErrorEnvelope.safeParse(await response.json());
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
