/**
 * A seeded, bounded fuzz of every route the OpenAPI document lists, plus the pages, on both stores: requests as an
 * attacker or a careless client would send them — wrong methods, odd path parameters, junk and near-valid bodies
 * with NUL characters, deep nesting, wrong types, lone surrogates, every role and none. Nothing may answer 5xx,
 * every error must be the JSON envelope, and a batch with bad items must still answer per item.
 */
import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import { prng } from '../../backend/prng.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { ErrorEnvelope, SyncResponse } from '../../shared/index.ts';
import { makeAnnotation } from '../helpers/annotations.ts';
import { createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const REQUESTS = 1500;

const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '__proto__',
  'constructor',
  '../../etc/passwd',
  '%00',
  '<script>alert(1)</script>',
  'x'.repeat(5000),
  '🙂',
  'NaN',
  '-1',
  '1e309',
  'null',
];
const ODD_VALUES: unknown[] = [null, true, 0, -1, 1e308, 3.5, [], {}, [null], { __proto__: { polluted: true } }, ...ODD_STRINGS];

/** Percent-encoded; a lone surrogate becomes the bytes of one, which are not UTF-8 — a request can carry them. */
const encode = (text: string) => {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
};

const deepText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

describe.each(DIALECTS)('fuzz on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  const keys: Record<string, string> = {};

  useDatabase(dialect, async (database) => {
    deps = await createTestDeps(database);
    app = createApp(deps);
    for (const role of ['agent', 'analyst', 'admin'] as const) keys[role] = (await createApiKey(deps.store.db, { tenant: 'acme', role })).key;
  });

  it(`answers ${REQUESTS} hostile requests with no 5xx and every error in the envelope`, { timeout: 240_000 }, async () => {
    const random = prng(dialect.name === 'sqlite' ? 15 : 16);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const doc = (await (await app.request('/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ path, method: m.toUpperCase() })));
    routes.push(
      { path: '/demo/assets/{id}', method: 'GET' },
      { path: '/analyst/assets/{id}', method: 'GET' },
      { path: '/kb/articles/{id}', method: 'GET' },
      { path: '/analyst', method: 'GET' },
    );
    expect(routes.length).toBeGreaterThanOrEqual(25);

    /** Something of the right shape for the route, mutated: a field dropped, replaced by an odd value, or added. */
    const nearValid = (path: string): unknown => {
      const base: Record<string, unknown> =
        path === '/v1/annotations:batch'
          ? {
              items: Array.from({ length: 1 + Math.floor(random() * 4) }, () =>
                makeAnnotation(pick(['preference', 'adoption', 'rationale', 'relevance', 'missing_knowledge'] as const), 'acme'),
              ),
            }
          : path === '/v1/suggestions'
            ? { ticket: { host: 'demo', ticketId: '1', messages: [{ role: 'customer', text: 'My lamp arrived broken, can I get a refund?' }] } }
            : path === '/v1/config'
              ? { selectors: { zendesk: { composer: ['div'] } }, settings: { annotationPrompts: true } }
              : path === '/v1/exports'
                ? { kind: 'all' }
                : path === '/v1/admin/keys'
                  ? { tenant: 'acme', role: 'agent' }
                  : { version: 'ranking-default' };
      const target = Array.isArray(base.items) && random() < 0.7 ? (pick(base.items as object[]) as Record<string, unknown>) : base;
      const fields = Object.keys(target);
      const roll = random();
      if (roll < 0.3 && fields.length > 0) delete target[pick(fields)];
      else if (roll < 0.7 && fields.length > 0) target[pick(fields)] = pick(ODD_VALUES);
      else target[pick(ODD_STRINGS) || 'extra'] = pick(ODD_VALUES);
      return base;
    };

    const body = (path: string): string | undefined => {
      const roll = random();
      if (roll < 0.1) return undefined;
      if (roll < 0.2) return pick(['', '{', 'null', '[]', '"text"', '{"items":', deepText(20_000), 'x'.repeat(300_000)]);
      if (roll < 0.3) return `{"items":[${deepText(5000)}]}`;
      const text = JSON.stringify(nearValid(path));
      return random() < 0.2 ? text.replace(/"([^"]{1,20})"/, '"$1\\u0000"') : text;
    };

    const statuses = new Map<number, number>();
    for (let i = 0; i < REQUESTS; i++) {
      const route = pick(routes);
      const method = random() < 0.85 ? route.method : pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH']);
      const param = pick([...ODD_STRINGS.filter((s) => s && !s.includes('/')), 'run-0', '1001', 'damaged-or-defective-items']);
      let url = route.path.replace(/\{[^}]+\}/g, () => encode(param));
      if (random() < 0.3) url += `?${pick(['since', 'kind', 'limit', 'cursor', 'until', 'status'])}=${encode(pick(ODD_STRINGS))}`;
      const role = pick(['agent', 'analyst', 'admin', 'none', 'bad'] as const);
      const headers: Record<string, string> = {
        'content-type': pick(['application/json', 'text/plain', 'application/x-ndjson', 'multipart/form-data']),
      };
      if (role === 'bad') headers.authorization = pick(['Bearer', 'Bearer aitl_x_y', 'Basic abc', `Bearer ${keys.agent}x`]);
      else if (role !== 'none') headers.authorization = `Bearer ${keys[role]}`;
      const payload = method === 'GET' ? undefined : body(route.path);
      const response = await app.request(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      const what = `${method} ${url.slice(0, 120)} as ${role}: ${response.status}`;
      expect(response.status, what).toBeLessThan(500);
      const type = response.headers.get('content-type') ?? '';
      if (response.status >= 400) {
        expect(type, what).toMatch(/application\/json/);
        expect(ErrorEnvelope.safeParse(await response.json()).success, what).toBe(true);
      } else if (route.path === '/v1/annotations:batch' && method === 'POST') {
        expect(SyncResponse.safeParse(await response.json()).success, what).toBe(true);
      } else {
        await response.arrayBuffer();
      }
    }
    // The run reached the routes' work, not only their doors.
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(50);
  });
});
