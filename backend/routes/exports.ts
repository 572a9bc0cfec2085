/**
 * Training-set exports for analysts (analyst or admin role; everything is scoped to the key's tenant, and another
 * tenant's batch is simply not found).
 *
 * POST /v1/exports — kinds, a window (`since`: an instant or `last`; `until`), filters, archive format → 202 with
 *   the batch, `pending`; it runs in the background (backend/exports/jobs.ts).
 * GET /v1/exports — the tenant's batches, newest first.
 * GET /v1/exports/:id — one batch: status, window, and once ready its manifest and archive. The list and the detail
 *   name the creator (`createdBy`: key id or `cli`; `createdByName`: the key's name).
 * GET /v1/exports/:id/preview?file=&limit= — the first records (1 to 20) of one file of a ready batch, from the
 *   preview its manifest keeps (backend/exports/preview.ts says why not from the archive).
 * GET /v1/exports/:id/download — the archive, streamed from the store whichever backend made it (409 until ready,
 *   410 once expired: AITL_EXPORT_RETENTION_DAYS).
 * Creating and downloading are written to the audit log.
 */
import { createReadStream, existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Hono } from 'hono';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type ExportBatch, type ExportBatchList, type ExportPreview, ExportPreviewQuery, ExportRequest } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { configuredExportJobs, ExportWindowError } from '../exports/jobs.ts';
import { readStoredArchive } from '../exports/stored-archive.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError, parseWith, readJson } from '../http/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { creatorNames, findBatch, listBatches, toExportBatch } from '../store/export-batches.ts';
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

  /**
   * Batches as the list and detail answer them: with their creator key's name, and without the manifest's preview
   * (up to EXPORT_PREVIEW_FILE_BYTES a file: the preview route serves it, a list polled for progress should not).
   */
  const present = async (tenant: string, rows: readonly ExportBatchRow[]): Promise<ExportBatch[]> => {
    const names = await creatorNames(db, tenant, rows.map((r) => r.created_by));
    return rows.map((row) => {
      const batch = toExportBatch(row, names.get(row.created_by) ?? null);
      if (!batch.manifest?.preview) return batch;
      const { preview: _preview, ...manifest } = batch.manifest;
      return { ...batch, manifest };
    });
  };
  const presentOne = async (tenant: string, row: ExportBatchRow) => (await present(tenant, [row]))[0]!;

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
    return c.json<ExportBatch>(await presentOne(tenant, await found(tenant, id)), 202);
  });

  app.get('/v1/exports', guard('analyst'), async (c) => {
    const { limit } = parseWith(ListExportsQuery, c.req.query(), 'query');
    const { tenant } = c.get('auth');
    const rows = await listBatches(db, tenant, limit ?? 50);
    return c.json<ExportBatchList>({ items: await present(tenant, rows) }, 200);
  });

  app.get('/v1/exports/:id', guard('analyst'), async (c) => {
    const { tenant } = c.get('auth');
    return c.json<ExportBatch>(await presentOne(tenant, await found(tenant, c.req.param('id'))), 200);
  });

  app.get('/v1/exports/:id/preview', guard('analyst'), async (c) => {
    const { tenant } = c.get('auth');
    const { file, limit } = parseWith(ExportPreviewQuery, c.req.query(), 'query');
    const batch = toExportBatch(await found(tenant, c.req.param('id')));
    // An expired batch keeps its manifest, and so its preview.
    if (!batch.manifest || (batch.status !== 'ready' && batch.status !== 'expired')) {
      throw new ApiError(409, 'conflict', `Export batch ${batch.id} is ${batch.status}${batch.error ? `: ${batch.error}` : ''}; its files can be previewed once it is ready`);
    }
    const listed = batch.manifest.files.find((f) => f.path === file);
    if (!listed) {
      throw new ApiError(404, 'not_found', `Export batch ${batch.id} has no file ${file}; it has ${batch.manifest.files.map((f) => f.path).join(', ')}`);
    }
    const kept = batch.manifest.preview?.[file];
    if (kept === undefined && listed.records > 0) throw new ApiError(404, 'not_found', `Export batch ${batch.id} was made before previews were kept; download it instead`);
    return c.json<ExportPreview>({ batchId: batch.id, file, format: listed.format, total: listed.records, records: (kept ?? []).slice(0, limit ?? 5) }, 200);
  });

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
