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
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { ExportBatch, ExportBatchList, ExportPreview, ExportPreviewQuery, ExportRequest } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { configuredExportJobs } from '../exports/jobs.ts';
import { ExportWindowError } from '../exports/lifecycle.ts';
import { readStoredArchive } from '../exports/stored-archive.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError, parseWith, readJson } from '../http/errors.ts';
import { addRoute, auth, failure, invalid, json, jsonBody, security } from '../http/openapi.ts';
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

export function exportRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
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
    const names = await creatorNames(
      db,
      tenant,
      rows.map((r) => r.created_by),
    );
    return rows.map((row) => {
      const batch = toExportBatch(row, names.get(row.created_by) ?? null);
      if (!batch.manifest?.preview) return batch;
      const { preview: _preview, ...manifest } = batch.manifest;
      return { ...batch, manifest };
    });
  };
  const presentOne = async (tenant: string, row: ExportBatchRow) => (await present(tenant, [row]))[0]!;

  const createBatch = createRoute({
    method: 'post',
    path: '/v1/exports',
    summary: 'Start an export batch of training sets (dpo, sft, kto, retrieval, beir, gaps)',
    description:
      'Needs the analyst role. Answers 202 with the batch, `pending`; it runs in the background. The window is on the time the server ' +
      'received each annotation: `since` (an instant, or `last` for where your previous batch ended) to `until`, which is never later ' +
      'than now less AITL_EXPORT_LAG_SECONDS. Recorded in the audit log.',
    middleware: [guard('analyst')] as const,
    security,
    request: { body: jsonBody(ExportRequest) },
    responses: { 202: json(ExportBatch, 'The batch, pending'), ...invalid, ...auth },
  });
  addRoute(app, createBatch, async (c) => {
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

  const listBatchesRoute = createRoute({
    method: 'get',
    path: '/v1/exports',
    summary: "The key's tenant's export batches, newest first",
    description: 'Needs the analyst role.',
    middleware: [guard('analyst')] as const,
    security,
    request: { query: ListExportsQuery },
    responses: { 200: json(ExportBatchList, 'Batches with status, window and, once ready, manifest'), ...invalid, ...auth },
  });
  addRoute(app, listBatchesRoute, async (c) => {
    const { limit } = parseWith(ListExportsQuery, c.req.query(), 'query');
    const { tenant } = c.get('auth');
    const rows = await listBatches(db, tenant, limit ?? 50);
    return c.json<ExportBatchList>({ items: await present(tenant, rows) }, 200);
  });

  const oneBatch = createRoute({
    method: 'get',
    path: '/v1/exports/{id}',
    summary: 'One export batch: status, window, manifest and archive once ready',
    description: "Needs the analyst role. Another tenant's batch answers 404.",
    middleware: [guard('analyst')] as const,
    security,
    request: { params: ExportIdParams },
    responses: { 200: json(ExportBatch, 'The batch'), ...auth, 404: failure('No such batch for this tenant') },
  });
  addRoute(app, oneBatch, async (c) => {
    const { tenant } = c.get('auth');
    return c.json<ExportBatch>(await presentOne(tenant, await found(tenant, c.req.param('id'))), 200);
  });

  const preview = createRoute({
    method: 'get',
    path: '/v1/exports/{id}/preview',
    summary: 'The first records of one file of a ready batch, parsed',
    description:
      "Needs the analyst role. From the preview the batch's manifest keeps (the first 20 records of each file, about 32 KiB of text at most): " +
      'JSON lines parsed, CSV and TSV lines (header first) as text. Expired batches keep it too.',
    middleware: [guard('analyst')] as const,
    security,
    request: { params: ExportIdParams, query: ExportPreviewQuery },
    responses: {
      200: json(ExportPreview, 'The first records of the file'),
      ...invalid,
      ...auth,
      404: failure('No such batch for this tenant, no such file in it, or a batch made before previews were kept'),
      409: failure('The batch is not ready (pending, running or failed)'),
    },
  });
  addRoute(app, preview, async (c) => {
    const { tenant } = c.get('auth');
    const { file, limit } = parseWith(ExportPreviewQuery, c.req.query(), 'query');
    const batch = toExportBatch(await found(tenant, c.req.param('id')));
    // An expired batch keeps its manifest, and so its preview.
    if (!batch.manifest || (batch.status !== 'ready' && batch.status !== 'expired')) {
      throw new ApiError(
        409,
        'conflict',
        `Export batch ${batch.id} is ${batch.status}${batch.error ? `: ${batch.error}` : ''}; its files can be previewed once it is ready`,
      );
    }
    const listed = batch.manifest.files.find((f) => f.path === file);
    if (!listed) {
      throw new ApiError(
        404,
        'not_found',
        `Export batch ${batch.id} has no file ${file}; it has ${batch.manifest.files.map((f) => f.path).join(', ')}`,
      );
    }
    const kept = batch.manifest.preview?.[file];
    if (kept === undefined && listed.records > 0)
      throw new ApiError(404, 'not_found', `Export batch ${batch.id} was made before previews were kept; download it instead`);
    return c.json<ExportPreview>(
      { batchId: batch.id, file, format: listed.format, total: listed.records, records: (kept ?? []).slice(0, limit ?? 5) },
      200,
    );
  });

  const download = createRoute({
    method: 'get',
    path: '/v1/exports/{id}/download',
    summary: "A ready batch's archive: one gzipped JSONL per format (BEIR as a plain folder) and manifest.json",
    description: 'Needs the analyst role. `application/gzip` (tar.gz) or `application/zip`, as the batch asked. Recorded in the audit log.',
    middleware: [guard('analyst')] as const,
    security,
    request: { params: ExportIdParams },
    responses: {
      200: { description: 'The archive' },
      ...auth,
      404: failure('No such batch for this tenant, or its archive is not on this server'),
      409: failure('The batch is not ready (pending, running or failed)'),
      410: failure('The archive was removed after the retention period (AITL_EXPORT_RETENTION_DAYS); the batch and its manifest remain'),
    },
  });
  addRoute(app, download, async (c) => {
    const { tenant, role, keyId } = c.get('auth');
    const row = await found(tenant, c.req.param('id'));
    const batch = toExportBatch(row);
    if (batch.status === 'expired')
      throw new ApiError(
        410,
        'gone',
        `The archive of export batch ${batch.id} was removed after the retention period; ask for the same window again`,
      );
    if (batch.status !== 'ready' || !batch.archive) {
      throw new ApiError(
        409,
        'conflict',
        `Export batch ${batch.id} is ${batch.status}${batch.error ? `: ${batch.error}` : ''}; download it once it is ready`,
      );
    }
    const body = await archiveBody(db, row, batch.archive.bytes);
    if (!body) throw new ApiError(404, 'not_found', `The archive of export batch ${batch.id} is no longer kept`);
    await recordAudit(db, {
      tenant,
      actor: keyId ?? 'anonymous',
      role,
      action: 'export.download',
      target: batch.id,
      detail: { archive: batch.archive },
    });
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
