/** Export batches (backend/exports): one row per batch, from request to ready (or failed), and ready to expired. */
import type { Kysely } from 'kysely';
import type { ExportBatch, ExportManifest, ExportStatus, ExportWindow, NormalisedExportRequest } from '../../shared/index.ts';
import type { Database, ExportBatchRow } from './schema.ts';

export interface NewBatch {
  id: string;
  tenant: string;
  createdBy: string;
  createdAt: string;
  status: ExportStatus;
  request: NormalisedExportRequest;
  window: ExportWindow;
}

export async function insertBatch(db: Kysely<Database>, b: NewBatch): Promise<void> {
  await db
    .insertInto('export_batches')
    .values({
      id: b.id,
      tenant: b.tenant,
      created_by: b.createdBy,
      created_at: b.createdAt,
      status: b.status,
      request: JSON.stringify(b.request),
      window_from: b.window.from,
      window_to: b.window.to,
      manifest: null,
      error: null,
      archive_path: null,
      archive_bytes: null,
      archive_sha256: null,
      finished_at: null,
      heartbeat_at: null,
    })
    .execute();
}

export async function markRunning(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('export_batches').set({ status: 'running' }).where('id', '=', id).execute();
}

/** An archive stored for the batch (backend/exports/stored-archive.ts). */
export interface FinishedArchive {
  bytes: number;
  sha256: string;
}

/**
 * Marks a running batch ready, with its archive when one was stored. Answers false, changing nothing, when the
 * batch is no longer running: a sweep failed it as interrupted meanwhile.
 */
export async function markReady(
  db: Kysely<Database>,
  id: string,
  manifest: ExportManifest,
  archive: FinishedArchive | null,
  at = new Date(),
): Promise<boolean> {
  const result = await db
    .updateTable('export_batches')
    .set({
      status: 'ready',
      manifest: JSON.stringify(manifest),
      archive_bytes: archive?.bytes ?? null,
      archive_sha256: archive?.sha256 ?? null,
      finished_at: at.toISOString(),
    })
    .where('id', '=', id)
    .where('status', '=', 'running')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function markFailed(db: Kysely<Database>, id: string, error: string, at = new Date()): Promise<void> {
  await db
    .updateTable('export_batches')
    .set({ status: 'failed', error: error.slice(0, 2000), finished_at: at.toISOString() })
    .where('id', '=', id)
    .execute();
}

/** Batches not finished (pending or running), every tenant's: what a sweep checks for a lost owner. */
export async function unfinishedBatches(db: Kysely<Database>): Promise<{ id: string; createdAt: string; heartbeatAt: string | null }[]> {
  const rows = await db
    .selectFrom('export_batches')
    .select(['id', 'created_at', 'heartbeat_at'])
    .where('status', 'in', ['pending', 'running'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, createdAt: r.created_at, heartbeatAt: r.heartbeat_at }));
}

/** The heartbeat of the batches a process holds: they are alive. */
export async function recordHeartbeat(db: Kysely<Database>, ids: readonly string[], at: Date): Promise<void> {
  if (ids.length === 0) return;
  await db.updateTable('export_batches').set({ heartbeat_at: at.toISOString() }).where('id', 'in', ids).execute();
}

/** Those of `ids` that are batches no longer pending or running. */
export async function finishedAmong(db: Kysely<Database>, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.selectFrom('export_batches').select('id').where('id', 'in', ids).where('status', 'not in', ['pending', 'running']).execute();
  return rows.map((r) => r.id);
}

/** Fails a batch that nobody runs any more; a no-op when it finished meanwhile. Answers whether it changed. */
export async function markInterrupted(db: Kysely<Database>, id: string, reason: string, at = new Date()): Promise<boolean> {
  const result = await db
    .updateTable('export_batches')
    .set({ status: 'failed', error: reason, finished_at: at.toISOString() })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'running'])
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/**
 * Ready batches with an archive that finished before `before`: what retention removes. `archivePath` is the file of
 * a batch made before archives moved into the store.
 */
export async function archivedBefore(db: Kysely<Database>, before: string): Promise<{ id: string; archivePath: string | null }[]> {
  const rows = await db
    .selectFrom('export_batches')
    .select(['id', 'archive_path'])
    .where('status', '=', 'ready')
    .where('archive_sha256', 'is not', null)
    .where('finished_at', '<', before)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, archivePath: r.archive_path }));
}

/** A ready batch whose archive goes: `expired`, no archive to offer; its manifest and window stay. */
export async function markExpired(db: Kysely<Database>, id: string): Promise<void> {
  await db.updateTable('export_batches').set({ status: 'expired', archive_path: null }).where('id', '=', id).where('status', '=', 'ready').execute();
}

/** The batch with this id if it belongs to `tenant`. */
export async function findBatch(db: Kysely<Database>, tenant: string, id: string): Promise<ExportBatchRow | undefined> {
  return db.selectFrom('export_batches').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
}

/** A tenant's batches, newest first. */
export async function listBatches(db: Kysely<Database>, tenant: string, limit: number): Promise<ExportBatchRow[]> {
  return db
    .selectFrom('export_batches')
    .selectAll()
    .where('tenant', '=', tenant)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Where the creator's newest batch that did not fail ended: the start of "since my last export". */
export async function lastWindowEnd(db: Kysely<Database>, tenant: string, createdBy: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('export_batches')
    .select('window_to')
    .where('tenant', '=', tenant)
    .where('created_by', '=', createdBy)
    .where('status', '!=', 'failed')
    .orderBy('window_to', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.window_to;
}

/** The names of the tenant's keys among `ids` (batch creators), by id; unnamed and unknown ones are left out. */
export async function creatorNames(db: Kysely<Database>, tenant: string, ids: readonly string[]): Promise<Map<string, string>> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return new Map();
  const rows = await db.selectFrom('api_keys').select(['id', 'name']).where('tenant', '=', tenant).where('id', 'in', wanted).execute();
  return new Map(rows.filter((r) => r.name).map((r) => [r.id, r.name]));
}

/** The API shape of a row; `createdByName` is the creator key's name (creatorNames). */
export function toExportBatch(row: ExportBatchRow, createdByName: string | null = null): ExportBatch {
  const request = JSON.parse(row.request) as NormalisedExportRequest;
  const archive =
    row.status === 'ready' && row.archive_bytes !== null && row.archive_sha256 !== null
      ? { name: `${row.id}.${request.archive}`, bytes: Number(row.archive_bytes), sha256: row.archive_sha256 }
      : null;
  return {
    id: row.id,
    status: row.status as ExportStatus,
    createdAt: row.created_at,
    createdBy: row.created_by,
    createdByName,
    finishedAt: row.finished_at,
    window: { from: row.window_from, to: row.window_to },
    request,
    manifest: row.manifest ? (JSON.parse(row.manifest) as ExportManifest) : null,
    error: row.error,
    archive,
  };
}
