/**
 * Export batches as jobs: a request becomes a batch row (pending) with its window fixed at once, then runs in the
 * background — one batch at a time per process, so a large export never competes with another for memory — into
 * the scratch folder `<export dir>/<id>/`, is packed as a `tar.gz` (or `zip`) straight into the store (chunk by
 * chunk: backend/exports/stored-archive.ts) and marked ready with its manifest; the folder is removed. Any backend on
 * the store then serves the archive.
 *
 * The window is on the time the server received each annotation, half open [from, to). It ends `lag` seconds
 * before the batch was asked for (AITL_EXPORT_LAG_SECONDS, 60 by default): an annotation is stamped when its request
 * arrives but visible only once its transaction commits, so a window that ended "now" could miss rows still being
 * committed, and the next "since my last export" batch (which starts where this one ended) would then skip them.
 * An explicit `until` is honoured but never later than that.
 *
 * Batches a stopped process left unfinished are failed, and archives past their retention removed, by a sweep when the
 * jobs start and every minute (backend/exports/sweep.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Kysely } from 'kysely';
import type { ExportRequest, ExportWindow } from '../../shared/index.ts';
import { normaliseExportRequest, uuidv7 } from '../../shared/index.ts';
import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { isPostgresUrl } from '../store/connect.ts';
import { recordAudit } from '../store/audit.ts';
import { deleteArchive } from '../store/export-archives.ts';
import { insertBatch, lastWindowEnd, markFailed, markReady, markRunning } from '../store/export-batches.ts';
import type { Database } from '../store/schema.ts';
import { archiveEntries, writeBatch } from './batch.ts';
import { writeArchive } from './archive.ts';
import { archiveChunkWriter } from './stored-archive.ts';
import { LEASE_REFRESH_MS, leases, SWEPT_WHILE_RUNNING, type SweepResult, sweepBatches } from './sweep.ts';

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

export interface Caller {
  tenant: string;
  /** API key id, or `cli`. */
  actor: string;
  role: string;
}

/** A request whose window cannot hold anything; `path` names the field at fault (answered 400, or exit 2). */
export class ExportWindowError extends Error {
  override name = 'ExportWindowError';
  constructor(
    readonly path: 'until',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The batch's window: see the module comment. An `until` no later than where "since my last export" starts is refused
 * (ExportWindowError) rather than made into a batch that is empty by construction.
 */
export async function resolveWindow(
  db: Kysely<Database>,
  caller: Caller,
  request: ExportRequest,
  now: Date,
  lagSeconds: number,
): Promise<ExportWindow> {
  const latest = now.getTime() - lagSeconds * 1000;
  const until = request.until === undefined ? latest : Math.min(Date.parse(request.until), latest);
  let from: string | null = null;
  if (request.since === 'last') {
    from = (await lastWindowEnd(db, caller.tenant, caller.actor)) ?? null;
    if (from !== null && request.until !== undefined && Date.parse(request.until) <= Date.parse(from)) {
      throw new ExportWindowError('until', `must be later than ${from}, where your last export ended and "since": "last" starts`);
    }
  } else if (request.since !== undefined) from = new Date(request.since).toISOString();
  const to = new Date(from === null ? until : Math.max(until, Date.parse(from))).toISOString();
  return { from, to };
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

  async function run(batch: {
    id: string;
    tenant: string;
    createdBy: string;
    createdAt: string;
    window: ExportWindow;
    request: ReturnType<typeof normaliseExportRequest>;
  }) {
    const folder = join(options.dir, batch.id);
    try {
      await markRunning(db, batch.id);
      mkdirSync(folder, { recursive: true });
      const spec = {
        batchId: batch.id,
        tenant: batch.tenant,
        createdAt: batch.createdAt,
        createdBy: batch.createdBy,
        window: batch.window,
        request: batch.request,
        lagSeconds: options.lagSeconds,
      };
      const manifest = await writeBatch(db, spec, folder);
      const stored = archiveChunkWriter(db, batch.id, options.chunkBytes);
      const packed = await writeArchive(folder, archiveEntries(manifest), stored, batch.request.archive);
      if (!(await markReady(db, batch.id, manifest, packed))) throw new Error(SWEPT_WHILE_RUNNING);
    } catch (error) {
      options.log?.(error, 'export batch failed', batch.id);
      // Chunks left when this fails too are removed by the next sweep (their batch is not ready).
      await deleteArchive(db, batch.id).catch(() => undefined);
      await markFailed(db, batch.id, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    } finally {
      rmSync(folder, { recursive: true, force: true });
      held.release(batch.id);
    }
  }

  return {
    async start(caller, request) {
      await started;
      const at = now();
      const window = await resolveWindow(db, caller, request, at, options.lagSeconds);
      const batch = {
        id: uuidv7(at.getTime()),
        tenant: caller.tenant,
        createdBy: caller.actor,
        createdAt: at.toISOString(),
        window,
        request: normaliseExportRequest(request),
      };
      held.hold(batch.id);
      try {
        await insertBatch(db, { ...batch, status: 'pending' });
        await recordAudit(db, {
          tenant: caller.tenant,
          actor: caller.actor,
          role: caller.role,
          action: 'export.create',
          target: batch.id,
          detail: { request: batch.request, window },
          at,
        });
      } catch (error) {
        // Not queued: a row already written is then swept as interrupted.
        held.release(batch.id);
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
export function configuredExportJobs(deps: Pick<AppDeps, 'config' | 'store' | 'logger'>): ExportJobs {
  const { config } = deps;
  return exportJobs(deps.store.db, {
    dir: exportDir(config),
    lagSeconds: config.exportLagSeconds ?? DEFAULT_EXPORT_LAG_SECONDS,
    retentionDays: config.exportRetentionDays ?? DEFAULT_EXPORT_RETENTION_DAYS,
    log: (err, message, batchId) => deps.logger.error({ err, batchId }, message),
  });
}
