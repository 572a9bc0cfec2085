import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { MODEL_VERSION } from '../../backend/rag/suggest.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import { countPassages } from '../../backend/store/passages.ts';
import { findSuggestion } from '../../backend/store/suggestions.ts';
import { ErrorEnvelope, HealthResponse, LIMITS, SCHEMA_VERSION, SuggestionResponse } from '../../shared/index.ts';
import { expectGrounded } from '../helpers/grounding.ts';
import { createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

/** The documented wire example of POST /v1/suggestions. */
const WIRE_EXAMPLE = {
  ticket: {
    host: 'demo',
    ticketId: '1001',
    subject: 'Lamp arrived with a cracked base - refund please',
    messages: [
      {
        role: 'customer',
        text: 'My ceramic table lamp was delivered yesterday and the base is cracked right through. How do I get a refund, and do I have to send the broken lamp back?',
      },
    ],
  },
};

const encoder = new TextEncoder();

/** A response's article link as stored: without the signature's query (`t`, `exp`, `sig`). */
function unsigned(url: string): string {
  if (!url.includes('?')) return url;
  const parsed = new URL(url);
  parsed.search = '';
  return parsed.toString();
}

async function envelopeOf(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  const body = ErrorEnvelope.parse(await response.json());
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error;
}

describe.each(DIALECTS)('HTTP API on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;

  const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.request('/v1/suggestions', { method: 'POST', headers, body });

  useDatabase(dialect, async (database) => {
    deps = await createTestDeps(database);
    app = createApp(deps);
  });
  /** The index serving requests without a key (optional mode): the default tenant's. */
  const served = () => deps.knowledge.of(deps.config.defaultTenant);

  it('serves from the demo help centre on the intended store', async () => {
    expect(deps.store.dialect).toBe(dialect.name);
    const index = await served();
    // The default tenant has no knowledge base of its own: the shared one (the demo help centre) serves it.
    expect(index.base).toBe(SHARED_KNOWLEDGE);
    expect(await countPassages(deps.store.db, SHARED_KNOWLEDGE)).toBe(index.passages.length);
    expect(index.passages.length).toBeGreaterThan(40);
  });

  describe('POST /v1/suggestions', () => {
    it('answers the wire example with snippets and two grounded candidates, and stores what it showed', async () => {
      const response = await post(JSON.stringify(WIRE_EXAMPLE));
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBeTruthy();
      const body = SuggestionResponse.parse(await response.json());

      expect(body.snippets.length).toBeGreaterThanOrEqual(1);
      expect(body.snippets.length).toBeLessThanOrEqual(8);
      expect(body.snippets.map((s) => s.articleId)).toContain('damaged-or-defective-items');
      for (const s of body.snippets) {
        expect(s.url.startsWith('http://localhost/kb/articles/'), s.url).toBe(true);
        // Signed for the tenant, so the page opens in a tab that sends no key.
        const query = new URL(s.url).searchParams;
        expect(query.get('t'), s.url).toBe(deps.config.defaultTenant);
        expect(query.get('exp'), s.url).toMatch(/^\d+$/);
        expect(query.get('sig'), s.url).toBeTruthy();
      }
      expect(body.candidates).toHaveLength(2);
      const ids = new Set(body.snippets.map((s) => s.snippetId));
      for (const c of body.candidates) {
        expect(c.citations.length).toBeGreaterThan(0);
        for (const id of c.citations) expect(ids.has(id), id).toBe(true);
        expectGrounded(c, body.snippets);
      }
      expect(body.modelVersion).toBe(MODEL_VERSION);
      expect(body.indexVersion).toBe((await served()).version);

      const stored = await findSuggestion(deps.store.db, body.suggestionId);
      expect(stored).toEqual({
        suggestionId: body.suggestionId,
        tenant: deps.config.defaultTenant,
        agent: undefined,
        host: 'demo',
        ticketId: '1001',
        query: body.query,
        // Stored as shown, but with the links plain (the response's are signed).
        snippets: body.snippets.map((s) => ({ ...s, url: unsigned(s.url) })),
        candidates: body.candidates,
        modelVersion: body.modelVersion,
        indexVersion: body.indexVersion,
        createdAt: body.createdAt,
        // Kept so training can replay the conversation; it carried no personal data to redact.
        ticket: WIRE_EXAMPLE.ticket,
      });
    });

    it("records the key's tenant and the agent the request names; a request may repeat its tenant, never name another", async () => {
      const { key } = await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent' });
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${key}` };
      const response = await post(JSON.stringify({ ...WIRE_EXAMPLE, tenant: 'acme', agent: 'agent-7' }), headers);
      expect(response.status).toBe(200);
      const body = SuggestionResponse.parse(await response.json());
      expect(await findSuggestion(deps.store.db, body.suggestionId)).toMatchObject({ tenant: 'acme', agent: 'agent-7' });

      const unnamed = SuggestionResponse.parse(await (await post(JSON.stringify(WIRE_EXAMPLE), headers)).json());
      expect((await findSuggestion(deps.store.db, unnamed.suggestionId))?.tenant).toBe('acme');

      const error = await envelopeOf(await post(JSON.stringify({ ...WIRE_EXAMPLE, tenant: 'globex' }), headers), 403, 'forbidden');
      expect(error.message).toContain('globex');
      // Without a key (optional mode on a loopback address) the request is the default tenant's.
      await envelopeOf(await post(JSON.stringify({ ...WIRE_EXAMPLE, tenant: 'acme' })), 403, 'forbidden');
    });

    it('reads a JSON body sent without a Content-Type header', async () => {
      const bytes = encoder.encode(JSON.stringify(WIRE_EXAMPLE));
      const request = new Request('http://localhost/v1/suggestions', { method: 'POST', body: bytes });
      expect(request.headers.get('content-type')).toBeNull();
      const response = await app.request(request);
      expect(response.status).toBe(200);
      expect(SuggestionResponse.parse(await response.json()).candidates).toHaveLength(2);
    });

    it('reads a JSON body labelled as form data, as curl -d sends it', async () => {
      const response = await post(JSON.stringify(WIRE_EXAMPLE), { 'content-type': 'application/x-www-form-urlencoded' });
      expect(response.status).toBe(200);
    });

    it('refuses malformed JSON with 400 bad_request', async () => {
      const error = await envelopeOf(await post('{'), 400, 'bad_request');
      expect(error.message).toMatch(/not valid JSON/);
      expect(error.issues).toBeUndefined();
    });

    it('refuses an empty or blank body with 400 bad_request', async () => {
      await envelopeOf(await post(''), 400, 'bad_request');
      await envelopeOf(await post(' \n '), 400, 'bad_request');
      await envelopeOf(await app.request('/v1/suggestions', { method: 'POST' }), 400, 'bad_request');
    });

    it('refuses invalid fields with 400 validation_failed, naming each field', async () => {
      const bad = {
        ticket: {
          ...WIRE_EXAMPLE.ticket,
          messages: [
            { role: 'robot', text: 'beep' },
            { role: 'customer', text: '   ' },
          ],
        },
      };
      const error = await envelopeOf(await post(JSON.stringify(bad)), 400, 'validation_failed');
      expect(error.issues?.map((i) => i.path).sort()).toEqual(['ticket.messages.0.role', 'ticket.messages.1.text']);
      expect(error.message).toContain('ticket.messages.0.role');
    });

    it('refuses a body of the wrong shape, naming what is missing', async () => {
      const error = await envelopeOf(await post(JSON.stringify({ ticket: { host: 'demo' } })), 400, 'validation_failed');
      expect(error.issues?.map((i) => i.path).sort()).toEqual(['ticket.messages', 'ticket.ticketId']);
      const root = await envelopeOf(await post('[1, 2]'), 400, 'validation_failed');
      expect(root.issues?.map((i) => i.path)).toEqual(['(root)']);
    });

    it('refuses too many messages', async () => {
      const messages = Array(LIMITS.messages + 1).fill({ role: 'customer', text: 'hello?' });
      const error = await envelopeOf(await post(JSON.stringify({ ticket: { ...WIRE_EXAMPLE.ticket, messages } })), 400, 'validation_failed');
      expect(error.issues?.map((i) => i.path)).toEqual(['ticket.messages']);
    });

    it('accepts a body of exactly LIMITS.bodyBytes bytes', async () => {
      const json = JSON.stringify(WIRE_EXAMPLE);
      const bytes = encoder.encode(json + ' '.repeat(LIMITS.bodyBytes - encoder.encode(json).length));
      expect(bytes.length).toBe(LIMITS.bodyBytes);
      const response = await post(bytes);
      expect(response.status).toBe(200);
    });

    it('refuses a larger body with 413 payload_too_large, whether or not it declares its length', async () => {
      const bytes = new Uint8Array(LIMITS.bodyBytes + 1).fill(0x20);
      const streamed = new Request('http://localhost/v1/suggestions', { method: 'POST', body: bytes });
      expect(streamed.headers.has('content-length')).toBe(false);
      const error = await envelopeOf(await app.request(streamed), 413, 'payload_too_large');
      expect(error.message).toContain(String(LIMITS.bodyBytes));
      const declared = await post(bytes, { 'content-type': 'application/json', 'content-length': String(bytes.length) });
      await envelopeOf(declared, 413, 'payload_too_large');
    });
  });

  describe('other routes', () => {
    it('GET /v1/health reports what is served', async () => {
      const response = await app.request('/v1/health');
      expect(response.status).toBe(200);
      const body = HealthResponse.parse(await response.json());
      expect(body).toEqual({
        status: 'ok',
        schemaVersion: SCHEMA_VERSION,
        store: dialect.name,
        modelVersion: MODEL_VERSION,
        indexVersion: (await served()).version,
        passages: (await served()).passages.length,
      });
    });

    it('GET /v1/openapi.json describes the API as OpenAPI 3.1', async () => {
      const response = await app.request('/v1/openapi.json');
      expect(response.status).toBe(200);
      const doc = (await response.json()) as {
        openapi: string;
        paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
      };
      expect(doc.openapi).toMatch(/^3\.1\./);
      const suggestions = doc.paths['/v1/suggestions']?.post;
      expect(suggestions).toBeDefined();
      expect(suggestions!.requestBody).toBeDefined();
      expect(Object.keys(suggestions!.responses).sort()).toEqual(['200', '400', '401', '403', '413']);
      expect(doc.paths['/v1/annotations:batch']?.post?.requestBody).toBeDefined();
      expect(doc.paths['/v1/annotations']?.get).toBeDefined();
      expect(doc.paths['/v1/health']?.get).toBeDefined();
      expect(JSON.stringify(doc)).toContain('ticketId');
    });

    it('answers an unknown route with a 404 envelope', async () => {
      const error = await envelopeOf(await app.request('/v1/nope'), 404, 'not_found');
      expect(error.message).toContain('GET /v1/nope');
      await envelopeOf(await app.request('/v1/suggestions'), 404, 'not_found');
    });

    it('serves the demo help desk page', async () => {
      const response = await app.request('/demo/tickets/1001');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toMatch(/<html[\s>]/i);
      const redirect = await app.request('/demo');
      expect(redirect.status).toBe(302);
      expect(redirect.headers.get('location')).toBe('/demo/tickets/1001');
    });

    it('lists the six demo tickets and serves each one', async () => {
      const response = await app.request('/demo/api/tickets');
      expect(response.status).toBe(200);
      const list = (await response.json()) as { ticketId: string; subject: string; status: string }[];
      expect(list.map((t) => t.ticketId)).toEqual(['1001', '1002', '1003', '1004', '1005', '1006']);
      for (const t of list) {
        expect(Object.keys(t).sort()).toEqual(['status', 'subject', 'ticketId']);
        const one = await app.request(`/demo/api/tickets/${t.ticketId}`);
        expect(one.status).toBe(200);
        expect(((await one.json()) as { subject: string }).subject).toBe(t.subject);
      }
    });

    it('answers an unknown demo ticket or asset with a 404 envelope', async () => {
      const error = await envelopeOf(await app.request('/demo/api/tickets/nope'), 404, 'not_found');
      expect(error.message).toContain('nope');
      await envelopeOf(await app.request('/demo/assets/secret.env'), 404, 'not_found');
      const js = await app.request('/demo/assets/desk.js');
      expect(js.status).toBe(200);
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    });

    it('renders an article with its sections and anchors', async () => {
      const response = await app.request('/kb/articles/damaged-or-defective-items');
      expect(response.status).toBe(200);
      const page = await response.text();
      expect(page).toContain('<h1>Damaged or defective items</h1>');
      expect(page).toContain('<section id="report-it-within-7-days"><h2>Report it within 7 days</h2>');
      await envelopeOf(await app.request('/kb/articles/no-such-article'), 404, 'not_found');
    });

    it('renders imported article text as text, never as markup', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'aitl-xss-'));
      try {
        const file = join(dir, 'kb.jsonl');
        const article = {
          id: 'xss-test',
          title: 'Tips <img src=x onerror=alert(2)> & tricks',
          body: 'Before <script>alert(1)</script> after "quotes".',
        };
        writeFileSync(file, `${JSON.stringify(article)}\n`);
        await importKnowledge(deps.store.db, file);
        await deps.knowledge.reload(deps.config.defaultTenant);

        const response = await app.request('/kb/articles/xss-test');
        expect(response.status).toBe(200);
        const page = await response.text();
        expect(page).toContain('Before &lt;script&gt;alert(1)&lt;/script&gt; after &quot;quotes&quot;.');
        expect(page).toContain('Tips &lt;img src=x onerror=alert(2)&gt; &amp; tricks');
        expect(page).not.toContain('<script>');
        expect(page).not.toContain('<img');

        const health = HealthResponse.parse(await (await app.request('/v1/health')).json());
        expect(health.passages).toBe((await served()).passages.length);
        expect(health.indexVersion).toBe((await served()).version);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
