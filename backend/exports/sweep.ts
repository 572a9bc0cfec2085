/**
 * Keeps export batches honest over time; backend/exports/jobs.ts sweeps when it starts and every minute.
 *
 * - Leases. A process holding a batch (queued or running; the CLI's too) refreshes its row's heartbeat. A `pending`
 *   or `running` batch with no sign of life (a recent heartbeat, or a recent creation) for LEASE_STALE_MS was left by
 *   a process that stopped (crash, kill, deploy): it is marked failed. Failed rather than re-queued: a batch that
 *   brought its process down would do so again at every start, while the analyst can simply ask again for the same
 *   window (`since`/`until`; "since my last export" skips failed batches). Leases in the store rather than "whatever
 *   is unfinished at start", because several processes, on one machine or many, may share one store.
 * - Retention. `retentionDays` after a batch was ready its archive is removed and the batch becomes `expired` (the
 *   row, its manifest and the audit log stay). 0 keeps archives forever. `aitl export` batches, written into a folder
 *   of the caller's choosing, have no archive and are left alone.
 * - Leftovers. Archive chunks of any batch neither being made nor ready are removed (interrupted, expired, failed, or
 *   gone), and so are the folders in this process's scratch folder of batches that have finished: a stopped process
 *   leaves its half-written batch there, whichever process then finds it interrupted.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { deleteOrphanArchives } from '../store/export-archives.ts';
import { archivedBefore, finishedAmong, markExpired, markInterrupted, recordHeartbeat, unfinishedBatches } from '../store/export-batches.ts';
import type { Database } from '../store/schema.ts';

export const LEASE_REFRESH_MS = 15_000;
/** Long enough that a busy event loop (a large batch awaits I/O often, but not every second) never looks dead. */
export const LEASE_STALE_MS = 120_000;
export const INTERRUPTED = 'interrupted: the process running this batch stopped before it finished; ask for the same window again';
/** Why a batch that finished after a sweep had failed it as interrupted (its heartbeat was late) is not ready. */
export const SWEPT_WHILE_RUNNING = `interrupted: no heartbeat was seen for ${LEASE_STALE_MS / 1000} s while this batch ran, so it was failed; ask for the same window again`;

export interface Leases {
  /** Takes the lease of a batch this process holds (its row's creation is its first sign of life). */
  hold(id: string): void;
  release(id: string): void;
  holds(id: string): boolean;
  /** Records a heartbeat for every batch held; call it every LEASE_REFRESH_MS. */
  refresh(): Promise<void>;
}

export function leases(db: Kysely<Database>, now: () => Date = () => new Date()): Leases {
  const held = new Set<string>();
  return {
    hold: (id) => void held.add(id),
    release: (id) => void held.delete(id),
    holds: (id) => held.has(id),
    refresh: () => recordHeartbeat(db, [...held], now()),
  };
}

/** The last sign of life of a batch: its heartbeat, or its creation when it has none (yet). */
function lastSeen(batch: { createdAt: string; heartbeatAt: string | null }): number {
  return Math.max(Date.parse(batch.createdAt), batch.heartbeatAt ? Date.parse(batch.heartbeatAt) : -Infinity);
}

export interface SweepOptions {
  /** This process's scratch folder (AITL_EXPORT_DIR), where batches are written before they are packed. */
  dir: string;
  retentionDays: number;
  now: Date;
  /** This process's leases: its own batches are never swept, however late a refresh ran. */
  leases?: Leases;
}

export interface SweepResult {
  interrupted: string[];
  expired: string[];
}

export async function sweepBatches(db: Kysely<Database>, o: SweepOptions): Promise<SweepResult> {
  const interrupted: string[] = [];
  for (const batch of await unfinishedBatches(db)) {
    if (o.leases?.holds(batch.id) || o.now.getTime() - lastSeen(batch) < LEASE_STALE_MS) continue;
    // Not failed when it finished meanwhile (its process was alive after all).
    if (await markInterrupted(db, batch.id, INTERRUPTED, o.now)) interrupted.push(batch.id);
  }
  const expired: string[] = [];
  if (o.retentionDays > 0) {
    for (const batch of await archivedBefore(db, new Date(o.now.getTime() - o.retentionDays * 86_400_000).toISOString())) {
      if (batch.archivePath) rmSync(batch.archivePath, { force: true });
      await markExpired(db, batch.id);
      expired.push(batch.id);
    }
  }
  await deleteOrphanArchives(db);
  await removeFinishedFolders(db, o.dir);
  return { interrupted, expired };
}

/** Removes the scratch folders of batches that have finished (a folder whose name is no batch is not ours). */
async function removeFinishedFolders(db: Kysely<Database>, dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  const names = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  for (const id of await finishedAmong(db, names)) rmSync(join(dir, id), { recursive: true, force: true });
}
