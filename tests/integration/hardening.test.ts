/**
 * What a probe of the backend broke (issue 15), each as a regression test on both stores: a NUL character or an
 * absurdly deep item rejects that item (never the batch, never a 500); any other request carrying one is a 400
 * naming where; a misspelt field in PUT /v1/config is refused by name and changes nothing; asset names that are
 * Object.prototype's own are 404.
 */
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { DEMO_HELP_CENTRE } from '../../backend/demo/tickets.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { countAnnotations } from '../../backend/store/annotations.ts';
import { sql } from 'kysely';
import { ErrorEnvelope, EXTENSION_ID, HealthResponse, SyncResponse } from '../../shared/index.ts';
import { makeAnnotation } from '../helpers/annotations.ts';
import { clearTables, createTestDeps, DIALECTS, SQLITE, useDatabase } from './dialects.ts';

/** `{"x":{"x":…}}` nested `depth` levels, as JSON text: the server parses it, recursive code would overflow on it. */
const deep = (depth: number) => `${'{"x":'.repeat(depth)}1${'}'.repeat(depth)}`;

describe.each(DIALECTS)('hardening on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  let agent: string;
  let admin: string;

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      app = createApp(deps);
    },
    async () => {
      await clearTables(deps.store.db);
      // The shared knowledge base the agents' suggestions and article pages are served from.
      await importKnowledge(deps.store.db, DEMO_HELP_CENTRE);
      agent = (await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent' })).key;
      admin = (await createApiKey(deps.store.db, { tenant: 'acme', role: 'admin' })).key;
    },
  );

  const call = (method: string, path: string, key: string, body: unknown) =>
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('rejects only the item with a NUL character or absurd nesting, and stores the rest of the batch', async () => {
    const good = makeAnnotation('preference', 'acme');
    const nulText = makeAnnotation('adoption', 'acme', { sentText: 'refund\u0000 sent' });
    const nulKey = { ...makeAnnotation('relevance', 'acme'), ['extra\u0000']: 1 };
    const nested = JSON.stringify(makeAnnotation('rationale', 'acme')).replace(/}$/, `,"note":${deep(9000)}}`);
    const items = [good, nulText, nulKey].map((a) => JSON.stringify(a));
    const response = await call('POST', '/v1/annotations:batch', agent, `{"items":[${[...items, nested].join(',')}]}`);
    expect(response.status).toBe(200);
    const results = SyncResponse.parse(await response.json()).results;
    expect(results.map((r) => r.status)).toEqual(['accepted', 'rejected', 'rejected', 'rejected']);
    expect(results[1]!.error!.message).toMatch(/sentText: contains a NUL character/);
    expect(results[2]!.error!.message).toMatch(/extra.*NUL/);
    expect(results[3]!.error!.message).toMatch(/note(\.x)+: nested deeper than 32 levels/);
    expect(await countAnnotations(deps.store.db, 'acme')).toBe(1);
  });

  it('answers any other request carrying a NUL character or absurd nesting with a 400 naming where', async () => {
    const ticket = { host: 'demo', ticketId: '1', messages: [{ role: 'customer', text: 'my lamp\u0000 is broken' }] };
    const nul = await call('POST', '/v1/suggestions', agent, { ticket });
    expect(nul.status).toBe(400);
    const error = ErrorEnvelope.parse(await nul.json()).error;
    expect(error.issues).toEqual([{ path: 'ticket.messages.0.text', message: 'contains a NUL character (\\u0000)' }]);
    const nested = await call('POST', '/v1/page-reports', agent, deep(5000));
    expect(nested.status).toBe(400);
    expect(ErrorEnvelope.parse(await nested.json()).error.message).toMatch(/check x(\.x)+/);
  });

  it('refuses a misspelt field in PUT /v1/config by name, and keeps the stored config', async () => {
    const stored = { selectors: { zendesk: { composer: ['div.editor'] } }, settings: { annotationPrompts: false } };
    expect((await call('PUT', '/v1/config', admin, stored)).status).toBe(200);
    const misspelt = await call('PUT', '/v1/config', admin, { selektors: { zendesk: {} } });
    expect(misspelt.status).toBe(400);
    const error = ErrorEnvelope.parse(await misspelt.json()).error;
    expect(JSON.stringify(error)).toContain('selektors');
    const nested = await call('PUT', '/v1/config', admin, { selectors: {}, settings: { annotationPrompt: true } });
    expect(nested.status).toBe(400);
    expect(JSON.stringify(ErrorEnvelope.parse(await nested.json()).error)).toContain('annotationPrompt');
    const now = await app.request('/v1/config', { headers: { authorization: `Bearer ${agent}` } });
    expect(await now.json()).toEqual(stored);
  });

  describe('cross-site writes (AITL_AUTH optional, the loopback default)', () => {
    const post = (headers: Record<string, string>, items = [makeAnnotation('preference', 'acme')]) =>
      app.request('http://127.0.0.1:8787/v1/annotations:batch', {
        method: 'POST',
        headers: { 'content-type': 'text/plain', ...headers },
        body: JSON.stringify({ items }),
      });

    it('refuses a page of another site, however the body is typed, and stores nothing', async () => {
      expect(deps.config.auth).toBe('optional');
      for (const origin of ['https://evil.example', 'null', 'chrome-extension://abcdefghijklmnopabcdefghijklmnop']) {
        const response = await post({ origin, host: '127.0.0.1:8787' });
        expect(response.status, origin).toBe(403);
        expect(ErrorEnvelope.parse(await response.json()).error.message).toContain('AITL_ALLOWED_ORIGINS');
      }
      expect(await countAnnotations(deps.store.db, deps.config.defaultTenant)).toBe(0);
    });

    it("lets the extension, the backend's own pages and non-browser clients through", async () => {
      const tenant = deps.config.defaultTenant;
      const item = () => [makeAnnotation('preference', tenant)];
      expect((await post({ origin: `chrome-extension://${EXTENSION_ID}` }, item())).status).toBe(200);
      expect((await post({ origin: 'http://127.0.0.1:8787', host: '127.0.0.1:8787' }, item())).status).toBe(200);
      expect((await post({}, item())).status).toBe(200);
      expect(await countAnnotations(deps.store.db, tenant)).toBe(3);
    });

    it('needs a key for anything a reverse proxy forwarded', async () => {
      for (const header of ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip']) {
        const response = await post({ [header]: 'for=203.0.113.7' });
        expect(response.status, header).toBe(401);
      }
      const keyed = await post({ 'x-forwarded-for': '203.0.113.7', authorization: `Bearer ${agent}` });
      expect(keyed.status).toBe(200);
    });
  });

  it('sends a content security policy with the demo desk and the article pages', async () => {
    const article = (await deps.knowledge.of('acme')).passages[0]!.article_id;
    for (const path of ['/demo/tickets/1001', '/demo/assets/desk.js', `/kb/articles/${encodeURIComponent(article)}`]) {
      const response = await app.request(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toMatch(/default-src 'none'.*frame-ancestors 'none'/);
      expect(response.headers.get('content-security-policy'), path).not.toMatch(/script-src[^;]*unsafe/);
    }
  });

  it('takes a client that closed the request mid-body for what it is: no 500, no error logged', async () => {
    const errors: unknown[] = [];
    const original = deps.logger.error.bind(deps.logger);
    deps.logger.error = ((...args: unknown[]) => errors.push(args)) as typeof deps.logger.error;
    try {
      const gone = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
      const body = new ReadableStream({ pull: (controller) => controller.error(gone) });
      const response = await app.request('/v1/annotations:batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${agent}` },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(400);
      expect(errors).toEqual([]);
    } finally {
      deps.logger.error = original;
    }
  });

  it("with keys required, opens article pages from a suggestion's signed links or with a key, and from nothing else", async () => {
    const locked = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    const asked = await locked.request('http://127.0.0.1:8787/v1/suggestions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agent}` },
      body: JSON.stringify({
        ticket: { host: 'demo', ticketId: '1', messages: [{ role: 'customer', text: 'My lamp arrived cracked, how do I get a refund?' }] },
      }),
    });
    expect(asked.status).toBe(200);
    const { snippets } = (await asked.json()) as { snippets: { url: string }[] };
    const link = new URL(snippets[0]!.url);
    expect(link.pathname).toMatch(/^\/kb\/articles\//);
    expect(link.searchParams.get('sig')).toBeTruthy();
    const open = (url: URL | string, headers: Record<string, string> = {}) => locked.request(url.toString(), { headers });
    expect((await open(link)).status).toBe(200);
    const bare = new URL(link.pathname, link.origin);
    expect((await open(bare)).status).toBe(401);
    expect((await open(bare, { authorization: `Bearer ${agent}` })).status).toBe(200);
    const tampered = new URL(link);
    tampered.pathname = `${link.pathname}x`;
    expect((await open(tampered)).status).toBe(401);
    const expired = new URL(link);
    expired.searchParams.set('exp', '1000');
    expect((await open(expired)).status).toBe(401);
    const otherTenant = new URL(link);
    otherTenant.searchParams.set('t', 'globex');
    expect((await open(otherTenant)).status).toBe(401);
    // Keys optional: the page opens without a key, as the default tenant's.
    expect((await app.request(bare.toString())).status).toBe(200);
  });

  it.each(['/demo/assets/constructor', '/demo/assets/toString', '/analyst/assets/__proto__', '/analyst/assets/hasOwnProperty'])(
    'answers %s with a 404',
    async (path) => {
      const response = await app.request(path);
      expect(response.status).toBe(404);
      expect(ErrorEnvelope.parse(await response.json()).error.code).toBe('not_found');
    },
  );
});

