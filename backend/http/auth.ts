/**
 * API-key authentication and role checks, as Hono middleware.
 *
 *   const guard = apiKeyAuth({ db, mode, defaultTenant, logger });
 *   app.post('/v1/suggestions', guard('agent'), handler);   // handler reads c.get('auth')
 *
 * A request names its key as `Authorization: Bearer aitl_<id>_<secret>`. A key that is sent is always checked:
 * unknown, malformed or revoked answers 401. Without a key, `required` mode answers 401 and `optional` mode (the
 * default on a loopback address) treats the request as the default tenant's agent, so the local demo works with
 * no setup — unless a reverse proxy forwarded it (Forwarded, X-Forwarded-*), which always needs a key. A role that lacks the capability a route needs answers 403 (see ROLE_GRANTS).
 */
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { ROLE_GRANTS, type Role } from '../../shared/index.ts';
import type { AuthMode } from '../config.ts';
import { findActiveApiKey, touchApiKey } from '../store/api-keys.ts';
import type { Database } from '../store/schema.ts';
import { envelope } from './errors.ts';

/** Who is calling: set by the guard on every route it protects. */
export interface AuthContext {
  tenant: string;
  role: Role;
  /** The API key's public id; null for a keyless request in optional mode. */
  keyId: string | null;
}

declare module 'hono' {
  interface ContextVariableMap {
    auth: AuthContext;
  }
}

export interface AuthOptions {
  db: Kysely<Database>;
  mode: AuthMode;
  /** Tenant of keyless requests in optional mode. */
  defaultTenant: string;
  logger?: Pick<Logger, 'warn'>;
  /** A key's last_used_at is written at most this often (default one minute). */
  touchEveryMs?: number;
  now?: () => Date;
}

/** Middleware that lets through requests whose role grants `needs` (`any`: every valid caller), with `c.get('auth')` set. */
export type Guard = (needs: Role | 'any') => MiddlewareHandler;

const CHALLENGE = 'Bearer realm="aitl"';

/** Headers a reverse proxy adds (RFC 7239 and the de facto X-Forwarded-*). */
const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'];

function viaProxy(header: (name: string) => string | undefined): boolean {
  return PROXY_HEADERS.some((name) => header(name) !== undefined);
}

/** Builds the guard factory; one per app, so the last-used throttle is per app. */
export function apiKeyAuth(options: AuthOptions): Guard {
  const touchEveryMs = options.touchEveryMs ?? 60_000;
  const now = options.now ?? (() => new Date());
  /** When this process last wrote each key's last_used_at, in ms. */
  const touched = new Map<string, number>();

  async function touch(keyId: string, lastUsedAt: string | null): Promise<void> {
    const at = now();
    const ms = at.getTime();
    const stored = lastUsedAt ? Date.parse(lastUsedAt) : Number.NEGATIVE_INFINITY;
    if (ms - stored < touchEveryMs || ms - (touched.get(keyId) ?? Number.NEGATIVE_INFINITY) < touchEveryMs) return;
    touched.set(keyId, ms);
    try {
      await touchApiKey(options.db, keyId, at);
    } catch (err) {
      // Bookkeeping only: a failed write must not fail the request.
      options.logger?.warn({ err, keyId }, 'could not record API key use');
    }
  }

  return (needs) =>
    createMiddleware(async (c, next) => {
      const header = c.req.header('authorization');
      let auth: AuthContext;
      if (header === undefined || header.trim() === '') {
        // Keyless access is for a backend only this computer can reach; a request a proxy forwarded came from
        // elsewhere, whatever address the backend listens on.
        if (options.mode === 'required' || viaProxy(c.req.header.bind(c.req))) {
          c.header('WWW-Authenticate', CHALLENGE);
          return c.json(envelope('unauthorized', 'An API key is required: send Authorization: Bearer <key>'), 401);
        }
        auth = { tenant: options.defaultTenant, role: 'agent', keyId: null };
      } else {
        const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
        const key = match ? await findActiveApiKey(options.db, match[1]!) : undefined;
        if (!key) {
          c.header('WWW-Authenticate', `${CHALLENGE}, error="invalid_token"`);
          const message = match ? 'Unknown or revoked API key' : 'Malformed Authorization header: expected Bearer <key>';
          return c.json(envelope('unauthorized', message), 401);
        }
        await touch(key.id, key.lastUsedAt);
        auth = { tenant: key.tenant, role: key.role, keyId: key.id };
      }
      if (needs !== 'any' && !ROLE_GRANTS[auth.role]?.includes(needs)) {
        return c.json(envelope('forbidden', `The ${auth.role} role may not do this; it needs the ${needs} role`), 403);
      }
      c.set('auth', auth);
      await next();
    });
}
