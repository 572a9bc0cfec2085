/**
 * GET /v1/openapi.json — OpenAPI 3.1 generated from the same zod schemas the routes parse with, so the
 * description cannot drift from the code.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { AnnotationPage, ErrorEnvelope, HealthResponse, LIMITS, SuggestionRequest, SuggestionResponse, SyncBatch, SyncResponse, WhoAmI } from '../../shared/index.ts';
import { ListAnnotationsQuery } from './annotations.ts';

const json = (schema: ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const invalid = { 400: json(ErrorEnvelope, 'Malformed JSON or invalid fields; `issues` names each field') };
const auth = {
  401: json(ErrorEnvelope, 'No API key where one is required, or an unknown or revoked key'),
  403: json(ErrorEnvelope, "The key's role may not do this, or the request names another tenant"),
};
const security = [{ apiKey: [] }];

export function openApiRoutes(version: string): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key, `aitl_<id>_<secret>`, made with `aitl keys create`. Optional on a loopback address unless AITL_AUTH=required.',
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/suggestions',
    summary: 'Suggest two grounded replies and the knowledge snippets behind them for a ticket',
    description: "Needs the agent role. The suggestion is recorded for the key's tenant.",
    security,
    request: { body: { required: true, content: { 'application/json': { schema: SuggestionRequest } } } },
    responses: {
      200: json(SuggestionResponse, 'Snippets (top 8 of 75 retrieved) and two candidates'),
      ...invalid,
      ...auth,
      413: json(ErrorEnvelope, `Body larger than ${LIMITS.bodyBytes} bytes`),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/annotations:batch',
    summary: 'Store a batch of annotations exactly once per id',
    description:
      `Needs the agent role. At most ${LIMITS.batchItems} items and ${LIMITS.batchBytes} bytes; each item is an Annotation of at most ` +
      `${LIMITS.annotationBytes} bytes, checked on its own. Answers after the commit, one result per item in the batch's order: ` +
      '`accepted`, `duplicate` (same id and content stored before) or `rejected` with a code: `invalid`, `too_large`, ' +
      '`tenant_mismatch`, `id_conflict` (same id, other content).',
    security,
    request: { body: { required: true, content: { 'application/json': { schema: SyncBatch } } } },
    responses: {
      200: json(SyncResponse, 'What became of each item'),
      ...invalid,
      ...auth,
      413: json(ErrorEnvelope, `More than ${LIMITS.batchItems} items or ${LIMITS.batchBytes} bytes`),
    },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/annotations',
    summary: "The key's tenant's annotations, oldest received first",
    description: 'Needs the analyst role. Pass `nextCursor` back as `cursor`, with the same `since` and `kind`, for the next page.',
    security,
    request: { query: ListAnnotationsQuery },
    responses: { 200: json(AnnotationPage, 'One page of stored annotations'), ...invalid, ...auth },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness and the versions being served',
    responses: { 200: json(HealthResponse, 'The service is up') },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/whoami',
    summary: 'The tenant and role the presented API key acts as',
    security,
    responses: { 200: json(WhoAmI, 'The caller'), 401: auth[401] },
  });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'AITL API', version, description: 'Reply suggestions and training signals for help desks.' },
  });
  return app;
}
