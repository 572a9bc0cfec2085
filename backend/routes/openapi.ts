/**
 * GET /v1/openapi.json — OpenAPI 3.1 generated from the routes themselves: each route module describes its routes
 * where it defines them (createRoute, backend/http/openapi.ts), and mounting them on the app gathers those
 * descriptions. This file adds what belongs to the whole document: its info and the API-key security scheme (the
 * error envelope is the shared component `ErrorEnvelope`, backend/http/openapi.ts).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';

export const OPENAPI_PATH = '/v1/openapi.json';

/** Serves the document of every route described on `app` (mounted before or after this call). */
export function serveOpenApi(app: OpenAPIHono, version: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key, `aitl_<id>_<secret>`, made with `aitl keys create`. Optional on a loopback address unless AITL_AUTH=required.',
  });
  app.doc31(OPENAPI_PATH, {
    openapi: '3.1.0',
    info: { title: 'AITL API', version, description: 'Reply suggestions and training signals for help desks.' },
  });
}
