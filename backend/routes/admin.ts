/**
 * The admin API (admin role; each call is written to the audit log, readable at GET /v1/audit):
 *
 * POST /v1/admin/keys {role, name?, tenant?} — a new key of the caller's tenant, 201 with the key (shown once).
 * GET  /v1/admin/keys — the tenant's keys, never their secrets.
 * POST /v1/admin/keys/:id/revoke — revoked for good; its next request answers 401.
 * GET  /v1/admin/tenants — the caller's tenant with counts (keys, annotations, suggestions, last activity).
 * GET  /v1/admin/kb — the knowledge base serving the tenant: its newest import, passages stored, the index served.
 * POST /v1/admin/kb/import — a JSONL body of articles (application/x-ndjson or application/jsonl, at most 50 MB)
 *      into the tenant's own knowledge base (the shared one with AITL_KNOWLEDGE=shared), checked and imported
 *      exactly as `aitl kb import FILE.jsonl --tenant T` (a bad line is a 400 naming it, nothing imported), then
 *      served at once; one import per base at a time (another meanwhile answers 409 busy).
 * GET  /v1/admin/flywheel — the tenant's current versions, its newest versions, its recent runs.
 * POST /v1/admin/flywheel/rollback {version} — makes an earlier version of the tenant current again; served at once here.
 *
 * Everything is the caller's tenant's only (another tenant's key or version is not found). An import into the
 * shared knowledge base reaches every tenant, so it is audited under tenant `*`, visible to every tenant's admins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { z } from 'zod';
import { Role } from '../../shared/index.ts';
import { FlywheelStatus, flywheelStatus, RollbackRequest, RollbackResult } from '../admin/flywheel.ts';
import { KbStatus, kbStatus } from '../admin/kb.ts';
import { tenantSummaries, TenantList } from '../admin/tenants.ts';
import type { AppDeps } from '../deps.ts';
import { findVersion, rollback, RollbackError } from '../models/registry.ts';
import { DEFAULT_VERSION_ID } from '../models/artefacts.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError, readJson } from '../http/errors.ts';
import { addRoute, auth, failure, invalid, json, jsonBody, security } from '../http/openapi.ts';
import { saveRequestBody } from '../http/upload.ts';
import { importAndEmbed, ImportBusyError, type IngestResult, withImportLock } from '../kb/ingest.ts';
import { ImportError } from '../kb/sources.ts';
import { importBaseOf, SHARED_KNOWLEDGE } from '../rag/knowledge-bases.ts';
import { type ApiKeyInfo, createApiKey, getApiKey, listTenantApiKeys, revokeApiKey } from '../store/api-keys.ts';
import { GLOBAL_AUDIT_TENANT, recordAudit } from '../store/audit.ts';

export const CreateKeyRequest = z.object({
  role: Role,
  name: z.string().max(200).optional(),
  /** Only the caller's own tenant; another answers 403. */
  tenant: z.string().min(1).max(128).optional(),
});

export const ApiKeyItem = z.object({
  id: z.string(),
  tenant: z.string(),
  role: Role,
  name: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});
export const ApiKeyList = z.object({ items: z.array(ApiKeyItem) });
export const CreatedApiKey = z.object({ key: z.string().describe('The key itself: shown this once, only its hash is kept'), info: ApiKeyItem });
export const KeyIdParams = z.object({ id: z.string().describe("The key's public id (the 16 hex digits after aitl_)") });
export const RevokedApiKey = z.object({ id: z.string(), status: z.enum(['revoked', 'already_revoked']) });

export const KB_IMPORT_PATH = '/v1/admin/kb/import';
/** Largest knowledge import body, in bytes (the app-wide body limit does not apply to this route). */
export const KB_IMPORT_MAX_BYTES = 50 * 1024 * 1024;
/** The limit the route enforces; tests lower it. */
export const kbImportOptions = { maxBytes: KB_IMPORT_MAX_BYTES };
export const KB_IMPORT_TYPES = ['application/x-ndjson', 'application/jsonl'] as const;
export const KbImportBody = z
  .string()
  .describe('JSON Lines: one article per line, {"id","title","body","url"?,"tags"?,"metadata"?} (BEIR corpus lines are read too)');
export const KbImportResult = z.object({
  importId: z.string(),
  format: z.enum(['beir', 'jsonl', 'markdown']),
  articles: z.number().int(),
  passages: z.number().int(),
});
const AUDITED = 'Needs the admin role. Recorded in the audit log (GET /v1/audit).';
/** What kb_imports records as the source of an import made over HTTP. */
const HTTP_SOURCE = `POST ${KB_IMPORT_PATH}`;

