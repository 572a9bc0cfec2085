/** The demo help desk at /demo/tickets/:id: a small agent workspace for trying the extension without a help desk. */
import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import { ApiError } from '../http/errors.ts';
import { demoTickets } from '../demo/tickets.ts';

const asset = (name: string) => readFileSync(new URL(`../demo/desk/${name}`, import.meta.url), 'utf8');
const ASSETS: Record<string, { body: string; type: string }> = {
  'desk.js': { body: asset('desk.js'), type: 'text/javascript; charset=utf-8' },
  'desk.css': { body: asset('desk.css'), type: 'text/css; charset=utf-8' },
};
const PAGE = asset('index.html');
/**
 * Same-origin scripts, styles and calls only (the desk holds no inline code): an injected ticket message cannot
 * run script. Extensions' content scripts are not bound by a page's policy, so the sidebar still mounts.
 */
const HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function demoRoutes(): Hono {
  const app = new Hono();
  app.get('/demo', (c) => c.redirect(`/demo/tickets/${demoTickets()[0]!.ticketId}`));
  app.get('/demo/tickets/:id', (c) => c.html(PAGE, 200, HEADERS));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/demo/assets/:name', (c) => {
    // Own entries only: `constructor` or `__proto__` are no asset.
    const found = Object.hasOwn(ASSETS, c.req.param('name')) ? ASSETS[c.req.param('name')] : undefined;
    if (!found) throw new ApiError(404, 'not_found', 'No such demo asset');
    return c.body(found.body, 200, { ...HEADERS, 'content-type': found.type, 'cache-control': 'no-cache' });
  });
  app.get('/demo/api/tickets', (c) => c.json(demoTickets().map(({ ticketId, subject, status }) => ({ ticketId, subject, status }))));
  app.get('/demo/api/tickets/:id', (c) => {
    const ticket = demoTickets().find((t) => t.ticketId === c.req.param('id'));
    if (!ticket) throw new ApiError(404, 'not_found', `No demo ticket ${c.req.param('id')}`);
    return c.json(ticket);
  });
  return app;
}
