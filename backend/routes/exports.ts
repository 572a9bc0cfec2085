/**
 * Training-set exports for analysts (analyst or admin role; everything is scoped to the key's tenant, and another
 * tenant's batch is simply not found).
 *
 * POST /v1/exports — kinds, a window (`since`: an instant or `last`; `until`), filters, archive format → 202 with
 *   the batch, `pending`; it runs in the background (backend/exports/jobs.ts).
 * GET /v1/exports — the tenant's batches, newest first.
 * GET /v1/exports/:id — one batch: status, window, and once ready its manifest and archive.
 * GET /v1/exports/:id/download — the archive, streamed from the store whichever backend made it (409 until ready,
 *   410 once expired: AITL_EXPORT_RETENTION_DAYS).
 * Creating and downloading are written to the audit log.
 */
import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type ExportBatch, type ExportBatchList, ExportRequest } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { configuredExportJobs, ExportWindowError } from '../exports/jobs.ts';
import { readStoredArchive } from '../exports/stored-archive.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError, parseWith, readJson } from '../http/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { findBatch, listBatches, toExportBatch } from '../store/export-batches.ts';
import type { Database, ExportBatchRow } from '../store/schema.ts';

export const ListExportsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).optional().describe('How many of the newest batches, at most 200 (default 50)'),
});

export const ExportIdParams = z.object({ id: z.string().describe('The batch id') });

const CONTENT_TYPE = { 'tar.gz': 'application/gzip', zip: 'application/zip' } as const;

/** A ready batch's archive: from the store, or from its file for a batch made before archives moved there. */
async function archiveBody(db: Kysely<Database>, row: ExportBatchRow, bytes: number): Promise<ReadableStream | undefined> {
  if (row.archive_path) return existsSync(row.archive_path) ? (Readable.toWeb(createReadStream(row.archive_path)) as ReadableStream) : undefined;
  return readStoredArchive(db, row.id, bytes);
}

export function exportRoutes(deps: AppDeps, guard: Guard): Hono {
  const app = new Hono();
  const db = deps.store.db;
  const jobs = deps.exports ?? configuredExportJobs(deps);

  const found = async (tenant: string, id: string) => {
    const row = await findBatch(db, tenant, id);
    if (!row) throw new ApiError(404, 'not_found', `No export batch ${id}`);
    return row;
  };

  app.post('/v1/exports', guard('analyst'), async (c) => {
    const { tenant, role, keyId } = c.get('auth');
    const request = await readJson(c, ExportRequest);
    let id: string;
    try {
      ({ id } = await jobs.start({ tenant, actor: keyId ?? 'anonymous', role }, request));
    } catch (error) {
      if (!(error instanceof ExportWindowError)) throw error;
      throw new ApiError(400, 'validation_failed', `Invalid request: check ${error.path}`, [{ path: error.path, message: error.message }]);
    }
    return c.json<ExportBatch>(toExportBatch(await found(tenant, id)), 202);
  });

  app.get('/v1/exports', guard('analyst'), async (c) => {
    const { limit } = parseWith(ListExportsQuery, c.req.query(), 'query');
    const rows = await listBatches(db, c.get('auth').tenant, limit ?? 50);
    return c.json<ExportBatchList>({ items: rows.map(toExportBatch) }, 200);
  });

  app.get('/v1/exports/:id', guard('analyst'), async (c) => c.json<ExportBatch>(toExportBatch(await found(c.get('auth').tenant, c.req.param('id'))), 200));

  app.get('/v1/exports/:id/download', guard('analyst'), async (c) => {
    const { tenant, role, keyId } = c.get('auth');
    const row = await found(tenant, c.req.param('id'));
    const batch = toExportBatch(row);
    if (batch.status === 'expired') throw new ApiError(410, 'gone', `The archive of export batch ${batch.id} was removed after the retention period; ask for the same window again`);
    if (batch.status !== 'ready' || !batch.archive) {
      throw new ApiError(409, 'conflict', `Export batch ${batch.id} is ${batch.status}${batch.error ? `: ${batch.error}` : ''}; download it once it is ready`);
    }
    const body = await archiveBody(db, row, batch.archive.bytes);
    if (!body) throw new ApiError(404, 'not_found', `The archive of export batch ${batch.id} is no longer kept`);
    await recordAudit(db, { tenant, actor: keyId ?? 'anonymous', role, action: 'export.download', target: batch.id, detail: { archive: batch.archive } });
    const name = `aitl-export-${batch.id}.${batch.request.archive}`;
    return c.body(body, 200, {
      'content-type': CONTENT_TYPE[batch.request.archive],
      'content-length': String(batch.archive.bytes),
      'content-disposition': `attachment; filename="${name}"`,
      etag: `"${batch.archive.sha256}"`,
      'cache-control': 'no-store',
    });
  });

  return app;
}
