/**
 * GET /v1/audit?since=&action=&limit= (admin) — who did what, newest first: the key's tenant's entries and those of
 * changes that reach every tenant (knowledge imports, flywheel rollbacks; tenant `*`). Written by the admin API, the
 * command line (actor `cli`) and exports.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { parseWith } from '../http/errors.ts';
import { addRoute, auth, invalid, json, security } from '../http/openapi.ts';
import { GLOBAL_AUDIT_TENANT, queryAudit } from '../store/audit.ts';

export const AUDIT_MAX_LIMIT = 500;

export const ListAuditQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional().describe('Only entries at or after this time'),
  action: z.string().max(100).optional().describe('Only this action, e.g. key.revoke'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(AUDIT_MAX_LIMIT)
    .optional()
    .describe(`How many of the newest entries, at most ${AUDIT_MAX_LIMIT} (default 100)`),
});

export const AuditEntry = z.object({
  id: z.string(),
  /** The tenant acted on; `*` for what reaches every tenant. */
  tenant: z.string(),
  /** The API key id, or `cli` for the command line. */
  actor: z.string(),
  role: z.string(),
  action: z
    .string()
    .describe(
      'Dotted verb: key.create, key.revoke, key.list, tenant.list, kb.import, kb.status, flywheel.status, flywheel.rollback, config.set, export.create, export.download',
    ),
  target: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  at: z.string(),
});
export const AuditList = z.object({ items: z.array(AuditEntry) });
export type AuditList = z.infer<typeof AuditList>;

export function auditRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: 'get',
    path: '/v1/audit',
    summary: "The audit log, newest first: the caller's tenant's entries and those reaching every tenant (`*`)",
    description:
      'Needs the admin role. Key, tenant, knowledge-base and flywheel actions from the admin API and the command line (actor `cli`), exports.',
    middleware: [guard('admin')] as const,
    security,
    request: { query: ListAuditQuery },
    responses: { 200: json(AuditList, 'Entries'), ...invalid, ...auth },
  });
  addRoute(app, route, async (c) => {
    const query = parseWith(ListAuditQuery, c.req.query(), 'query');
    const items = await queryAudit(deps.store.db, {
      tenants: [c.get('auth').tenant, GLOBAL_AUDIT_TENANT],
      since: query.since,
      action: query.action,
      limit: query.limit ?? 100,
    });
    return c.json<AuditList>({ items }, 200);
  });
  return app;
}
