/**
 * GET /v1/openapi.json is generated from the routes' own descriptions (createRoute where each route is defined), so
 * it lists exactly the app's /v1 routes: a route mounted without a description fails here.
 */
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { OPENAPI_PATH } from '../../backend/routes/openapi.ts';
import { ErrorEnvelope } from '../../shared/index.ts';
import { createTestDeps, SQLITE, useDatabase } from './dialects.ts';

interface Operation {
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string; description: string };
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

/** `METHOD /path` of every /v1 route the Hono app answers (middleware left out), in OpenAPI's `{param}` spelling. */
function appRoutes(app: Hono): string[] {
  const routes = app.routes
    .filter((r) => r.method !== 'ALL' && r.path.startsWith('/v1/') && r.path !== OPENAPI_PATH)
    .map((r) => `${r.method} ${r.path.replaceAll(/\/:([^/{]+)/g, '/{$1}')}`);
  return [...new Set(routes)].sort();
}

function documentedRoutes(doc: Document): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`))
    .sort();
}

describe('the OpenAPI document', () => {
  let deps: AppDeps;
  let app: Hono;
  useDatabase(SQLITE, async (database) => {
    deps = await createTestDeps(database);
    app = createApp(deps);
  });
  const documentOf = async (of: Hono) => (await (await of.request(OPENAPI_PATH)).json()) as Document;

  it("lists exactly the app's /v1 routes, methods included", async () => {
    const doc = await documentOf(app);
    const routes = appRoutes(app);
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes).toContain('POST /v1/annotations:batch');
    expect(routes).toContain('GET /v1/exports/{id}/download');
    expect(documentedRoutes(doc)).toEqual(routes);
  });

  it('notices a /v1 route added without a description', async () => {
    const grown = createApp(deps);
    grown.get('/v1/undescribed', (c) => c.json({}));
    expect(appRoutes(grown)).toContain('GET /v1/undescribed');
    expect(documentedRoutes(await documentOf(grown))).not.toContain('GET /v1/undescribed');
  });

  it('keeps its info and security scheme, and every error answer is the shared envelope', async () => {
    const doc = await documentOf(app);
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toEqual({ title: 'AITL API', version: '0.1.0', description: 'Reply suggestions and training signals for help desks.' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.schemas).toHaveProperty('ErrorEnvelope');
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        const where = `${method} ${path}`;
        // Every route but health needs a key, so each can answer 401.
        if (path !== '/v1/health') {
          expect(operation.security, where).toEqual([{ apiKey: [] }]);
          expect(operation.responses, where).toHaveProperty('401');
        }
        for (const [status, response] of Object.entries(operation.responses)) {
          if (Number(status) < 400) continue;
          expect(response.content?.['application/json']?.schema, `${where} ${status}`).toEqual({ $ref: '#/components/schemas/ErrorEnvelope' });
        }
      }
    }
  });

  it('describes request bodies without letting the library validate them: our envelope, any Content-Type', async () => {
    const doc = await documentOf(app);
    expect(doc.paths['/v1/suggestions']?.post).toHaveProperty('requestBody');
    // A text/plain body (curl -d, fetch with a string) is still read as JSON and answered with our 400 naming the field.
    const response = await app.request('/v1/suggestions', { method: 'POST', body: JSON.stringify({ ticket: { host: 'demo' } }) });
    expect(response.status).toBe(400);
    const error = ErrorEnvelope.parse(await response.json()).error;
    expect(error.code).toBe('validation_failed');
    expect(error.issues?.map((i) => i.path)).toContain('ticket.ticketId');
    // A repeated query parameter is read as before (the first value), not refused as an array.
    const { key } = await createApiKey(deps.store.db, { tenant: 'acme', role: 'analyst' });
    expect((await app.request('/v1/gaps?limit=5&limit=6', { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
  });
});
