/** GET /v1/health — liveness plus what the process is serving, for operators and the extension's options page. */
import { Hono } from 'hono';
import { type HealthResponse, SCHEMA_VERSION } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import { MODEL_VERSION } from '../rag/suggest.ts';

export function healthRoutes(deps: AppDeps): Hono {
  const app = new Hono();
  app.get('/v1/health', (c) =>
    c.json<HealthResponse>({
      status: 'ok',
      schemaVersion: SCHEMA_VERSION,
      store: deps.store.dialect,
      modelVersion: deps.replies?.modelVersion ?? MODEL_VERSION,
      indexVersion: deps.knowledge.index.version,
      passages: deps.knowledge.index.passages.length,
      ...(deps.embedder && { embeddings: deps.embedder.model }),
    }),
  );
  return app;
}
