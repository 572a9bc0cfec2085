/**
 * GET /kb/articles/:id — a readable page for each imported article, so snippet links lead somewhere. With keys
 * required it needs a key or a signed link (http/article-links.ts).
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { AppDeps } from '../deps.ts';
import { isSignedArticlePath } from '../http/article-links.ts';
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
  // With keys required, a page opens from a signed link (a suggestion's) or with a key of any role.
  app.use('/kb/articles/:id', async (c, next) => {
    if (deps.config.auth !== 'required') return next();
    if (isSignedArticlePath(c.req.path, c.req.query('exp'), c.req.query('sig'), deps.config.linkSecret)) return next();
    return guard('any')(c, next);
  });
  app.get('/kb/articles/:id', (c) => {
    const id = c.req.param('id');
    const passages = deps.knowledge.index.passages.filter((p) => p.article_id === id).sort((a, b) => a.position - b.position);
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
