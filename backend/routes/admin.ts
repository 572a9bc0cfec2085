/**
 * The admin API (admin role; each call is written to the audit log, readable at GET /v1/audit):
 *
 * POST /v1/admin/keys {role, name?, tenant?} — a new key of the caller's tenant, 201 with the key (shown once).
 * GET  /v1/admin/keys — the tenant's keys, never their secrets.
 * POST /v1/admin/keys/:id/revoke — revoked for good; its next request answers 401.
 * GET  /v1/admin/tenants — the caller's tenant with counts (keys, annotations, suggestions, last activity).
 * GET  /v1/admin/kb — the newest knowledge import, passages stored, the index served.
 * GET  /v1/admin/flywheel — current versions, the registry's newest versions, recent runs.
 * POST /v1/admin/flywheel/rollback {version} — makes an earlier version current again; served at once here.
 *
 * Keys and tenants are the caller's tenant's only (another tenant's key is not found). The knowledge base and the
 * flywheel serve every tenant, so their changes are audited under tenant `*`, visible to every tenant's admins.
 */
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import { Role } from '../../shared/index.ts';
import { flywheelStatus, RollbackRequest } from '../admin/flywheel.ts';
import { kbStatus } from '../admin/kb.ts';
import { tenantSummaries, type TenantList } from '../admin/tenants.ts';
import type { AppDeps } from '../deps.ts';
import { findVersion, rollback, RollbackError } from '../flywheel/registry.ts';
import { DEFAULT_VERSION_ID } from '../flywheel/artefacts.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError, readJson } from '../http/errors.ts';
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

export function adminRoutes(deps: AppDeps, guard: Guard): Hono {
  const app = new Hono();
  const db = deps.store.db;

  /** Appends the caller's action to the audit log (tenant `*` for what reaches every tenant). */
  const audit = (c: Context, action: string, target: string | null, detail: Record<string, unknown> = {}, global = false) => {
    const { tenant, role, keyId } = c.get('auth');
    return recordAudit(db, { tenant: global ? GLOBAL_AUDIT_TENANT : tenant, actor: keyId ?? 'anonymous', role, action, target, detail: global ? { ...detail, tenant } : detail });
  };

  app.post('/v1/admin/keys', guard('admin'), async (c) => {
    const { tenant } = c.get('auth');
    const request = await readJson(c, CreateKeyRequest);
    if (request.tenant !== undefined && request.tenant !== tenant) throw new ApiError(403, 'forbidden', `This key manages tenant ${tenant} only`);
    const { key, info } = await createApiKey(db, { tenant, role: request.role, name: request.name });
    await audit(c, 'key.create', info.id, { role: info.role, name: info.name });
    return c.json({ key, info: item(info) }, 201);
  });

  app.get('/v1/admin/keys', guard('admin'), async (c) => {
    const keys = await listTenantApiKeys(db, c.get('auth').tenant);
    await audit(c, 'key.list', null, { count: keys.length });
    return c.json({ items: keys.map(item) }, 200);
  });

  app.post('/v1/admin/keys/:id/revoke', guard('admin'), async (c) => {
    const id = c.req.param('id');
    const key = await getApiKey(db, id);
    if (!key || key.tenant !== c.get('auth').tenant) throw new ApiError(404, 'not_found', `No API key ${id}`);
    const result = await revokeApiKey(db, id);
    if (result === 'not_found') throw new ApiError(404, 'not_found', `No API key ${id}`);
    await audit(c, 'key.revoke', id, { result, role: key.role, name: key.name });
    return c.json({ id, status: result }, 200);
  });

  app.get('/v1/admin/tenants', guard('admin'), async (c) => {
    const items = await tenantSummaries(db, c.get('auth').tenant);
    await audit(c, 'tenant.list', null);
    return c.json<TenantList>({ items }, 200);
  });

  app.get('/v1/admin/kb', guard('admin'), async (c) => {
    const status = await kbStatus(deps);
    await audit(c, 'kb.status', status.latestImport?.id ?? null);
    return c.json(status, 200);
  });

  app.get('/v1/admin/flywheel', guard('admin'), async (c) => {
    const status = await flywheelStatus(db);
    await audit(c, 'flywheel.status', null, { current: status.current });
    return c.json(status, 200);
  });

  app.post('/v1/admin/flywheel/rollback', guard('admin'), async (c) => {
    const { version } = await readJson(c, RollbackRequest);
    const isDefault = Object.values(DEFAULT_VERSION_ID).includes(version);
    if (!isDefault && !(await findVersion(db, version))) throw new ApiError(404, 'not_found', `No model version "${version}"; GET /v1/admin/flywheel lists them`);
    let done: { kind: string; from: string; to: string };
    try {
      done = await rollback(db, version);
    } catch (error) {
      if (error instanceof RollbackError) throw new ApiError(409, 'conflict', error.message);
      throw error;
    }
    await audit(c, 'flywheel.rollback', version, { kind: done.kind, from: done.from }, true);
    // This process serves the restored version at once; others pick it up on their next refresh.
    await deps.knowledge.refreshIfStale();
    return c.json(done, 200);
  });

  return app;
}

function item(info: ApiKeyInfo): z.infer<typeof ApiKeyItem> {
  return { id: info.id, tenant: info.tenant, role: info.role, name: info.name, createdAt: info.createdAt, revokedAt: info.revokedAt, lastUsedAt: info.lastUsedAt };
}