describe('a full disk (SQLite at its size limit)', () => {
  let deps: AppDeps;
  let app: Hono;
  useDatabase(SQLITE, async (database) => {
    deps = await createTestDeps(database);
    app = createApp(deps);
  });

  it('answers 507 storage_full, keeps nothing half-stored, and health reports the store degraded', async () => {
    const { rows } = await sql<{ page_count: number }>`PRAGMA page_count`.execute(deps.store.db);
    await sql.raw(`PRAGMA max_page_count = ${rows[0]!.page_count + 1}`).execute(deps.store.db);
    try {
      const items = Array.from({ length: 60 }, () => makeAnnotation('adoption', deps.config.defaultTenant, { sentText: 'x'.repeat(3000) }));
      const response = await app.request('/v1/annotations:batch', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      expect(response.status).toBe(507);
      expect(ErrorEnvelope.parse(await response.json()).error.code).toBe('storage_full');
      expect(await countAnnotations(deps.store.db, deps.config.defaultTenant)).toBe(0);
      const health = HealthResponse.parse(await (await app.request('/v1/health')).json());
      expect(health.status).toBe('degraded');
      expect(health.storeProblem?.code).toBe('storage_full');
    } finally {
      await sql.raw('PRAGMA max_page_count = 1073741823').execute(deps.store.db);
    }
  });
});

describe('aitl serve on a port in use', () => {
  it('says which port and what to do, instead of a raw EADDRINUSE stack', async () => {
    const { createServer } = await import('node:net');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { loadConfig } = await import('../../backend/config.ts');
    const { ListenError, startServer } = await import('../../backend/server.ts');
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'aitl-port-'));
    try {
      const config = loadConfig({ AITL_PORT: String(port), AITL_DATABASE_URL: join(dir, 'aitl.db'), AITL_LOG_LEVEL: 'silent' });
      const started = startServer(config);
      await expect(started).rejects.toBeInstanceOf(ListenError);
      await expect(started).rejects.toThrow(`Port ${port} on 127.0.0.1 is already in use`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
