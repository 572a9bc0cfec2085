/**
 * An export batch's life, one path for POST /v1/exports (jobs.ts: packed into the store) and `aitl export` (written
 * into a folder): `createBatch` fixes the window, records the batch and its audit entry; `runBatch` writes the files,
 * packs them when asked, and marks the batch ready — or failed, with the error rethrown. Holding the batch's lease
 * (sweep.ts) stays with the caller, who knows how long it runs.
 *
 * The window is on the time the server received each annotation, half open [from, to). It ends `lag` seconds
 * before the batch was asked for (AITL_EXPORT_LAG_SECONDS, 60 by default): an annotation is stamped when its request
 * arrives but visible only once its transaction commits, so a window that ended "now" could miss rows still being
 * committed, and the next "since my last export" batch (which starts where this one ended) would then skip them.
 * An explicit `until` is honoured but never later than that.
 */
import type { Kysely } from 'kysely';
import { type ExportManifest, type ExportRequest, type ExportStatus, type ExportWindow, normaliseExportRequest, uuidv7 } from '../../shared/index.ts';
import { recordAudit } from '../store/audit.ts';
import { deleteArchive } from '../store/export-archives.ts';
import { type FinishedArchive, insertBatch, lastWindowEnd, markFailed, markReady, markRunning, type NewBatch } from '../store/export-batches.ts';
import type { Database } from '../store/schema.ts';
import { type BatchOptions, writeBatch } from './batch.ts';
import { SWEPT_WHILE_RUNNING } from './sweep.ts';

export type Batch = Omit<NewBatch, 'status'> & { lagSeconds: number };

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

/** Resolves the window (ExportWindowError when it cannot hold anything), stores the batch as `status`, audits it. */
export async function createBatch(
  db: Kysely<Database>,
  caller: Caller,
  request: ExportRequest,
  options: { at: Date; lagSeconds: number; status: ExportStatus; auditDetail?: Record<string, unknown>; beforeInsert?: (id: string) => void },
): Promise<Batch> {
  const { at, lagSeconds } = options;
  const window = await resolveWindow(db, caller, request, at, lagSeconds);
  const batch: Batch = {
    id: uuidv7(at.getTime()),
    tenant: caller.tenant,
    createdBy: caller.actor,
    createdAt: at.toISOString(),
    window,
    request: normaliseExportRequest(request),
    lagSeconds,
  };
  options.beforeInsert?.(batch.id);
  await insertBatch(db, { ...batch, status: options.status });
  await recordAudit(db, {
    tenant: caller.tenant,
    actor: caller.actor,
    role: caller.role,
    action: 'export.create',
    target: batch.id,
    detail: { request: batch.request, window, ...options.auditDetail },
    at,
  });
  return batch;
}

/**
 * Writes the batch into `folder`, packs it with `pack` when given, and marks it ready; on any failure marks it failed
 * (its stored archive chunks removed) and rethrows.
 */
export async function runBatch(
  db: Kysely<Database>,
  batch: Batch,
  folder: string,
  options: BatchOptions & { pack?: (manifest: ExportManifest) => Promise<FinishedArchive> } = {},
): Promise<ExportManifest> {
  try {
    await markRunning(db, batch.id);
    const spec = { ...batch, batchId: batch.id };
    const manifest = await writeBatch(db, spec, folder, options);
    const packed = options.pack ? await options.pack(manifest) : null;
    if (!(await markReady(db, batch.id, manifest, packed))) throw new Error(SWEPT_WHILE_RUNNING);
    return manifest;
  } catch (error) {
    if (options.pack) await deleteArchive(db, batch.id).catch(() => undefined);
    await markFailed(db, batch.id, error instanceof Error ? error.message : String(error)).catch(() => undefined);
    throw error;
  }
}
