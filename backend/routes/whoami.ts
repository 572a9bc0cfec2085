/** GET /v1/whoami — the tenant and role the presented key acts as; the extension's options page records the tenant. */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { WhoAmI } from '../../shared/index.ts';
import type { Guard } from '../http/auth.ts';
import { addRoute, json, security, unauthorized } from '../http/openapi.ts';

export function whoAmIRoutes(guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
  const route = createRoute({
    method: 'get',
    path: '/v1/whoami',
    summary: 'The tenant and role the presented API key acts as',
    middleware: [guard('any')] as const,
    security,
    responses: { 200: json(WhoAmI, 'The caller'), ...unauthorized },
  });
  addRoute(app, route, (c) => {
    const { tenant, role, keyId } = c.get('auth');
    return c.json<WhoAmI>({ tenant, role, keyId });
  });
  return app;
}