export function adminRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
  const db = deps.store.db;

  /** Appends the caller's action to the audit log (tenant `*` for what reaches every tenant). */
  const audit = (c: Context, action: string, target: string | null, detail: Record<string, unknown> = {}, global = false) => {
    const { tenant, role, keyId } = c.get('auth');
    return recordAudit(db, {
      tenant: global ? GLOBAL_AUDIT_TENANT : tenant,
      actor: keyId ?? 'anonymous',
      role,
      action,
      target,
      detail: global ? { ...detail, tenant } : detail,
    });
  };

  const createKey = createRoute({
    method: 'post',
    path: '/v1/admin/keys',
    summary: "Make an API key for the caller's tenant; the key is in the answer this once",
    description: `${AUDITED} A \`tenant\` other than the caller's answers 403.`,
    middleware: [guard('admin')] as const,
    security,
    request: { body: jsonBody(CreateKeyRequest) },
    responses: { 201: json(CreatedApiKey, 'The key and what lists show of it'), ...invalid, ...auth },
  });
  addRoute(app, createKey, async (c) => {
    const { tenant } = c.get('auth');
    const request = await readJson(c, CreateKeyRequest);
    if (request.tenant !== undefined && request.tenant !== tenant) throw new ApiError(403, 'forbidden', `This key manages tenant ${tenant} only`);
    const { key, info } = await createApiKey(db, { tenant, role: request.role, name: request.name });
    await audit(c, 'key.create', info.id, { role: info.role, name: info.name });
    return c.json({ key, info: item(info) }, 201);
  });

  const listKeys = createRoute({
    method: 'get',
    path: '/v1/admin/keys',
    summary: "The caller's tenant's API keys (never their secrets)",
    description: AUDITED,
    middleware: [guard('admin')] as const,
    security,
    responses: { 200: json(ApiKeyList, 'Keys, oldest first, with created, last used and revoked times'), ...auth },
  });
  addRoute(app, listKeys, async (c) => {
    const keys = await listTenantApiKeys(db, c.get('auth').tenant);
    await audit(c, 'key.list', null, { count: keys.length });
    return c.json({ items: keys.map(item) }, 200);
  });

  const revokeKey = createRoute({
    method: 'post',
    path: '/v1/admin/keys/{id}/revoke',
    summary: 'Revoke an API key for good: its next request answers 401',
    description: `${AUDITED} Another tenant's key answers 404.`,
    middleware: [guard('admin')] as const,
    security,
    request: { params: KeyIdParams },
    responses: { 200: json(RevokedApiKey, 'Revoked now, or already before'), ...auth, 404: failure('No such key for this tenant') },
  });
  addRoute(app, revokeKey, async (c) => {
    const id = c.req.param('id');
    const key = await getApiKey(db, id);
    if (!key || key.tenant !== c.get('auth').tenant) throw new ApiError(404, 'not_found', `No API key ${id}`);
    const result = await revokeApiKey(db, id);
    if (result === 'not_found') throw new ApiError(404, 'not_found', `No API key ${id}`);
    await audit(c, 'key.revoke', id, { result, role: key.role, name: key.name });
    return c.json({ id, status: result }, 200);
  });

  const tenants = createRoute({
    method: 'get',
    path: '/v1/admin/tenants',
    summary: "The caller's tenant with counts: keys by role, annotations, suggestions, last activity",
    description: `${AUDITED} \`aitl tenants list\` lists every tenant of the store.`,
    middleware: [guard('admin')] as const,
    security,
    responses: { 200: json(TenantList, 'One item, the caller’s tenant'), ...auth },
  });
  addRoute(app, tenants, async (c) => {
    const items = await tenantSummaries(db, c.get('auth').tenant);
    await audit(c, 'tenant.list', null);
    return c.json<TenantList>({ items }, 200);
  });

  const kb = createRoute({
    method: 'get',
    path: '/v1/admin/kb',
    summary: 'The knowledge base: newest import, passages stored, index version served',
    description: AUDITED,
    middleware: [guard('admin')] as const,
    security,
    responses: { 200: json(KbStatus, 'Knowledge-base status'), ...auth },
  });
  addRoute(app, kb, async (c) => {
    const status = await kbStatus(deps, c.get('auth').tenant);
    await audit(c, 'kb.status', status.latestImport?.id ?? null);
    return c.json(status, 200);
  });

  const kbImport = createRoute({
    method: 'post',
    path: KB_IMPORT_PATH,
    summary: 'Import knowledge-base articles from a JSONL body, as `aitl kb import FILE.jsonl`, served at once',
    description:
      `${AUDITED} Goes into the caller's tenant's own knowledge base (with AITL_KNOWLEDGE=shared, into the shared one, audited ` +
      'under tenant `*`). Every line is checked before anything is stored: a bad one fails the whole import. Articles whose id was ' +
      'imported before are replaced. One import per knowledge base at a time.',
    middleware: [guard('admin')] as const,
    security,
    request: {
      body: {
        required: true,
        content: { 'application/x-ndjson': { schema: KbImportBody }, 'application/jsonl': { schema: KbImportBody } },
      },
    },
    responses: {
      200: json(KbImportResult, 'The import: its id, articles read and passages stored'),
      400: failure('A line is not JSON or lacks a field (`issues` names `line N.field`), ids repeat, or there are no articles; nothing was imported'),
      ...auth,
      409: failure('Another import is running (code `busy`)'),
      413: failure(`Body larger than ${KB_IMPORT_MAX_BYTES} bytes; nothing was imported`),
      415: failure('Content-Type is not application/x-ndjson or application/jsonl'),
    },
  });
  addRoute(app, kbImport, async (c) => {
    const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!(KB_IMPORT_TYPES as readonly string[]).includes(type)) {
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Content-Type must be ${KB_IMPORT_TYPES.join(' or ')} (JSONL articles), not ${type || 'missing'}`,
      );
    }
    const { tenant } = c.get('auth');
    const base = importBaseOf(tenant, deps.knowledge.mode);
    const dir = mkdtempSync(join(tmpdir(), 'aitl-kb-import-'));
    try {
      const file = join(dir, 'articles.jsonl');
      let bytes = 0;
      let result: IngestResult;
      try {
        // The lock is held from the first byte received: a second upload into the base is refused at once.
        result = await withImportLock(deps.store, base, async () => {
          bytes = await saveRequestBody(c, file, kbImportOptions.maxBytes, 'Knowledge import body');
          return importAndEmbed(deps.store, file, { base, source: HTTP_SOURCE, embed: deps.config.embed });
        });
      } catch (error) {
        if (error instanceof ImportBusyError) throw new ApiError(409, 'busy', error.message);
        if (error instanceof ImportError) throw importFailure(error, file);
        throw error;
      }
      const { embedding, base: _base, ...summary } = result;
      if (embedding && 'error' in embedding)
        deps.logger.warn({ err: embedding.error, importId: summary.importId }, 'embeddings not stored for the imported passages');
      await audit(
        c,
        'kb.import',
        summary.importId,
        { format: summary.format, articles: summary.articles, passages: summary.passages, bytes, base },
        base === SHARED_KNOWLEDGE,
      );
      // Served here at once (to every tenant this process serves from the shared base); other backends within AITL_INDEX_REFRESH_SECONDS.
      if (base === SHARED_KNOWLEDGE) await deps.knowledge.refreshIfStale();
      else await deps.knowledge.reload(tenant);
      return c.json<z.infer<typeof KbImportResult>>(summary, 200);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const flywheel = createRoute({
    method: 'get',
    path: '/v1/admin/flywheel',
    summary: "The flywheel: each artefact's current version, the registry's newest versions, recent runs",
    description: AUDITED,
    middleware: [guard('admin')] as const,
    security,
    responses: { 200: json(FlywheelStatus, 'Flywheel status'), ...auth },
  });
  addRoute(app, flywheel, async (c) => {
    const status = await flywheelStatus(db, c.get('auth').tenant);
    await audit(c, 'flywheel.status', null, { current: status.current });
    return c.json(status, 200);
  });

  const rollbackRoute = createRoute({
    method: 'post',
    path: '/v1/admin/flywheel/rollback',
    summary: 'Make an earlier version (or the built-in default) current again',
    description: `${AUDITED} The knowledge base and the flywheel serve every tenant: the entry is recorded under tenant \`*\`, seen by every tenant's admins.`,
    middleware: [guard('admin')] as const,
    security,
    request: { body: jsonBody(RollbackRequest) },
    responses: {
      200: json(RollbackResult, 'The artefact kind, the version replaced and the one restored'),
      ...invalid,
      ...auth,
      404: failure('No such version'),
      409: failure('That version is already current'),
    },
  });
  addRoute(app, rollbackRoute, async (c) => {
    const { tenant } = c.get('auth');
    const { version } = await readJson(c, RollbackRequest);
    const isDefault = Object.values(DEFAULT_VERSION_ID).includes(version);
    if (!isDefault && !(await findVersion(db, tenant, version)))
      throw new ApiError(404, 'not_found', `No model version "${version}"; GET /v1/admin/flywheel lists them`);
    let done: { kind: string; from: string; to: string };
    try {
      done = await rollback(db, tenant, version);
    } catch (error) {
      if (error instanceof RollbackError) throw new ApiError(409, 'conflict', error.message);
      throw error;
    }
    await audit(c, 'flywheel.rollback', version, { kind: done.kind, from: done.from });
    // This process serves the restored version at once (its corpus kept); others within AITL_INDEX_REFRESH_SECONDS.
    await deps.knowledge.refreshIfStale();
    return c.json(done, 200);
  });

  return app;
}

/** The importer's error about the temp file, as a 400 about the request body's line and fields. */
function importFailure(error: ImportError, file: string): ApiError {
  if (error.line === undefined) return new ApiError(400, 'validation_failed', error.message.split(file).join('The request body'));
  const issues = error.issues.map((i) => ({ path: i.path ? `line ${error.line}.${i.path}` : `line ${error.line}`, message: i.message }));
  return new ApiError(
    400,
    'validation_failed',
    `Line ${error.line}: ${error.issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`,
    issues,
  );
}

function item(info: ApiKeyInfo): z.infer<typeof ApiKeyItem> {
  return {
    id: info.id,
    tenant: info.tenant,
    role: info.role,
    name: info.name,
    createdAt: info.createdAt,
    revokedAt: info.revokedAt,
    lastUsedAt: info.lastUsedAt,
  };
}
