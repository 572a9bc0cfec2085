/**
 * The annotation outbox: a durable queue in IndexedDB (see db.ts) that the syncer drains. No network here.
 *
 * Limits (shared/limits.ts), and what happens at each:
 * - One annotation ≤ LIMITS.annotationBytes (32 kB of UTF-8 JSON). Larger ones are refused by `add` with a typed
 *   result the sidebar can show; nothing is stored. Validation against the shared `Annotation` schema, likewise.
 * - One batch ≤ LIMITS.batchItems (100) items and ≤ LIMITS.batchBytes (256 kB) of request body. `claim` stops
 *   adding items at whichever comes first; one item always fits, because an item is at most 32 kB.
 * - The queue itself has no limit: pending annotations are never dropped by age or count. The manifest asks for
 *   `unlimitedStorage`; if the disk is still full, `add` refuses the new annotation ("Browser storage is full…")
 *   and the queued ones stay as they were.
 * - A claimed batch is leased for 60 s (CLAIM_LEASE_MS), longer than the 25 s request timeout: a flusher that dies
 *   mid-request (the service worker was stopped) leaves inflight items that the next claim after the lease takes
 *   again. The server is idempotent by id, so a resend after an unseen commit answers `duplicate`.
 *
 * Every write is one read-write transaction with strict durability; `add` resolves only after it committed.
 */
import { Dexie, type Transaction } from 'dexie';
import { Annotation } from '../../shared/annotations.ts';
import { LIMITS } from '../../shared/limits.ts';
import type { AddResult, DeadLetterSummary, DeadLetterExport, OutboxStats } from '../../shared/outbox-messages.ts';
import type { ItemResult } from '../../shared/sync.ts';
import type { DeadLetter, MetaRow, OutboxDb, OutboxItem, OutboxMetaKey, OutboxMetaValues } from './db.ts';

/** How long a claimed batch belongs to its flusher. */
export const CLAIM_LEASE_MS = 60_000;
/** How long `add` waits for its transaction before refusing the annotation (a full disk can hang IndexedDB). */
export const ADD_TIMEOUT_MS = 10_000;
/** JSON around the items of a batch body: `{"items":[],"sentAt":"2026-01-01T00:00:00.000Z"}` plus slack. */
const BATCH_ENVELOPE_BYTES = 128;

export const STORAGE_FULL_MESSAGE =
  'Browser storage is full, so this annotation was not saved. Free up disk space and try again; annotations already waiting to sync are kept.';

export interface ClaimLimits {
  batchItems: number;
  batchBytes: number;
  /** Lease length in ms; CLAIM_LEASE_MS by default. */
  leaseMs?: number;
}

export const DEFAULT_CLAIM_LIMITS: ClaimLimits = { batchItems: LIMITS.batchItems, batchBytes: LIMITS.batchBytes, leaseMs: CLAIM_LEASE_MS };

export interface SettleSummary {
  accepted: number;
  duplicate: number;
  rejected: number;
  released: number;
}

export interface Outbox {
  add(annotation: unknown): Promise<AddResult>;
  claim(now: number, limits?: ClaimLimits): Promise<OutboxItem[]>;
  /**
   * Applies the server's verdicts; ids in `sent` without a verdict go back to pending. `meta` (e.g. lastSyncAt) is
   * written in the same transaction, so no reader sees the items gone but the sync not recorded.
   */
  settle(results: readonly ItemResult[], sent?: readonly string[], meta?: MetaPatch): Promise<SettleSummary>;
  release(ids: readonly string[]): Promise<number>;
  /** Extends the lease of items still inflight (a long split retry). */
  renew(ids: readonly string[], leaseUntil: number): Promise<void>;
  deadLetter(ids: readonly string[], code: string, message: string): Promise<number>;
  stats(): Promise<OutboxStats>;
  deadLetters(): Promise<DeadLetter[]>;
  deadLetterSummaries(): Promise<DeadLetterSummary[]>;
  exportDeadLetters(): Promise<string>;
  getMeta(): Promise<Partial<OutboxMetaValues>>;
  setMeta(patch: MetaPatch): Promise<void>;
}

/** Meta values to write; null deletes the key. */
export type MetaPatch = { [K in OutboxMetaKey]?: OutboxMetaValues[K] | null };

export interface OutboxOptions {
  now?: () => number;
  addTimeoutMs?: number;
}

const encoder = new TextEncoder();

/** UTF-8 size of a value's JSON. */
export function jsonBytes(value: unknown): number {
  return encoder.encode(JSON.stringify(value)).length;
}

