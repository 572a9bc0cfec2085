/**
 * The host adapters' selector overrides, per tenant, so an admin can repair an adapter without a release.
 *
 * GET /v1/config (any valid caller) — the key's tenant's HostConfig, `{"selectors":{}}` when none is stored. The
 * extension polls it: `Cache-Control: no-cache` with an ETag, and a matching `If-None-Match` answers 304.
 * PUT /v1/config (admin) — validates the body with HostConfigUpdate (400 naming the field, an unknown one too), replaces the tenant's config
 * and records it in the audit log.
 */
import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { HostConfigUpdate } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { readJson } from '../http/errors.ts';
import { recordAudit } from '../store/audit.ts';
import { EMPTY_HOST_CONFIG_JSON, getHostConfig, putHostConfig } from '../store/host-config.ts';

/** A strong ETag for exactly these bytes of JSON. */
export function etagOf(json: string): string {
  return `"${createHash('sha256').update(json, 'utf8').digest('base64url')}"`;
}

/** Whether an If-None-Match header value matches `etag` (weak comparison, as RFC 9110 asks for GET). */
export function matchesIfNoneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, '');
  return header.split(',').some((tag) => tag.trim() === '*' || bare(tag) === bare(etag));
}

function sendConfig(c: Context, json: string): Response {
  const etag = etagOf(json);
  c.header('Cache-Control', 'no-cache');
  c.header('ETag', etag);
  if (c.req.method === 'GET' && matchesIfNoneMatch(c.req.header('if-none-match'), etag)) return c.body(null, 304);
  return c.body(json, 200, { 'Content-Type': 'application/json; charset=UTF-8' });
}

export function configRoutes(deps: AppDeps, guard: Guard): Hono {
  const app = new Hono();

  app.get('/v1/config', guard('any'), async (c) => {
    const stored = await getHostConfig(deps.store.db, c.get('auth').tenant);
    return sendConfig(c, stored?.json ?? EMPTY_HOST_CONFIG_JSON);
  });

  app.put('/v1/config', guard('admin'), async (c) => {
    const { tenant, keyId, role } = c.get('auth');
    const config = await readJson(c, HostConfigUpdate);
    const stored = await putHostConfig(deps.store.db, tenant, config, keyId);
    await recordAudit(deps.store.db, { tenant, actor: keyId ?? 'anonymous', role, action: 'config.set', detail: { hosts: Object.keys(config.selectors) } });
    deps.logger.info({ reqId: c.get('requestId'), tenant, keyId, hosts: Object.keys(config.selectors) }, 'host config replaced');
    return sendConfig(c, stored.json);
  });

  return app;
}
