/**
 * Composes the backend's HTTP surface. Routes are thin; the app is built from its dependencies so tests call
 * `app.request(...)` without a listening server.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Hono } from 'hono';
import type { BlankEnv } from 'hono/types';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { LIMITS } from '../shared/index.ts';
import type { AppDeps } from './deps.ts';
import { apiKeyAuth } from './http/auth.ts';
import { envelope, errorResponse } from './http/errors.ts';
import { originGuard } from './http/origin.ts';
import { StoreHealth, storageFailure } from './http/storage-errors.ts';
import { requestLog } from './http/logging.ts';
import { adminRoutes, KB_IMPORT_PATH } from './routes/admin.ts';
import { annotationRoutes } from './routes/annotations.ts';
import { auditRoutes } from './routes/audit.ts';
import { configRoutes } from './routes/config.ts';
import { demoRoutes } from './routes/demo.ts';
import { analystRoutes } from './routes/analyst.ts';
import { exportRoutes } from './routes/exports.ts';
import { gapRoutes } from './routes/gaps.ts';
import { healthRoutes } from './routes/health.ts';
import { insightRoutes } from './routes/insights.ts';
import { kbRoutes } from './routes/kb.ts';
import { serveOpenApi } from './routes/openapi.ts';
import { pageReportRoutes } from './routes/page-reports.ts';
import { suggestionRoutes } from './routes/suggestions.ts';
import { whoAmIRoutes } from './routes/whoami.ts';

export const API_VERSION = '0.1.0';

export function createApp(deps: AppDeps): Hono {
  // OpenAPIHono gathers the routes' descriptions as they are mounted: GET /v1/openapi.json is made from them.
  const app = new OpenAPIHono<BlankEnv>();
  app.use(requestId());
  app.use(requestLog(deps.logger));
  // A NUL in the path or query reaches route parameters that PostgreSQL cannot compare: refused at the door.
  app.use(async (c, next) => {
    if (/%00/.test(c.req.url)) return c.json(envelope('bad_request', 'The URL contains a NUL character (%00)'), 400);
    await next();
  });
  const limitBody = bodyLimit({
    maxSize: LIMITS.bodyBytes,
    onError: (c) => c.json(envelope('payload_too_large', `Request body exceeds ${LIMITS.bodyBytes} bytes`), 413),
  });
  // The knowledge import streams and counts its own, larger body (backend/routes/admin.ts).
  app.use('/v1/*', (c, next) => (c.req.path === KB_IMPORT_PATH ? next() : limitBody(c, next)));
  // A browser page may call /v1 only if this backend served it or it is an allowed origin (the extension).
  app.use('/v1/*', originGuard(deps.config.allowedOrigins));
  // The extension's worker may call a backend set by policy without a host-permission grant: browsers then ask
  // by CORS. Allowed origins only (the key in Authorization still decides what a call may do); no cookies.
  const corsOrigins = new Set(deps.config.allowedOrigins.map((o) => o.toLowerCase()));
  app.use(
    '/v1/*',
    cors({
      origin: (origin) => (corsOrigins.has(origin.toLowerCase()) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'OPTIONS'],
      allowHeaders: ['authorization', 'content-type', 'if-none-match'],
      exposeHeaders: ['etag', 'retry-after'],
      maxAge: 600,
    }),
  );
  // Health and the OpenAPI description stay public; every other /v1 route names the role it needs.
  const guard = apiKeyAuth({ db: deps.store.db, mode: deps.config.auth, defaultTenant: deps.config.defaultTenant, logger: deps.logger });
  const storeHealth = new StoreHealth();
  app.route('/', healthRoutes(deps, storeHealth));
  app.route('/', suggestionRoutes(deps, guard));
  app.route('/', annotationRoutes(deps, guard));
  app.route('/', whoAmIRoutes(guard));
  app.route('/', configRoutes(deps, guard));
  app.route('/', pageReportRoutes(deps, guard));
  app.route('/', exportRoutes(deps, guard));
  app.route('/', analystRoutes());
  app.route('/', gapRoutes(deps, guard));
  app.route('/', insightRoutes(deps, guard));
  app.route('/', adminRoutes(deps, guard));
  app.route('/', auditRoutes(deps, guard));
  serveOpenApi(app, API_VERSION);
  app.route('/', kbRoutes(deps, guard));
  app.route('/', demoRoutes());
  app.notFound((c) => c.json(envelope('not_found', `No route for ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    // The client went away mid-request (its body never arrived whole): nothing to answer, nothing broken here.
    if (c.req.raw.signal.aborted || (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      deps.logger.info({ reqId: c.get('requestId') }, 'client closed the request before it was read');
      return c.json(envelope('bad_request', 'The request was closed before its body arrived'), 400);
    }
    const failure = storageFailure(error);
    if (failure) {
      storeHealth.record(failure);
      deps.logger.error({ err: error, reqId: c.get('requestId'), code: failure.code }, 'store write failed');
      return errorResponse(failure, c, () => {});
    }
    return errorResponse(error, c, (e) => deps.logger.error({ err: e, reqId: c.get('requestId') }, 'unhandled error'));
  });
  return app;
}
