/**
 * Export batches as jobs: a request becomes a batch row (pending) with its window fixed at once, then runs in the
 * background — one batch at a time per process, so a large export never competes with another for memory — into
 * the scratch folder `<export dir>/<id>/`, is packed as a `tar.gz` (or `zip`) straight into the store (chunk by
 * chunk: backend/exports/stored-archive.ts) and marked ready with its manifest; the folder is removed. Any backend on
 * the store then serves the archive.
 *
 * Batches a stopped process left unfinished are failed, and archives past their retention removed, by a sweep when the
 * jobs start and every minute (backend/exports/sweep.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ExportRequest } from '../../shared/index.ts';
import type { Config } from '../config.ts';
import { isPostgresUrl, type Store } from '../store/connect.ts';
import type { Database } from '../store/schema.ts';
import { archiveEntries } from './batch.ts';
import { type Batch, type Caller, createBatch, runBatch } from './lifecycle.ts';
import { writeArchive } from './archive.ts';
import { archiveChunkWriter } from './stored-archive.ts';
import { LEASE_REFRESH_MS, leases, type SweepResult, sweepBatches } from './sweep.ts';

export const DEFAULT_EXPORT_LAG_SECONDS = 60;
export const DEFAULT_EXPORT_RETENTION_DAYS = 30;
const SWEEP_MS = 60_000;

/**
 * The scratch folder batches are written in before they are packed into the store: AITL_EXPORT_DIR, else `exports/`
 * beside the SQLite file, else `./data/exports`.
 */
export function exportDir(config: Pick<Config, 'databaseUrl'> & { exportDir?: string | undefined }): string {
  if (config.exportDir) return resolve(config.exportDir);
  if (isPostgresUrl(config.databaseUrl) || config.databaseUrl === ':memory:') return resolve('data', 'exports');
  return resolve(dirname(config.databaseUrl), 'exports');
}

export interface ExportJobs {
  /** Records the batch and its audit entry, then runs it in the background; `done` settles when it is ready or failed. */
  start(caller: Caller, request: ExportRequest): Promise<{ id: string; done: Promise<void> }>;
  /** Fails batches left by a stopped process and expires old archives (also done on a timer). */
  sweep(): Promise<SweepResult>;
  /** Stops the timers (they do not keep the process alive either way). */
  stop(): void;
}

export interface JobOptions {
  /** The scratch folder (exportDir). */
  dir: string;
  lagSeconds: number;
  /** Days archives are kept (DEFAULT_EXPORT_RETENTION_DAYS); 0: forever. */
  retentionDays?: number;
  /** Size of the archive chunks stored (ARCHIVE_CHUNK_BYTES). */
  chunkBytes?: number;
  /** What failed, with the batch when it was one. */
  log?: (error: unknown, message: string, batchId?: string) => void;
  now?: () => Date;
}

export function exportJobs(db: Kysely<Database>, options: JobOptions): ExportJobs {
  let queue: Promise<void> = Promise.resolve();
  const now = options.now ?? (() => new Date());
  const held = leases(db, now);
  const sweep = () =>
    sweepBatches(db, { dir: options.dir, retentionDays: options.retentionDays ?? DEFAULT_EXPORT_RETENTION_DAYS, now: now(), leases: held });
  const sweepLogged = () =>
    sweep().catch((error: unknown) => {
      options.log?.(error, 'export sweep failed');
      return { interrupted: [], expired: [] };
    });
  // The first batch waits for the start-up sweep: what a stopped process left is settled before anything new is queued.
  const started = sweepLogged();
  const refreshLogged = () => held.refresh().catch((error: unknown) => options.log?.(error, 'export lease refresh failed'));
  const timers = [setInterval(() => void refreshLogged(), LEASE_REFRESH_MS), setInterval(() => void sweepLogged(), SWEEP_MS)];
  for (const t of timers) t.unref();

  async function run(batch: Batch) {
    const folder = join(options.dir, batch.id);
    try {
      mkdirSync(folder, { recursive: true });
      await runBatch(db, batch, folder, {
        pack: (manifest) =>
          writeArchive(folder, archiveEntries(manifest), archiveChunkWriter(db, batch.id, options.chunkBytes), batch.request.archive),
      });
    } catch (error) {
      options.log?.(error, 'export batch failed', batch.id);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      held.release(batch.id);
    }
  }

  return {
    async start(caller, request) {
      await started;
      let id: string | undefined;
      let batch: Batch;
      try {
        batch = await createBatch(db, caller, request, {
          at: now(),
          lagSeconds: options.lagSeconds,
          status: 'pending',
          beforeInsert: (b) => held.hold((id = b)),
        });
      } catch (error) {
        // Not queued: a row already written is then swept as interrupted.
        if (id !== undefined) held.release(id);
        throw error;
      }
      const done = (queue = queue.then(() => run(batch)));
      return { id: batch.id, done };
    },
    sweep,
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}

/** The export jobs of a server, from its configuration (AITL_EXPORT_DIR, AITL_EXPORT_LAG_SECONDS, AITL_EXPORT_RETENTION_DAYS). */
export function configuredExportJobs(deps: { config: Config; store: Store; logger: Pick<Logger, 'error'> }): ExportJobs {
  const { config } = deps;
  return exportJobs(deps.store.db, {
    dir: exportDir(config),
    lagSeconds: config.exportLagSeconds ?? DEFAULT_EXPORT_LAG_SECONDS,
    retentionDays: config.exportRetentionDays ?? DEFAULT_EXPORT_RETENTION_DAYS,
    log: (err, message, batchId) => deps.logger.error({ err, batchId }, message),
  });
}
