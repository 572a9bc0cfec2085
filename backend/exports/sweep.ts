/**
 * Keeps export batches honest over time; backend/exports/jobs.ts sweeps when it starts and every minute.
 *
 * - Leases. A process holding a batch (queued or running; the CLI's too) keeps `<export dir>/<id>.lease` fresh. A
 *   `pending` or `running` batch with no sign of life (a fresh lease, or a recent creation) for LEASE_STALE_MS was
 *   left by a process that stopped (crash, kill, deploy): it is marked failed and its half-written folder and archive
 *   are removed. Failed rather than re-queued: a batch that brought its process down would do so again at every
 *   start, while the analyst can simply ask again for the same window (`since`/`until`; "since my last export" skips
 *   failed batches). Leases rather than "whatever is unfinished at start", because several processes may share one
 *   store and one export folder.
 * - Retention. `retentionDays` after a batch was ready its archive is removed and the batch becomes `expired` (the
 *   row, its manifest and the audit log stay). 0 keeps archives forever. `aitl export` batches, written into a folder
 *   of the caller's choosing, have no archive here and are left alone.
 */
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { archivedBefore, markExpired, markInterrupted, unfinishedBatches } from '../store/export-batches.ts';
import type { Database } from '../store/schema.ts';

export const LEASE_REFRESH_MS = 15_000;
/** Long enough that a busy event loop (a large batch awaits I/O often, but not every second) never looks dead. */
export const LEASE_STALE_MS = 120_000;
export const INTERRUPTED = 'interrupted: the process running this batch stopped before it finished; ask for the same window again';

const leaseFile = (dir: string, id: string) => join(dir, `${id}.lease`);

export interface Leases {
  /** Takes (or renews) the lease of a batch this process holds. */
  hold(id: string): void;
  release(id: string): void;
  holds(id: string): boolean;
  /** Renews every lease held; call it every LEASE_REFRESH_MS. */
  refresh(): void;
}

export function leases(dir: string): Leases {
  const held = new Set<string>();
  // Writing the empty file creates it or, when it exists, sets its modification time: the lease's heartbeat.
  const touch = (id: string) => writeFileSync(leaseFile(dir, id), '');
  return {
    hold(id) {
      mkdirSync(dir, { recursive: true });
      held.add(id);
      touch(id);
    },
    release(id) {
      held.delete(id);
      rmSync(leaseFile(dir, id), { force: true });
    },
    holds: (id) => held.has(id),
    refresh() {
      for (const id of held) touch(id);
    },
  };
}

/** The last sign of life of a batch: its lease's heartbeat, or its creation when it has no lease (yet). */
function lastSeen(dir: string, batch: { id: string; createdAt: string }): number {
  const created = Date.parse(batch.createdAt);
  try {
    return Math.max(created, statSync(leaseFile(dir, batch.id)).mtimeMs);
  } catch {
    return created;
  }
}

export interface SweepOptions {
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
    const { id } = batch;
    if (o.leases?.holds(id) || o.now.getTime() - lastSeen(o.dir, batch) < LEASE_STALE_MS) continue;
    // Not failed when it finished meanwhile (its process was alive after all): then nothing of it is removed.
    if (!(await markInterrupted(db, id, INTERRUPTED, o.now))) continue;
    for (const name of [id, `${id}.tar.gz`, `${id}.zip`, `${id}.lease`]) rmSync(join(o.dir, name), { recursive: true, force: true });
    interrupted.push(id);
  }
  const expired: string[] = [];
  if (o.retentionDays > 0) {
    for (const batch of await archivedBefore(db, new Date(o.now.getTime() - o.retentionDays * 86_400_000).toISOString())) {
      rmSync(batch.archivePath, { force: true });
      await markExpired(db, batch.id);
      expired.push(batch.id);
    }
  }
  return { interrupted, expired };
}