export function createOutbox(db: OutboxDb, options: OutboxOptions = {}): Outbox {
  const now = options.now ?? Date.now;
  const addTimeoutMs = options.addTimeoutMs ?? ADD_TIMEOUT_MS;

  async function add(input: unknown): Promise<AddResult> {
    const parsed = Annotation.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
      return { ok: false, code: 'invalid', message: `This annotation is not valid (${where}${issue?.message ?? 'unknown problem'}).` };
    }
    const annotation = parsed.data;
    const bytes = jsonBytes(annotation);
    if (bytes > LIMITS.annotationBytes) {
      return {
        ok: false,
        code: 'too_large',
        message: `This annotation is ${Math.ceil(bytes / 1024)} kB; at most ${LIMITS.annotationBytes / 1024} kB can be saved. Shorten the text and try again.`,
      };
    }

    let tx: Transaction | undefined;
    const write = db.transaction('rw', db.items, db.dead, async (t) => {
      tx = t;
      // Idempotent by id: the sender may retry a message whose answer it lost.
      if ((await db.items.get(annotation.id)) || (await db.dead.get(annotation.id))) return true;
      const item: OutboxItem = { id: annotation.id, state: 'pending', leaseUntil: 0, createdAt: now(), attempts: 0, bytes, annotation };
      await db.items.add(item);
      return false;
    });
    try {
      const duplicate = await withTimeout(write, addTimeoutMs, () => {
        try {
          tx?.abort();
        } catch {
          // Already committing or finished: nothing to abort.
        }
      });
      return { ok: true, id: annotation.id, duplicate };
    } catch (error) {
      if (error instanceof AddTimeout || isQuotaError(error)) return { ok: false, code: 'storage_full', message: STORAGE_FULL_MESSAGE };
      return { ok: false, code: 'storage_error', message: `The annotation could not be saved in the browser: ${describe(error)}` };
    }
  }

  function claim(at: number, limits: ClaimLimits = DEFAULT_CLAIM_LIMITS): Promise<OutboxItem[]> {
    const maxItems = Math.max(1, Math.min(limits.batchItems, LIMITS.batchItems));
    const maxBytes = Math.min(limits.batchBytes, LIMITS.batchBytes);
    const leaseUntil = at + (limits.leaseMs ?? CLAIM_LEASE_MS);
    return db.transaction('rw', db.items, async () => {
      const expired = await db.items
        .where('[state+leaseUntil]')
        .between(['inflight', Dexie.minKey], ['inflight', at], true, true)
        .limit(maxItems)
        .toArray();
      const pending = await db.items
        .where('[state+createdAt]')
        .between(['pending', Dexie.minKey], ['pending', Dexie.maxKey], true, true)
        .limit(maxItems)
        .toArray();
      const candidates = [...expired, ...pending].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const chosen: OutboxItem[] = [];
      let bytes = BATCH_ENVELOPE_BYTES;
      for (const item of candidates) {
        if (chosen.length >= maxItems) break;
        // +1 for the comma between items. The first item always goes, so nothing can block the queue.
        if (chosen.length > 0 && bytes + item.bytes + 1 > maxBytes) break;
        bytes += item.bytes + 1;
        chosen.push({ ...item, state: 'inflight', leaseUntil, attempts: item.attempts + 1 });
      }
      if (chosen.length > 0) await db.items.bulkPut(chosen);
      return chosen;
    });
  }

  function settle(results: readonly ItemResult[], sent?: readonly string[], meta?: MetaPatch): Promise<SettleSummary> {
    const verdicts = new Map(results.map((r) => [r.id, r]));
    const ids = [...new Set(sent ?? results.map((r) => r.id))];
    return db.transaction('rw', db.items, db.dead, db.meta, async () => {
      const summary: SettleSummary = { accepted: 0, duplicate: 0, rejected: 0, released: 0 };
      const rows = await db.items.bulkGet(ids);
      const remove: string[] = [];
      const dead: DeadLetter[] = [];
      const release: OutboxItem[] = [];
      const at = now();
      for (const row of rows) {
        if (!row) continue;
        const verdict = verdicts.get(row.id);
        if (verdict?.status === 'accepted' || verdict?.status === 'duplicate') {
          summary[verdict.status]++;
          remove.push(row.id);
        } else if (verdict?.status === 'rejected') {
          summary.rejected++;
          remove.push(row.id);
          dead.push({
            id: row.id,
            annotation: row.annotation,
            code: verdict.error?.code ?? 'rejected',
            message: verdict.error?.message ?? 'Refused by the server.',
            at,
          });
        } else if (row.state === 'inflight') {
          summary.released++;
          release.push({ ...row, state: 'pending', leaseUntil: 0 });
        }
      }
      if (dead.length > 0) await db.dead.bulkPut(dead);
      if (remove.length > 0) await db.items.bulkDelete(remove);
      if (release.length > 0) await db.items.bulkPut(release);
      if (meta) await writeMeta(meta);
      return summary;
    });
  }

  function release(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return db.transaction('rw', db.items, async () => {
      const rows = (await db.items.bulkGet([...ids])).filter((r): r is OutboxItem => r?.state === 'inflight');
      if (rows.length > 0) await db.items.bulkPut(rows.map((r) => ({ ...r, state: 'pending' as const, leaseUntil: 0 })));
      return rows.length;
    });
  }

  async function renew(ids: readonly string[], leaseUntil: number): Promise<void> {
    if (ids.length === 0) return;
    await db.transaction('rw', db.items, async () => {
      const rows = (await db.items.bulkGet([...ids])).filter((r): r is OutboxItem => r?.state === 'inflight');
      if (rows.length > 0) await db.items.bulkPut(rows.map((r) => ({ ...r, leaseUntil })));
    });
  }

  function deadLetter(ids: readonly string[], code: string, message: string): Promise<number> {
    if (ids.length === 0) return Promise.resolve(0);
    return db.transaction('rw', db.items, db.dead, async () => {
      const rows = (await db.items.bulkGet([...ids])).filter((r): r is OutboxItem => r !== undefined);
      const at = now();
      await db.dead.bulkPut(rows.map((r) => ({ id: r.id, annotation: r.annotation, code, message, at })));
      await db.items.bulkDelete(rows.map((r) => r.id));
      return rows.length;
    });
  }

  async function getMeta(): Promise<Partial<OutboxMetaValues>> {
    const rows = await db.meta.toArray();
    return Object.fromEntries(rows.map((r) => [r.key, r.value])) as Partial<OutboxMetaValues>;
  }

  /** Inside a transaction that includes db.meta. */
  async function writeMeta(patch: MetaPatch): Promise<void> {
    const entries = Object.entries(patch) as [OutboxMetaKey, unknown][];
    const put = entries.filter(([, v]) => v !== null && v !== undefined).map(([key, value]) => ({ key, value }) as MetaRow);
    const remove = entries.filter(([, v]) => v === null).map(([key]) => key);
    if (put.length > 0) await db.meta.bulkPut(put);
    if (remove.length > 0) await db.meta.bulkDelete(remove);
  }

  async function setMeta(patch: MetaPatch): Promise<void> {
    await db.transaction('rw', db.meta, () => writeMeta(patch));
  }

  function stats(): Promise<OutboxStats> {
    return db.transaction('r', db.items, db.dead, db.meta, async () => {
      const pending = await db.items.where('[state+createdAt]').between(['pending', Dexie.minKey], ['pending', Dexie.maxKey], true, true).count();
      const inflight = await db.items.where('[state+createdAt]').between(['inflight', Dexie.minKey], ['inflight', Dexie.maxKey], true, true).count();
      const oldest = await db.items.orderBy('createdAt').first();
      const deadLetters = await db.dead.count();
      const meta = await getMeta();
      return {
        pending,
        inflight,
        oldestPendingAt: oldest?.createdAt ?? null,
        deadLetters,
        lastSyncAt: meta.lastSyncAt ?? null,
        lastError: meta.lastError ?? null,
        nextAttemptAt: meta.nextAttemptAt ?? null,
      };
    });
  }

  function deadLetters(): Promise<DeadLetter[]> {
    return db.dead.orderBy('at').toArray();
  }

  async function deadLetterSummaries(): Promise<DeadLetterSummary[]> {
    return (await deadLetters()).map((d) => ({
      id: d.id,
      kind: d.annotation.kind,
      code: d.code,
      message: d.message,
      at: d.at,
      clientTime: d.annotation.clientTime,
    }));
  }

  async function exportDeadLetters(): Promise<string> {
    const items = await deadLetters();
    const file: DeadLetterExport = {
      exportedAt: new Date(now()).toISOString(),
      count: items.length,
      items: items.map((d) => ({ id: d.id, code: d.code, message: d.message, at: new Date(d.at).toISOString(), annotation: d.annotation })),
    };
    return JSON.stringify(file, null, 2);
  }

  return { add, claim, settle, release, renew, deadLetter, stats, deadLetters, deadLetterSummaries, exportDeadLetters, getMeta, setMeta };
}

class AddTimeout extends Error {
  constructor(ms: number) {
    super(`IndexedDB did not finish the write within ${ms} ms`);
    this.name = 'AddTimeout';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      onTimeout();
      reject(new AddTimeout(ms));
    }, ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** A full disk shows up as QuotaExceededError, directly or as the inner cause of an AbortError. */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 4) return false;
  const e = error as { name?: unknown; inner?: unknown; cause?: unknown };
  if (e.name === 'QuotaExceededError' || e.name === Dexie.errnames.QuotaExceeded) return true;
  return isQuotaError(e.inner, depth + 1) || isQuotaError(e.cause, depth + 1);
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
