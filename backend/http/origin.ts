/**
 * Cross-site request forgery guard for /v1. A web page open in the agent's browser can POST `text/plain` JSON to
 * the backend with no preflight, and with keyless access (AITL_AUTH optional, the loopback default) it would be
 * stored: poisoned training data. Browsers name the page that sends a request in `Origin`; only the backend's own
 * pages (the analyst console) and the configured origins (the extension) may call. Requests without `Origin` —
 * the CLI, curl, a server — are not a browser page's and pass to the key check.
 */
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { envelope } from './errors.ts';

export function originGuard(allowed: readonly string[]): MiddlewareHandler {
  const trusted = new Set(allowed.map((o) => o.toLowerCase()));
  return createMiddleware(async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined || trusted.has(origin.toLowerCase()) || sameOrigin(origin, c.req.header('host'))) return next();
    return c.json(
      envelope('forbidden', `Requests from ${origin} are refused: only this backend's own pages and AITL_ALLOWED_ORIGINS may call it from a browser`),
      403,
    );
  });
}

/** The page was served by this backend: its origin names the host the request was sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (!host || origin === 'null') return false;
  try {
    return new URL(origin).host.toLowerCase() === host.toLowerCase();
  } catch {
    return false;
  }
}
