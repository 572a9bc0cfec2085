/**
 * GET /v1/openapi.json — OpenAPI 3.1 generated from the same zod schemas the routes parse with, so the
 * description cannot drift from the code.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import {
  AnnotationPage,
  ErrorEnvelope,
  ExportBatch,
  ExportBatchList,
  ExportPreview,
  ExportPreviewQuery,
  ExportRequest,
  GapList,
  HealthResponse,
  HostConfig,
  InsightsQuery,
  LIMITS,
  PageReport,
  PageReportCreated,
  PageReportList,
  SuggestionRequest,
  SuggestionResponse,
  SyncBatch,
  SyncResponse,
  WhoAmI,
} from '../../shared/index.ts';
import { FlywheelStatus, RollbackRequest, RollbackResult } from '../admin/flywheel.ts';
import { KbStatus } from '../admin/kb.ts';
import { TenantList } from '../admin/tenants.ts';
import { ApiKeyList, CreatedApiKey, CreateKeyRequest, KB_IMPORT_MAX_BYTES, KbImportBody, KbImportResult, KeyIdParams, RevokedApiKey } from './admin.ts';
import { ListAnnotationsQuery } from './annotations.ts';
import { AuditList, ListAuditQuery } from './audit.ts';
import { ExportIdParams, ListExportsQuery } from './exports.ts';
import { ListGapsQuery } from './gaps.ts';
import { INSIGHT_ROUTES, INSIGHTS_QUERY_NOTE } from './insights.ts';
import { ListPageReportsQuery, PAGE_REPORTS_PER_MINUTE } from './page-reports.ts';

const json = (schema: ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const invalid = { 400: json(ErrorEnvelope, 'Malformed JSON or invalid fields; `issues` names each field') };
const auth = {
  401: json(ErrorEnvelope, 'No API key where one is required, or an unknown or revoked key'),
  403: json(ErrorEnvelope, "The key's role may not do this, or the request names another tenant"),
};
const security = [{ apiKey: [] }];

export function openApiRoutes(version: string): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key, `aitl_<id>_<secret>`, made with `aitl keys create`. Optional on a loopback address unless AITL_AUTH=required.',
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/suggestions',
    summary: 'Suggest two grounded replies and the knowledge snippets behind them for a ticket',
    description: "Needs the agent role. The suggestion is recorded for the key's tenant.",
    security,
    request: { body: { required: true, content: { 'application/json': { schema: SuggestionRequest } } } },
    responses: {
      200: json(SuggestionResponse, 'Snippets (top 8 of 75 retrieved) and two candidates'),
      ...invalid,
      ...auth,
      413: json(ErrorEnvelope, `Body larger than ${LIMITS.bodyBytes} bytes`),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/annotations:batch',
    summary: 'Store a batch of annotations exactly once per id',
    description:
      `Needs the agent role. At most ${LIMITS.batchItems} items and ${LIMITS.batchBytes} bytes; each item is an Annotation of at most ` +
      `${LIMITS.annotationBytes} bytes, checked on its own. Answers after the commit, one result per item in the batch's order: ` +
      '`accepted`, `duplicate` (same id and content stored before) or `rejected` with a code: `invalid`, `too_large`, ' +
      '`tenant_mismatch`, `id_conflict` (same id, other content).',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: SyncBatch } } } },
    responses: {
      200: json(SyncResponse, 'What became of each item'),
      ...invalid,
      ...auth,
      413: json(ErrorEnvelope, `More than ${LIMITS.batchItems} items or ${LIMITS.batchBytes} bytes`),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/annotations',
    summary: "The key's tenant's annotations, oldest received first",
    description: 'Needs the analyst role. Pass `nextCursor` back as `cursor`, with the same `since` and `kind`, for the next page.',
    security,
    request: { query: ListAnnotationsQuery },
    responses: { 200: json(AnnotationPage, 'One page of stored annotations'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness and the versions being served',
    responses: { 200: json(HealthResponse, 'The service is up') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/whoami',
    summary: 'The tenant and role the presented API key acts as',
    security,
    responses: { 200: json(WhoAmI, 'The caller'), 401: auth[401] },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/config',
    summary: "The key's tenant's host-adapter selector overrides",
    description:
      'Any valid caller. `{"selectors": {}}` when none are stored. Sent with `Cache-Control: no-cache` and an `ETag`; ' +
      'a request whose `If-None-Match` matches answers 304 with no body.',
    security,
    responses: {
      200: json(HostConfig, 'Per host, selector key → alternatives tried in order'),
      304: { description: 'Unchanged since the ETag in If-None-Match' },
      401: auth[401],
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'put',
    path: '/v1/config',
    summary: "Replace the key's tenant's host-adapter selector overrides",
    description: 'Needs the admin role. Answers the config as stored (a single selector string becomes a one-item list), with its ETag.',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: HostConfig } } } },
    responses: { 200: json(HostConfig, 'The stored config'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/page-reports',
    summary: 'Report a help-desk page the host adapter could not read',
    description:
      "Needs the agent role. Stored for the key's tenant; any query or fragment is stripped from `url` and the reason is redacted. " +
      `At most ${PAGE_REPORTS_PER_MINUTE} reports a minute per tenant, else 429 with Retry-After.`,
    security,
    request: { body: { required: true, content: { 'application/json': { schema: PageReport } } } },
    responses: {
      201: json(PageReportCreated, 'Stored'),
      ...invalid,
      ...auth,
      429: json(ErrorEnvelope, `More than ${PAGE_REPORTS_PER_MINUTE} reports in the last minute for this tenant; see Retry-After`),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/page-reports',
    summary: "The key's tenant's page reports, newest first",
    description: 'Needs the admin role.',
    security,
    request: { query: ListPageReportsQuery },
    responses: { 200: json(PageReportList, 'The newest reports'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/gaps',
    summary: "The key's tenant's gap queue: missing-knowledge reports grouped, biggest gap first",
    description: 'Needs the analyst role. Similar descriptions and reports naming the same outdated article form one group.',
    security,
    request: { query: ListGapsQuery },
    responses: { 200: json(GapList, 'The biggest gaps'), ...invalid, ...auth },
  });
  for (const route of INSIGHT_ROUTES) {
    app.openAPIRegistry.registerPath({
      method: 'get',
      path: `/v1/insights/${route.name}`,
      summary: route.summary,
      description: `Needs the analyst role; the key's tenant's figures only. ${INSIGHTS_QUERY_NOTE} An unknown parameter answers 400 naming it.`,
      security,
      request: { query: InsightsQuery },
      responses: { 200: json(route.schema, 'The figures, as the analyst console charts them'), ...invalid, ...auth },
    });
  }
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/exports',
    summary: 'Start an export batch of training sets (dpo, sft, kto, retrieval, beir, gaps)',
    description:
      "Needs the analyst role. Answers 202 with the batch, `pending`; it runs in the background. The window is on the time the server " +
      'received each annotation: `since` (an instant, or `last` for where your previous batch ended) to `until`, which is never later ' +
      'than now less AITL_EXPORT_LAG_SECONDS. Recorded in the audit log.',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: ExportRequest } } } },
    responses: { 202: json(ExportBatch, 'The batch, pending'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/exports',
    summary: "The key's tenant's export batches, newest first",
    description: 'Needs the analyst role.',
    security,
    request: { query: ListExportsQuery },
    responses: { 200: json(ExportBatchList, 'Batches with status, window and, once ready, manifest'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/exports/{id}',
    summary: 'One export batch: status, window, manifest and archive once ready',
    description: 'Needs the analyst role. Another tenant\'s batch answers 404.',
    security,
    request: { params: ExportIdParams },
    responses: { 200: json(ExportBatch, 'The batch'), ...auth, 404: json(ErrorEnvelope, 'No such batch for this tenant') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/exports/{id}/download',
    summary: "A ready batch's archive: one gzipped JSONL per format (BEIR as a plain folder) and manifest.json",
    description: 'Needs the analyst role. `application/gzip` (tar.gz) or `application/zip`, as the batch asked. Recorded in the audit log.',
    security,
    request: { params: ExportIdParams },
    responses: {
      200: { description: 'The archive' },
      ...auth,
      404: json(ErrorEnvelope, 'No such batch for this tenant, or its archive is not on this server'),
      409: json(ErrorEnvelope, 'The batch is not ready (pending, running or failed)'),
      410: json(ErrorEnvelope, 'The archive was removed after the retention period (AITL_EXPORT_RETENTION_DAYS); the batch and its manifest remain'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/exports/{id}/preview',
    summary: 'The first records of one file of a ready batch, parsed',
    description:
      "Needs the analyst role. From the preview the batch's manifest keeps (the first 20 records of each file, about 32 KiB of text at most): " +
      'JSON lines parsed, CSV and TSV lines (header first) as text. Expired batches keep it too.',
    security,
    request: { params: ExportIdParams, query: ExportPreviewQuery },
    responses: {
      200: json(ExportPreview, 'The first records of the file'),
      ...invalid,
      ...auth,
      404: json(ErrorEnvelope, 'No such batch for this tenant, no such file in it, or a batch made before previews were kept'),
      409: json(ErrorEnvelope, 'The batch is not ready (pending, running or failed)'),
    },
  });
  const audited = 'Needs the admin role. Recorded in the audit log (GET /v1/audit).';
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/admin/keys',
    summary: "Make an API key for the caller's tenant; the key is in the answer this once",
    description: `${audited} A \`tenant\` other than the caller's answers 403.`,
    security,
    request: { body: { required: true, content: { 'application/json': { schema: CreateKeyRequest } } } },
    responses: { 201: json(CreatedApiKey, 'The key and what lists show of it'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/admin/keys',
    summary: "The caller's tenant's API keys (never their secrets)",
    description: audited,
    security,
    responses: { 200: json(ApiKeyList, 'Keys, oldest first, with created, last used and revoked times'), ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/admin/keys/{id}/revoke',
    summary: 'Revoke an API key for good: its next request answers 401',
    description: `${audited} Another tenant's key answers 404.`,
    security,
    request: { params: KeyIdParams },
    responses: { 200: json(RevokedApiKey, 'Revoked now, or already before'), ...auth, 404: json(ErrorEnvelope, 'No such key for this tenant') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/admin/tenants',
    summary: "The caller's tenant with counts: keys by role, annotations, suggestions, last activity",
    description: `${audited} \`aitl tenants list\` lists every tenant of the store.`,
    security,
    responses: { 200: json(TenantList, 'One item, the caller’s tenant'), ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/admin/kb',
    summary: 'The knowledge base: newest import, passages stored, index version served',
    description: audited,
    security,
    responses: { 200: json(KbStatus, 'Knowledge-base status'), ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/admin/kb/import',
    summary: 'Import knowledge-base articles from a JSONL body, as `aitl kb import FILE.jsonl`, served at once',
    description:
      `${audited} Recorded as \`kb.import\` under tenant \`*\` (the knowledge base serves every tenant). Every line is checked ` +
      'before anything is stored: a bad one fails the whole import. Articles whose id was imported before are replaced. One import at a time.',
    security,
    request: {
      body: {
        required: true,
        content: { 'application/x-ndjson': { schema: KbImportBody }, 'application/jsonl': { schema: KbImportBody } },
      },
    },
    responses: {
      200: json(KbImportResult, 'The import: its id, articles read and passages stored'),
      400: json(ErrorEnvelope, 'A line is not JSON or lacks a field (`issues` names `line N.field`), ids repeat, or there are no articles; nothing was imported'),
      ...auth,
      409: json(ErrorEnvelope, 'Another import is running (code `busy`)'),
      413: json(ErrorEnvelope, `Body larger than ${KB_IMPORT_MAX_BYTES} bytes; nothing was imported`),
      415: json(ErrorEnvelope, 'Content-Type is not application/x-ndjson or application/jsonl'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/admin/flywheel',
    summary: "The flywheel: each artefact's current version, the registry's newest versions, recent runs",
    description: audited,
    security,
    responses: { 200: json(FlywheelStatus, 'Flywheel status'), ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/admin/flywheel/rollback',
    summary: 'Make an earlier version (or the built-in default) current again',
    description: `${audited} The knowledge base and the flywheel serve every tenant: the entry is recorded under tenant \`*\`, seen by every tenant's admins.`,
    security,
    request: { body: { required: true, content: { 'application/json': { schema: RollbackRequest } } } },
    responses: {
      200: json(RollbackResult, 'The artefact kind, the version replaced and the one restored'),
      ...invalid,
      ...auth,
      404: json(ErrorEnvelope, 'No such version'),
      409: json(ErrorEnvelope, 'That version is already current'),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/audit',
    summary: "The audit log, newest first: the caller's tenant's entries and those reaching every tenant (`*`)",
    description: 'Needs the admin role. Key, tenant, knowledge-base and flywheel actions from the admin API and the command line (actor `cli`), exports.',
    security,
    request: { query: ListAuditQuery },
    responses: { 200: json(AuditList, 'Entries'), ...invalid, ...auth },
  });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'AITL API', version, description: 'Reply suggestions and training signals for help desks.' },
  });
  return app;
}
