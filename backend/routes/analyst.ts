/**
 * The analyst console at /analyst: a small static page (backend/analyst/, ES modules, no build step) that charts
 * whether the flywheel is working (GET /v1/insights/…), lists the gap queue (GET /v1/gaps) and makes, previews and
 * downloads export batches (/v1/exports). The page itself holds nothing; every call it makes needs an analyst or
 * admin key, typed into the page and kept in the tab's session storage.
 *
 * The charting library (Observable Plot and the d3 it runs on) is served from node_modules as same-origin files
 * under /analyst/vendor/, so the page's content security policy can stay `script-src 'self'`: no CDN, no inline
 * script, no eval (their UMD builds use none on the paths the page calls).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Hono } from 'hono';
import { ApiError } from '../http/errors.ts';

const JS = 'text/javascript; charset=utf-8';
const asset = (name: string) => readFileSync(new URL(`../analyst/${name}`, import.meta.url), 'utf8');
const ASSETS: Record<string, { body: string; type: string }> = {
  'analyst.js': { body: asset('analyst.js'), type: JS },
  'api.js': { body: asset('api.js'), type: JS },
  'charts.js': { body: asset('charts.js'), type: JS },
  'insights.js': { body: asset('insights.js'), type: JS },
  'flywheel.js': { body: asset('flywheel.js'), type: JS },
  'gaps.js': { body: asset('gaps.js'), type: JS },
  'csv.js': { body: asset('csv.js'), type: JS },
  'exports.js': { body: asset('exports.js'), type: JS },
  'analyst.css': { body: asset('analyst.css'), type: 'text/css; charset=utf-8' },
};

/**
 * A package's minified UMD build, found through Node's resolution (wherever npm put the package): the package's
 * entry point resolves inside it, and the UMD file sits at a fixed path beside it.
 */
const require = createRequire(import.meta.url);
function vendor(pkg: string, entryToUmd: (entryDir: string) => string): string {
  return readFileSync(entryToUmd(dirname(require.resolve(pkg))), 'utf8');
}
const withTag = (body: string) => ({ body, type: JS, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"` });
const VENDOR: Record<string, { body: string; type: string; etag: string }> = {
  // d3 resolves to dist/d3.mjs, Plot to src/index.js.
  'd3.min.js': withTag(vendor('d3', (dir) => join(dir, 'd3.min.js'))),
  'plot.umd.min.js': withTag(vendor('@observablehq/plot', (dir) => join(dir, '..', 'dist', 'plot.umd.min.js'))),
};
const PAGE = asset('index.html');

/** Same-origin scripts, styles and calls only; blob: for the downloaded archive and CSV. */
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

function serve<T>(table: Record<string, T>, what: string) {
  return (name: string): T => {
    // Own entries only: `constructor` or `__proto__` are no asset.
    const found = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!found) throw new ApiError(404, 'not_found', `No such ${what}`);
    return found;
  };
}

export function analystRoutes(): Hono {
  const app = new Hono();
  const pageAsset = serve(ASSETS, 'analyst page asset');
  const vendorAsset = serve(VENDOR, 'analyst page library');
  app.get('/analyst', (c) => c.html(PAGE, 200, HEADERS));
  app.get('/analyst/assets/:name', (c) => {
    const found = pageAsset(c.req.param('name'));
    return c.body(found.body, 200, { ...HEADERS, 'content-type': found.type });
  });
  app.get('/analyst/vendor/:name', (c) => {
    const found = vendorAsset(c.req.param('name'));
    // 490 kB that change only with package-lock.json: revalidated by their hash rather than sent on every visit.
    const headers = { ...HEADERS, etag: found.etag };
    if (c.req.header('if-none-match') === found.etag) return c.body(null, 304, headers);
    return c.body(found.body, 200, { ...headers, 'content-type': found.type });
  });
  return app;
}
