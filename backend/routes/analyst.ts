/**
 * The analyst page at /analyst: a small static page (backend/analyst/, no build step) that lists export batches,
 * creates one with filters, shows their counts and downloads them. The page itself holds nothing; every call it
 * makes needs an analyst or admin key, typed into the page and kept in the tab's session storage.
 */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { ApiError } from '../http/errors.ts';

const asset = (name: string) => readFileSync(new URL(`../analyst/${name}`, import.meta.url), 'utf8');
const ASSETS: Record<string, { body: string; type: string }> = {
  'analyst.js': { body: asset('analyst.js'), type: 'text/javascript; charset=utf-8' },
  'analyst.css': { body: asset('analyst.css'), type: 'text/css; charset=utf-8' },
};
const PAGE = asset('index.html');

/** Same-origin scripts, styles and calls only; blob: for the downloaded archive. */
const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function analystRoutes(): Hono {
  const app = new Hono();
  app.get('/analyst', (c) => c.html(PAGE, 200, HEADERS));
  app.get('/analyst/assets/:name', (c) => {
    // Own entries only: `constructor` or `__proto__` are no asset.
    const found = Object.hasOwn(ASSETS, c.req.param('name')) ? ASSETS[c.req.param('name')] : undefined;
    if (!found) throw new ApiError(404, 'not_found', 'No such analyst page asset');
    return c.body(found.body, 200, { ...HEADERS, 'content-type': found.type });
  });
  return app;
}
