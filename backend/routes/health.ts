/**
 * GET /v1/health — liveness plus what the process is serving, for operators and the extension's options page; `degraded`
 * while a recent store write failed (http/storage-errors.ts).
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { HealthResponse, SCHEMA_VERSION } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { addRoute, json } from '../http/openapi.ts';
import type { StoreHealth } from '../http/storage-errors.ts';
import { MODEL_VERSION } from '../rag/suggest.ts';

export function healthRoutes(deps: AppDeps, storeHealth: StoreHealth): OpenAPIHono {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness and the versions being served',
    responses: { 200: json(HealthResponse, 'The service is up') },
  });
  addRoute(app, route, async (c) => {
    const storeProblem = storeHealth.problem();
    // Health needs no key: it shows what the default tenant is served.
    const index = await deps.knowledge.of(deps.config.defaultTenant);
    return c.json<HealthResponse>({
      status: storeProblem ? 'degraded' : 'ok',
      ...(storeProblem && { storeProblem }),
      schemaVersion: SCHEMA_VERSION,
      store: deps.store.dialect,
      modelVersion: deps.replies?.modelVersion ?? MODEL_VERSION,
      indexVersion: index.version,
      passages: index.passages.length,
      ...(deps.embedder && { embeddings: deps.embedder.model }),
    });
  });
  return app;
}
