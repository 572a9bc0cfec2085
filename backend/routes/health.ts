/**
 * GET /v1/health — liveness plus what the process is serving, for operators and the extension's options page; `degraded`
 * while a recent store write failed (http/storage-errors.ts).
 */
import { Hono } from 'hono';
import { type HealthResponse, SCHEMA_VERSION } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { StoreHealth } from '../http/storage-errors.ts';
import { MODEL_VERSION } from '../rag/suggest.ts';

export function healthRoutes(deps: AppDeps, storeHealth: StoreHealth): Hono {
  const app = new Hono();
  app.get('/v1/health', async (c) => {
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
