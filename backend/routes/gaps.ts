/**
 * GET /v1/gaps?since=&limit= (analyst) — the key's tenant's gap queue: missing-knowledge reports grouped into gaps,
 * biggest first (backend/gaps/queue.ts). `since` (ISO 8601) counts only reports received from then on.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { z } from 'zod';
import { GapList } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { gapQueue } from '../gaps/queue.ts';
import type { Guard } from '../http/auth.ts';
import { parseWith } from '../http/errors.ts';
import { addRoute, auth, invalid, json, security } from '../http/openapi.ts';

export const GAPS_MAX_LIMIT = 500;
const DEFAULT_LIMIT = 100;

export const ListGapsQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional().describe('Only reports received at or after this time'),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(GAPS_MAX_LIMIT)
    .optional()
    .describe(`How many of the biggest gaps, at most ${GAPS_MAX_LIMIT} (default ${DEFAULT_LIMIT})`),
});

export function gapRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: 'get',
    path: '/v1/gaps',
    summary: "The key's tenant's gap queue: missing-knowledge reports grouped, biggest gap first",
    description: 'Needs the analyst role. Similar descriptions and reports naming the same outdated article form one group.',
    middleware: [guard('analyst')] as const,
    security,
    request: { query: ListGapsQuery },
    responses: { 200: json(GapList, 'The biggest gaps'), ...invalid, ...auth },
  });
  addRoute(app, route, async (c) => {
    const query = parseWith(ListGapsQuery, c.req.query(), 'query');
    const list = await gapQueue(deps.store.db, c.get('auth').tenant, { since: query.since, limit: query.limit ?? DEFAULT_LIMIT });
    return c.json<GapList>(list, 200);
  });
  return app;
}
