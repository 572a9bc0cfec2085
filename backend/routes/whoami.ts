/** GET /v1/whoami — the tenant and role the presented key acts as; the extension's options page records the tenant. */
import { Hono } from 'hono';
import type { WhoAmI } from '../../shared/index.ts';
import type { Guard } from '../http/auth.ts';

export function whoAmIRoutes(guard: Guard): Hono {
  const app = new Hono();
  app.get('/v1/whoami', guard('any'), (c) => {
    const { tenant, role, keyId } = c.get('auth');
    return c.json<WhoAmI>({ tenant, role, keyId });
  });
  return app;
}
