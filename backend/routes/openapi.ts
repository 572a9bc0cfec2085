/**
 * GET /v1/openapi.json — OpenAPI 3.1 generated from the same zod schemas the routes parse with, so the
 * description cannot drift from the code.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { ErrorEnvelope, HealthResponse, LIMITS, SuggestionRequest, SuggestionResponse } from '../../shared/index.ts';

const json = (schema: ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = {
  400: json(ErrorEnvelope, 'Malformed JSON or invalid fields; `issues` names each field'),
  413: json(ErrorEnvelope, `Body larger than ${LIMITS.bodyBytes} bytes`),
};

export function openApiRoutes(version: string): OpenAPIHono {
  const app = new OpenAPIHono();
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/v1/suggestions',
    summary: 'Suggest two grounded replies and the knowledge snippets behind them for a ticket',
    request: { body: { required: true, content: { 'application/json': { schema: SuggestionRequest } } } },
    responses: { 200: json(SuggestionResponse, 'Snippets (top 8 of 75 retrieved) and two candidates'), ...errors },
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/v1/health',
    summary: 'Liveness and the versions being served',
    responses: { 200: json(HealthResponse, 'The service is up') },
  });
  app.doc31('/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'AITL API', version, description: 'Reply suggestions and training signals for help desks.' },
  });
  return app;
}
