/**
 * Each route is described where it is defined (createRoute), and GET /v1/openapi.json is generated from those
 * descriptions (backend/routes/openapi.ts), so the document cannot drift from the routes.
 *
 *   addRoute(app, createRoute({ method: 'get', path: '/v1/x', middleware: [guard('admin')] as const, ... }), handler);
 *
 * The request parts (params, query, body) are described for the document only: the handler still parses them with
 * our own schemas (readJson / parseWith), so a bad request keeps our 400 `validation_failed` envelope naming the
 * fields, the JSON-safety checks run first, and a body is read whatever its Content-Type (`curl -d`). The library's
 * own validators would answer in another format, refuse a text/plain body with 415, and read repeated query
 * parameters as arrays.
 */
import { type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Env, Handler } from 'hono';
import type { ZodType } from 'zod';
import { ErrorEnvelope as ErrorEnvelopeSchema } from '../../shared/index.ts';

/** The error envelope, as one shared component of the document (`#/components/schemas/ErrorEnvelope`). */
export const ErrorEnvelopeComponent = ErrorEnvelopeSchema.meta({ id: 'ErrorEnvelope' });

export const json = (schema: ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
/** A response whose body is the error envelope. */
export const failure = (description: string) => json(ErrorEnvelopeComponent, description);
/** A required JSON request body. */
export const jsonBody = (schema: ZodType) => ({ required: true, content: { 'application/json': { schema } } });

export const invalid = { 400: failure('Malformed JSON or invalid fields; `issues` names each field') };
export const unauthorized = { 401: failure('No API key where one is required, or an unknown or revoked key') };
export const auth = {
  ...unauthorized,
  403: failure("The key's role may not do this, or the request names another tenant"),
};
export const security = [{ apiKey: [] }];

/** `/v1/exports/{id}` as Hono spells it, `/v1/exports/:id`, so the handler's `c.req.param('id')` is a string. */
type HonoPath<P extends string> = P extends `${infer Head}/{${infer Name}}${infer Tail}` ? HonoPath<`${Head}/:${Name}${Tail}`> : P;

/**
 * Mounts `route` on `app` with its middleware (the guard first) and `handler`, and registers its whole description
 * for the document; the library's request validators are left out (see above).
 */
export function addRoute<R extends RouteConfig>(app: OpenAPIHono, route: R, handler: Handler<Env, HonoPath<R['path']>>): void {
  const { middleware, hide: _hide, ...description } = route;
  app.openAPIRegistry.registerPath(description);
  app.openapi({ ...description, request: undefined, middleware, hide: true }, handler as never);
}
