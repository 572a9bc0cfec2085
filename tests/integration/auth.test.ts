import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { apiKeyAuth } from '../../backend/http/auth.ts';
import { createApiKey, generateApiKey, listApiKeys, revokeApiKey } from '../../backend/store/api-keys.ts';
import { countAnnotations } from '../../backend/store/annotations.ts';
import { findSuggestion } from '../../backend/store/suggestions.ts';
import { AnnotationPage, ErrorEnvelope, type Role, SuggestionResponse, SyncResponse } from '../../shared/index.ts';
import { makeAnnotations } from '../helpers/annotations.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const TICKET = {
  ticket: { host: 'demo', ticketId: '1001', messages: [{ role: 'customer', text: 'My lamp arrived cracked. How do I get a refund?' }] },
};

async function envelopeOf(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = ErrorEnvelope.parse(await response.json());
  expect(body.error.code).toBe(code);
  return body.error;
}

describe.each(DIALECTS)('API keys and roles on $name', (dialect) => {
  let deps: AppDeps;
  /** The default on a loopback address: keys optional. */
  let optional: Hono;
  let required: Hono;

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      expect(deps.config.auth).toBe('optional');
      optional = createApp(deps);
      required = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    },
    () => clearTables(deps.store.db),
  );

  const keyFor = async (role: Role, tenant = 'acme') => (await createApiKey(deps.store.db, { tenant, role, name: `${role} key` })).key;
  const bearer = (key?: string): Record<string, string> => (key === undefined ? {} : { authorization: `Bearer ${key}` });

  /** The three protected routes, each with a body that would succeed for `tenant`. */
  const calls = {
    postSuggestion: (app: Hono, key?: string) =>
      app.request('/v1/suggestions', { method: 'POST', headers: bearer(key), body: JSON.stringify(TICKET) }),
    postBatch: (app: Hono, key?: string, tenant = 'acme') =>
      app.request('/v1/annotations:batch', { method: 'POST', headers: bearer(key), body: JSON.stringify({ items: makeAnnotations(2, tenant) }) }),
    getAnnotations: (app: Hono, key?: string) => app.request('/v1/annotations', { headers: bearer(key) }),
  };

  it('in required mode answers 401 without a key on every protected route, with a Bearer challenge', async () => {
    for (const call of Object.values(calls)) {
      const response = await call(required);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      const error = await envelopeOf(response, 401, 'unauthorized');
      expect(error.message).toContain('Authorization: Bearer');
    }
    expect(await countAnnotations(deps.store.db, 'acme')).toBe(0);
  });

  it('keeps /v1/health and /v1/openapi.json public in required mode', async () => {
    expect((await required.request('/v1/health')).status).toBe(200);
    expect((await required.request('/v1/openapi.json')).status).toBe(200);
  });

  it('answers 401 for a bad key in both modes: unknown, malformed, another scheme, another id', async () => {
    const real = await keyFor('admin');
    const unknown = generateApiKey().key;
    const otherId = real.replace(/^aitl_[0-9a-f]{16}_/, `aitl_${'0'.repeat(16)}_`);
    const headers = [
      `Bearer ${unknown}`,
      'Bearer not-a-key',
      `Basic ${Buffer.from('a:b').toString('base64')}`,
      `Bearer ${otherId}`,
      `Bearer ${real}x`,
      'Bearer',
    ];
    for (const app of [optional, required]) {
      for (const authorization of headers) {
        for (const [name, path, method] of [
          ['suggest', '/v1/suggestions', 'POST'],
          ['batch', '/v1/annotations:batch', 'POST'],
          ['list', '/v1/annotations', 'GET'],
        ] as const) {
          const response = await app.request(path, { method, headers: { authorization }, ...(method === 'POST' ? { body: '{}' } : {}) });
          expect(response.status, `${name} with ${authorization}`).toBe(401);
          expect(ErrorEnvelope.parse(await response.json()).error.code).toBe('unauthorized');
        }
      }
    }
    expect((await calls.getAnnotations(required, real)).status).toBe(200);
  });

  it('answers 401 for a revoked key, in both modes, from the moment it is revoked', async () => {
    const { key, info } = await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent' });
    expect((await calls.postBatch(optional, key)).status).toBe(200);
    expect(await revokeApiKey(deps.store.db, info.id)).toBe('revoked');
    expect(await revokeApiKey(deps.store.db, info.id)).toBe('already_revoked');
    expect(await revokeApiKey(deps.store.db, 'ffffffffffffffff')).toBe('not_found');
    for (const app of [optional, required]) {
      const error = await envelopeOf(await calls.postBatch(app, key), 401, 'unauthorized');
      expect(error.message).toMatch(/revoked/);
    }
  });

  it('answers 403 when the role lacks the capability', async () => {
    const analyst = await keyFor('analyst');
    const agent = await keyFor('agent');
    for (const app of [optional, required]) {
      await envelopeOf(await calls.postBatch(app, analyst), 403, 'forbidden');
      await envelopeOf(await calls.postSuggestion(app, analyst), 403, 'forbidden');
      const error = await envelopeOf(await calls.getAnnotations(app, agent), 403, 'forbidden');
      expect(error.message).toContain('analyst');
    }
    expect(await countAnnotations(deps.store.db, 'acme')).toBe(0);
  });

  it('lets an admin key do everything, and each role what it is granted', async () => {
    const admin = await keyFor('admin');
    const agent = await keyFor('agent');
    const analyst = await keyFor('analyst');
    for (const key of [admin, agent]) {
      expect((await calls.postSuggestion(required, key)).status).toBe(200);
      const batch = await calls.postBatch(required, key);
      expect(batch.status).toBe(200);
      expect(SyncResponse.parse(await batch.json()).results.every((r) => r.status === 'accepted')).toBe(true);
    }
    for (const key of [admin, analyst]) {
      const page = AnnotationPage.parse(await (await calls.getAnnotations(required, key)).json());
      expect(page.items).toHaveLength(4);
    }
  });

  it("in optional mode treats a keyless request as the default tenant's agent", async () => {
    const tenant = deps.config.defaultTenant;
    const suggestion = SuggestionResponse.parse(await (await calls.postSuggestion(optional)).json());
    expect((await findSuggestion(deps.store.db, suggestion.suggestionId))?.tenant).toBe(tenant);
    const batch = await calls.postBatch(optional, undefined, tenant);
    expect(SyncResponse.parse(await batch.json()).results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    expect(await countAnnotations(deps.store.db, tenant)).toBe(2);
    const mismatch = SyncResponse.parse(await (await calls.postBatch(optional, undefined, 'acme')).json());
    expect(mismatch.results.map((r) => r.error?.code)).toEqual(['tenant_mismatch', 'tenant_mismatch']);
    // Keyless callers are agents: reading needs a key.
    await envelopeOf(await calls.getAnnotations(optional), 403, 'forbidden');
  });

  it('records when a key was last used, at most once a minute', async () => {
    const { key, info } = await createApiKey(deps.store.db, { tenant: 'acme', role: 'analyst' });
    expect(info.lastUsedAt).toBeNull();
    const lastUsed = async () => (await listApiKeys(deps.store.db)).find((k) => k.id === info.id)!.lastUsedAt;
    expect((await calls.getAnnotations(required, key)).status).toBe(200);
    const first = await lastUsed();
    expect(first).not.toBeNull();
    for (let i = 0; i < 3; i++) expect((await calls.getAnnotations(required, key)).status).toBe(200);
    expect(await lastUsed()).toBe(first);

    // With a clock of our own: a write at 0 s, none at 30 s or 59 s, the next at 61 s.
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const guard = apiKeyAuth({ db: deps.store.db, mode: 'required', defaultTenant: 'default', now: () => new Date(now) });
    const probe = new Hono().get('/probe', guard('analyst'), (c) => c.json(c.get('auth')));
    const at = async (seconds: number) => {
      now = Date.parse('2030-01-01T00:00:00.000Z') + seconds * 1000;
      const response = await probe.request('/probe', { headers: bearer(key) });
      expect(await response.json()).toEqual({ tenant: 'acme', role: 'analyst', keyId: info.id });
      return lastUsed();
    };
    expect(await at(0)).toBe('2030-01-01T00:00:00.000Z');
    expect(await at(30)).toBe('2030-01-01T00:00:00.000Z');
    expect(await at(59)).toBe('2030-01-01T00:00:00.000Z');
    expect(await at(61)).toBe('2030-01-01T00:01:01.000Z');
  });
});
