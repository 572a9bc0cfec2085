/**
 * The host adapters' selector overrides, per tenant, so an admin can repair an adapter without a release.
 *
 * GET /v1/config (any valid caller) — the key's tenant's HostConfig, `{"selectors":{}}` when none is stored. The
 * extension polls it: `Cache-Control: no-cache` with an ETag, and a matching `If-None-Match` answers 304.
 * PUT /v1/config (admin) — validates the body with HostConfigUpdate (400 naming the field, an unknown one too), replaces the tenant's config
 * and records it in the audit log.
 */
import { createHash } from 'node:crypto';
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HostConfig, HostConfigUpdate } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { readJson } from '../http/errors.ts';
import { addRoute, auth, invalid, json, jsonBody, security, unauthorized } from '../http/openapi.ts';
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

export function configRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();

  const getRoute = createRoute({
    method: 'get',
    path: '/v1/config',
    summary: "The key's tenant's host-adapter selector overrides",
    description:
      'Any valid caller. `{"selectors": {}}` when none are stored. Sent with `Cache-Control: no-cache` and an `ETag`; ' +
      'a request whose `If-None-Match` matches answers 304 with no body.',
    middleware: [guard('any')] as const,
    security,
    responses: {
      200: json(HostConfig, 'Per host, selector key → alternatives tried in order'),
      304: { description: 'Unchanged since the ETag in If-None-Match' },
      ...unauthorized,
    },
  });
  addRoute(app, getRoute, async (c) => {
    const stored = await getHostConfig(deps.store.db, c.get('auth').tenant);
    return sendConfig(c, stored?.json ?? EMPTY_HOST_CONFIG_JSON);
  });

  const putRoute = createRoute({
    method: 'put',
    path: '/v1/config',
    summary: "Replace the key's tenant's host-adapter selector overrides",
    description: 'Needs the admin role. Answers the config as stored (a single selector string becomes a one-item list), with its ETag.',
    middleware: [guard('admin')] as const,
    security,
    request: { body: jsonBody(HostConfigUpdate) },
    responses: { 200: json(HostConfig, 'The stored config'), ...invalid, ...auth },
  });
  addRoute(app, putRoute, async (c) => {
    const { tenant, keyId, role } = c.get('auth');
    const config = await readJson(c, HostConfigUpdate);
    const stored = await putHostConfig(deps.store.db, tenant, config, keyId);
    await recordAudit(deps.store.db, {
      tenant,
      actor: keyId ?? 'anonymous',
      role,
      action: 'config.set',
      detail: { hosts: Object.keys(config.selectors) },
    });
    deps.logger.info({ reqId: c.get('requestId'), tenant, keyId, hosts: Object.keys(config.selectors) }, 'host config replaced');
    return sendConfig(c, stored.json);
  });

  return app;
}
