import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { PAGE_REPORTS_PER_MINUTE } from '../../backend/routes/page-reports.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { ErrorEnvelope, HostConfig, PageReportCreated, PageReportList, type Role, UUID_V7 } from '../../shared/index.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

async function envelopeOf(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = ErrorEnvelope.parse(await response.json());
  expect(body.error.code).toBe(code);
  return body.error;
}

const ZENDESK = {
  selectors: {
    zendesk: { composer: '[data-test-id="omnicomposer-rich-text-ctrl"]', ticketSubject: ['[data-test-id="ticket-pane-subject"]', 'h1.subject'] },
  },
};

const report = (overrides: Record<string, unknown> = {}) => ({
  host: 'zendesk',
  url: 'https://acme.zendesk.com/agent/tickets/4711',
  reason: 'No ticket subject found',
  selectorKey: 'ticketSubject',
  selectors: ['[data-test-id="ticket-pane-subject"]'],
  extensionVersion: '0.1.0',
  clientTime: '2026-03-01T10:00:00.000+01:00',
  ...overrides,
});

describe.each(DIALECTS)('host config and page reports on $name', (dialect) => {
  let deps: AppDeps;
  let optional: Hono;
  let required: Hono;
  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      optional = createApp(deps);
      required = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    },
    () => clearTables(deps.store.db),
  );

  const keyFor = async (role: Role, tenant = 'acme') => (await createApiKey(deps.store.db, { tenant, role, name: `${role} key` })).key;
  const bearer = (key?: string): Record<string, string> => (key === undefined ? {} : { authorization: `Bearer ${key}` });
  const getConfig = (app: Hono, key?: string, headers: Record<string, string> = {}) =>
    app.request('/v1/config', { headers: { ...bearer(key), ...headers } });
  const putConfig = (app: Hono, key: string | undefined, body: unknown) =>
    app.request('/v1/config', { method: 'PUT', headers: bearer(key), body: typeof body === 'string' ? body : JSON.stringify(body) });
  const postReport = (app: Hono, key: string | undefined, body: unknown) =>
    app.request('/v1/page-reports', { method: 'POST', headers: bearer(key), body: JSON.stringify(body) });
  const reportCount = async (tenant: string) =>
    Number(
      (
        await deps.store.db
          .selectFrom('page_reports')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('tenant', '=', tenant)
          .executeTakeFirstOrThrow()
      ).n,
    );

  describe('GET and PUT /v1/config', () => {
    it('answers the empty config until an admin stores one, then the stored config to every caller of the tenant', async () => {
      const [admin, agent, analyst] = [await keyFor('admin'), await keyFor('agent'), await keyFor('analyst')];
      const empty = await getConfig(required, agent);
      expect(empty.status).toBe(200);
      expect(empty.headers.get('cache-control')).toBe('no-cache');
      expect(empty.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(await empty.json()).toEqual({ selectors: {} });

      const put = await putConfig(required, admin, ZENDESK);
      expect(put.status).toBe(200);
      const stored = {
        selectors: { zendesk: { composer: [ZENDESK.selectors.zendesk.composer], ticketSubject: ZENDESK.selectors.zendesk.ticketSubject } },
      };
      expect(await put.json()).toEqual(stored);
      const etag = put.headers.get('etag');
      expect(etag).not.toBe(empty.headers.get('etag'));

      for (const key of [agent, analyst, admin]) {
        const got = await getConfig(required, key);
        expect(got.status).toBe(200);
        expect(got.headers.get('etag')).toBe(etag);
        expect(HostConfig.parse(await got.json())).toEqual(stored);
      }
      // Replacing, not merging.
      const salesforce = { selectors: { salesforce: { composer: ['textarea.slds-textarea'] } } };
      expect((await putConfig(required, admin, salesforce)).status).toBe(200);
      expect(await (await getConfig(required, agent)).json()).toEqual(salesforce);
      // Each replacement is in the tenant's audit log, with the admin key that made it.
      const audit = await deps.store.db
        .selectFrom('audit_log')
        .selectAll()
        .where('action', '=', 'config.set')
        .where('tenant', '=', 'acme')
        .orderBy('id')
        .execute();
      expect(audit.map((a) => JSON.parse(a.detail))).toEqual([{ hosts: ['zendesk'] }, { hosts: ['salesforce'] }]);
      expect(audit.every((a) => a.role === 'admin' && admin.startsWith(`aitl_${a.actor}_`))).toBe(true);
    });

    it('keeps each tenant to its own config', async () => {
      expect((await putConfig(required, await keyFor('admin', 'acme'), ZENDESK)).status).toBe(200);
      expect(await (await getConfig(required, await keyFor('agent', 'globex'))).json()).toEqual({ selectors: {} });
      // Keyless callers in optional mode are the default tenant's agents.
      expect(await (await getConfig(optional)).json()).toEqual({ selectors: {} });
      const globex = { selectors: { demo: { composer: '#reply' } } };
      expect((await putConfig(required, await keyFor('admin', 'globex'), globex)).status).toBe(200);
      expect(await (await getConfig(required, await keyFor('agent', 'globex'))).json()).toEqual({ selectors: { demo: { composer: ['#reply'] } } });
      expect(HostConfig.parse(await (await getConfig(required, await keyFor('agent', 'acme'))).json()).selectors.zendesk?.composer).toHaveLength(1);
    });

    it('answers 304 without a body when If-None-Match matches the ETag, 200 once the config changes', async () => {
      const [admin, agent] = [await keyFor('admin'), await keyFor('agent')];
      const first = await getConfig(required, agent);
      const emptyTag = first.headers.get('etag')!;
      const unchanged = await getConfig(required, agent, { 'if-none-match': emptyTag });
      expect(unchanged.status).toBe(304);
      expect(unchanged.headers.get('etag')).toBe(emptyTag);
      expect(unchanged.headers.get('cache-control')).toBe('no-cache');
      expect(await unchanged.text()).toBe('');

      await putConfig(required, admin, ZENDESK);
      const changed = await getConfig(required, agent, { 'if-none-match': emptyTag });
      expect(changed.status).toBe(200);
      const tag = changed.headers.get('etag')!;
      expect(tag).not.toBe(emptyTag);
      expect(await changed.json()).toHaveProperty('selectors.zendesk');
      for (const header of [tag, `W/${tag}`, `"other", ${tag}`, '*']) {
        expect((await getConfig(required, agent, { 'if-none-match': header })).status, header).toBe(304);
      }
      expect((await getConfig(required, agent, { 'if-none-match': '"stale"' })).status).toBe(200);
    });

    it('refuses an invalid config with 400 naming the field, and keeps the stored one', async () => {
      const admin = await keyFor('admin');
      await putConfig(required, admin, ZENDESK);
      const cases: [unknown, string][] = [
        [{ selectors: { zendesk: { 'bad-key': '.x' } } }, 'selectors.zendesk.bad-key'],
        [{ selectors: { zendesk: { composer: [] } } }, 'selectors.zendesk.composer'],
        [{ selectors: { zendesk: { composer: [''] } } }, 'selectors.zendesk.composer.0'],
        [{ selectors: { freshdesk: { composer: '.x' } } }, 'selectors'],
        [{ selectors: [] }, 'selectors'],
      ];
      for (const [body, path] of cases) {
        const error = await envelopeOf(await putConfig(required, admin, body), 400, 'validation_failed');
        expect(
          error.issues?.map((i) => i.path),
          JSON.stringify(body),
        ).toContain(path);
        expect(error.message).toContain(path);
      }
      await envelopeOf(await putConfig(required, admin, '{"selectors":'), 400, 'bad_request');
      await envelopeOf(await putConfig(required, admin, ''), 400, 'bad_request');
      expect(await (await getConfig(required, admin)).json()).toHaveProperty('selectors.zendesk.ticketSubject');
    });

    it('lets only admins PUT: 403 for agents, analysts and keyless callers', async () => {
      for (const role of ['agent', 'analyst'] as const) {
        await envelopeOf(await putConfig(required, await keyFor(role), ZENDESK), 403, 'forbidden');
      }
      await envelopeOf(await putConfig(optional, undefined, ZENDESK), 403, 'forbidden');
      expect(await (await getConfig(optional)).json()).toEqual({ selectors: {} });
      expect(await (await getConfig(required, await keyFor('agent'))).json()).toEqual({ selectors: {} });
    });

    it('answers 401 without a key in required mode, and for an unknown key in either mode', async () => {
      for (const response of [
        await getConfig(required),
        await putConfig(required, undefined, ZENDESK),
        await postReport(required, undefined, report()),
        await required.request('/v1/page-reports'),
        await getConfig(optional, 'aitl_0000000000000000_' + 'A'.repeat(43)),
      ]) {
        await envelopeOf(response, 401, 'unauthorized');
      }
    });
  });

  describe('POST and GET /v1/page-reports', () => {
    it('stores a report with the query and fragment stripped from the URL and the reason redacted', async () => {
      const agentKey = await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent', name: 'a' });
      const response = await postReport(
        required,
        agentKey.key,
        report({ url: 'https://acme.zendesk.com/agent/tickets/4711?email=jo@example.com#composer', reason: 'Broken for jo@example.com' }),
      );
      expect(response.status).toBe(201);
      const { id } = PageReportCreated.parse(await response.json());
      expect(id).toMatch(UUID_V7);

      const list = await required.request('/v1/page-reports', { headers: bearer(await keyFor('admin')) });
      expect(list.status).toBe(200);
      const { items } = PageReportList.parse(await list.json());
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({
        id,
        host: 'zendesk',
        url: 'https://acme.zendesk.com/agent/tickets/4711',
        reason: 'Broken for [EMAIL]',
        selectorKey: 'ticketSubject',
        selectors: ['[data-test-id="ticket-pane-subject"]'],
        extensionVersion: '0.1.0',
        clientTime: '2026-03-01T10:00:00.000+01:00',
        keyId: agentKey.info.id,
      });
      expect(Date.parse(items[0]!.receivedAt)).not.toBeNaN();
      const row = await deps.store.db.selectFrom('page_reports').selectAll().executeTakeFirstOrThrow();
      expect(row.url).toBe('https://acme.zendesk.com/agent/tickets/4711');
      expect(JSON.stringify(row)).not.toContain('jo@example.com');

      // Without the optional fields; keyless in optional mode.
      expect(
        (
          await postReport(optional, undefined, {
            ...report({ url: 'https://x.example/#only-fragment' }),
            selectorKey: undefined,
            selectors: undefined,
          })
        ).status,
      ).toBe(201);
      const [stored] = await deps.store.db.selectFrom('page_reports').selectAll().where('tenant', '=', deps.config.defaultTenant).execute();
      expect(stored).toMatchObject({ url: 'https://x.example/', selector_key: null, selectors: null, key_id: null });
    });

    it('lists newest first, at most `limit`, for admins of the tenant only', async () => {
      const agent = await keyFor('agent');
      for (const n of [1, 2, 3]) expect((await postReport(required, agent, report({ reason: `report ${n}` }))).status).toBe(201);
      await postReport(required, await keyFor('agent', 'globex'), report({ reason: 'globex' }));
      const admin = await keyFor('admin');
      const page = PageReportList.parse(await (await required.request('/v1/page-reports?limit=2', { headers: bearer(admin) })).json());
      expect(page.items.map((i) => i.reason)).toEqual(['report 3', 'report 2']);
      const all = PageReportList.parse(await (await required.request('/v1/page-reports', { headers: bearer(admin) })).json());
      expect(all.items.map((i) => i.reason)).toEqual(['report 3', 'report 2', 'report 1']);

      const error = await envelopeOf(await required.request('/v1/page-reports?limit=0', { headers: bearer(admin) }), 400, 'validation_failed');
      expect(error.issues?.[0]?.path).toBe('limit');
      await envelopeOf(await required.request('/v1/page-reports', { headers: bearer(agent) }), 403, 'forbidden');
      await envelopeOf(await required.request('/v1/page-reports', { headers: bearer(await keyFor('analyst')) }), 403, 'forbidden');
    });

    it('refuses a malformed report with 400 naming the field, storing nothing', async () => {
      const agent = await keyFor('agent');
      const cases: [unknown, string][] = [
        [report({ host: 'freshdesk' }), 'host'],
        [report({ host: undefined }), 'host'],
        [report({ clientTime: 'yesterday' }), 'clientTime'],
        [report({ reason: 'x'.repeat(501) }), 'reason'],
        [report({ selectors: Array.from({ length: 21 }, () => '.x') }), 'selectors'],
        [report({ url: 42 }), 'url'],
      ];
      for (const [body, path] of cases) {
        const error = await envelopeOf(await postReport(required, agent, body), 400, 'validation_failed');
        expect(
          error.issues?.map((i) => i.path),
          path,
        ).toContain(path);
      }
      await envelopeOf(await required.request('/v1/page-reports', { method: 'POST', headers: bearer(agent), body: 'not json' }), 400, 'bad_request');
      expect(await reportCount('acme')).toBe(0);
    });

    it(`answers 429 with Retry-After after ${PAGE_REPORTS_PER_MINUTE} reports a minute from one tenant, other tenants unaffected`, async () => {
      const app = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
      const agent = await keyFor('agent');
      for (let i = 0; i < PAGE_REPORTS_PER_MINUTE; i++) expect((await postReport(app, agent, report())).status).toBe(201);
      const refused = await postReport(app, agent, report());
      const error = await envelopeOf(refused, 429, 'rate_limited');
      expect(error.message).toContain(String(PAGE_REPORTS_PER_MINUTE));
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      // Another key of the same tenant shares the limit; another tenant has its own.
      expect((await postReport(app, await keyFor('agent'), report())).status).toBe(429);
      expect((await postReport(app, await keyFor('agent', 'globex'), report())).status).toBe(201);
      // Bad bodies are still answered 400, not counted.
      expect((await postReport(app, agent, report({ host: 'nope' }))).status).toBe(400);
      expect(await reportCount('acme')).toBe(PAGE_REPORTS_PER_MINUTE);
      expect(await reportCount('globex')).toBe(1);
    });
  });

  it('describes the new routes in the OpenAPI document', async () => {
    const doc = (await (await optional.request('/v1/openapi.json')).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/v1/config'] ?? {}).sort()).toEqual(['get', 'put']);
    expect(Object.keys(doc.paths['/v1/page-reports'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/v1/page-reports']!.post!.responses).sort()).toEqual(['201', '400', '401', '403', '429']);
    expect(doc.paths['/v1/config']!.get!.responses).toHaveProperty('304');
  });
});
