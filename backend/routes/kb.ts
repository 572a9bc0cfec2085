/**
 * GET /kb/articles/:id — a readable page for each article of a tenant's knowledge base, so snippet links lead
 * somewhere. The tenant is the signed link's (http/article-links.ts) or the key's; with keys required, one of the two
 * is needed.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../deps.ts';
import { signedArticleTenant } from '../http/article-links.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError } from '../http/errors.ts';

/** The page is text and one inline style: nothing in an article can run or load anything. */
const HEADERS = {
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

export function kbRoutes(deps: AppDeps, guard: Guard): Hono {
  const app = new Hono();
  // A signed link (a suggestion's) opens as an agent of the tenant it names; otherwise the key decides (keys
  // optional: the default tenant's agent).
  app.use('/kb/articles/:id', async (c, next) => {
    const tenant = signedArticleTenant(c.req.path, c.req.query(), deps.config.linkSecret);
    if (tenant === undefined) return guard('any')(c, next);
    c.set('auth', { tenant, role: 'agent', keyId: null });
    return next();
  });
  app.get('/kb/articles/:id', async (c) => {
    const id = c.req.param('id');
    const index = await deps.knowledge.of(c.get('auth').tenant);
    const passages = index.passages.filter((p) => p.article_id === id).sort((a, b) => a.position - b.position);
    if (passages.length === 0) throw new ApiError(404, 'not_found', `No article ${id}`);
    const title = passages[0]!.title;
    // hono/html escapes every interpolated value: article text is rendered as text.
    return c.html(
      html`<!doctype html>
      <html lang="en">
        <head><meta charset="utf-8" /><title>${title}</title>
          <style>body{font:15px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2933}p{white-space:pre-wrap}</style>
        </head>
        <body>
          <h1>${title}</h1>
          ${passages.map((p) => {
            const section = (JSON.parse(p.metadata) as { section?: string }).section;
            return html`<section id="${p.anchor}">${section ? html`<h2>${section}</h2>` : ''}<p>${p.text}</p></section>`;
          })}
        </body>
      </html>`,
      200,
      HEADERS,
    );
  });
  return app;
}
