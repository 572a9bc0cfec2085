/**
 * "Report this page": an agent whose adapter cannot read a ticket sends what failed, and admins read the reports
 * to repair the selectors (PUT /v1/config).
 *
 * POST /v1/page-reports (agent) — stores one report for the key's tenant, the URL stripped of query and fragment
 * (they may carry personal data) and the reason redacted; 201 `{"id"}`. At most PAGE_REPORTS_PER_MINUTE per tenant
 * in any minute in this process, so a broken page cannot flood the table: beyond that, 429 with Retry-After.
 * GET /v1/page-reports?limit= (admin) — the tenant's newest reports first.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { LIMITS, PageReport, PageReportCreated, PageReportList, redactPii } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { envelope, parseWith, readJson } from '../http/errors.ts';
import { addRoute, auth, failure, invalid, json, jsonBody, security } from '../http/openapi.ts';
import { SlidingWindowLimiter } from '../http/rate-limit.ts';
import { listPageReports, savePageReport } from '../store/page-reports.ts';

export const PAGE_REPORTS_PER_MINUTE = 60;
const DEFAULT_LIST_LIMIT = 100;

export const ListPageReportsQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(LIMITS.pageSize)
    .optional()
    .describe(`How many of the newest reports, at most ${LIMITS.pageSize} (default ${DEFAULT_LIST_LIMIT})`),
});

/** The URL without `?query` or `#fragment`. */
export function stripQueryAndFragment(url: string): string {
  return url.replace(/[?#][\s\S]*$/, '');
}

export interface PageReportOptions {
  /** Clock of the rate limit, for tests. */
  now?: () => number;
}

export function pageReportRoutes(deps: AppDeps, guard: Guard, options: PageReportOptions = {}): OpenAPIHono {
  const app = new OpenAPIHono();
  const limiter = new SlidingWindowLimiter(PAGE_REPORTS_PER_MINUTE, 60_000, options.now);

  const postRoute = createRoute({
    method: 'post',
    path: '/v1/page-reports',
    summary: 'Report a help-desk page the host adapter could not read',
    description:
      "Needs the agent role. Stored for the key's tenant; any query or fragment is stripped from `url` and the reason is redacted. " +
      `At most ${PAGE_REPORTS_PER_MINUTE} reports a minute per tenant, else 429 with Retry-After.`,
    middleware: [guard('agent')] as const,
    security,
    request: { body: jsonBody(PageReport) },
    responses: {
      201: json(PageReportCreated, 'Stored'),
      ...invalid,
      ...auth,
      429: failure(`More than ${PAGE_REPORTS_PER_MINUTE} reports in the last minute for this tenant; see Retry-After`),
    },
  });
  addRoute(app, postRoute, async (c) => {
    const { tenant, keyId } = c.get('auth');
    const report = await readJson(c, PageReport);
    // Only well-formed reports count towards the limit: they are what would fill the table.
    const taken = limiter.take(tenant);
    if (!taken.ok) {
      c.header('Retry-After', String(taken.retryAfterSeconds));
      return c.json(
        envelope('rate_limited', `At most ${PAGE_REPORTS_PER_MINUTE} page reports a minute per tenant; try again in ${taken.retryAfterSeconds} s`),
        429,
      );
    }
    const id = await savePageReport(
      deps.store.db,
      { ...report, url: stripQueryAndFragment(report.url), reason: redactPii(report.reason) },
      { tenant, keyId, receivedAt: new Date() },
    );
    return c.json<PageReportCreated>({ id }, 201);
  });

  const listRoute = createRoute({
    method: 'get',
    path: '/v1/page-reports',
    summary: "The key's tenant's page reports, newest first",
    description: 'Needs the admin role.',
    middleware: [guard('admin')] as const,
    security,
    request: { query: ListPageReportsQuery },
    responses: { 200: json(PageReportList, 'The newest reports'), ...invalid, ...auth },
  });
  addRoute(app, listRoute, async (c) => {
    const query = parseWith(ListPageReportsQuery, c.req.query(), 'query');
    const items = await listPageReports(deps.store.db, c.get('auth').tenant, query.limit ?? DEFAULT_LIST_LIMIT);
    return c.json<PageReportList>({ items }, 200);
  });

  return app;
}
