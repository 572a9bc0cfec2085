/**
 * The admin API and the admin command line on SQLite and PostgreSQL: keys (create, list, revoke — a revoked key
 * answers 401 on its very next request), tenants, knowledge-base status, flywheel status and rollback, all for the
 * admin role only and all in the audit log; knowledge imports over HTTP (JSONL body, 400/413/415/409, served at once); (GET /v1/audit, `aitl audit`), with command-line changes as actor `cli`.
 */
import type { Hono } from 'hono';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import { main } from '../../backend/cli/main.ts';
import { DEMO_HELP_CENTRE } from '../../backend/demo/tickets.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { addCandidate, decide } from '../../backend/models/registry.ts';
import { KB_IMPORT_MAX_BYTES, kbImportOptions } from '../../backend/routes/admin.ts';
import { payloadHash, storeAnnotations } from '../../backend/store/annotations.ts';
import { withExclusive } from '../../backend/store/exclusive.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { type ErrorEnvelope, HostConfig, LIMITS, type Role, WhoAmI } from '../../shared/index.ts';
import { makeAnnotation } from '../helpers/annotations.ts';
import { clearTables, createTestDeps, databaseUrl, DIALECTS, isolateAitlEnv, useDatabase } from './dialects.ts';

/** Answers as the tests read them. */
type Json = Record<string, any>;

isolateAitlEnv();

describe.each(DIALECTS)('admin API and CLI on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  let url: string;
  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      app = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
      url = databaseUrl(database);
    },
    async () => {
      await clearTables(deps.store.db);
      await deps.store.db.deleteFrom('audit_log').execute();
      await deps.store.db.deleteFrom('model_versions').execute();
    },
  );

  const keyFor = async (role: Role, tenant = 'acme') => (await createApiKey(deps.store.db, { tenant, role, name: `${role}-${tenant}` })).key;
  const call = async (method: string, path: string, key?: string, body?: unknown) => {
    const res = await app.request(path, {
      method,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json().catch(() => undefined)) as Json };
  };
  const audit = async (key: string, query = '') => (await call('GET', `/v1/audit${query}`, key)).body.items as Json[];
  const cli = async (...argv: string[]) => {
    process.env.AITL_DATABASE_URL = url;
    process.env.AITL_LOG_LEVEL = 'silent';
    process.env.AITL_DEMO = 'false';
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      argv,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out, err: err.join('\n') };
  };

  const ROUTES: [string, string, unknown?][] = [
    ['POST', '/v1/admin/keys', { role: 'agent' }],
    ['GET', '/v1/admin/keys'],
    ['POST', '/v1/admin/keys/0123456789abcdef/revoke'],
    ['GET', '/v1/admin/tenants'],
    ['GET', '/v1/admin/kb'],
    ['POST', '/v1/admin/kb/import', { id: 'a', title: 'A', body: 'B' }],
    ['GET', '/v1/admin/flywheel'],
    ['POST', '/v1/admin/flywheel/rollback', { version: 'ranking-default' }],
    ['GET', '/v1/audit'],
  ];

  it('answers 401 without a key and 403 for agents and analysts, on every admin route', async () => {
    const [agent, analyst] = [await keyFor('agent'), await keyFor('analyst')];
    for (const [method, path, body] of ROUTES) {
      expect((await call(method, path, undefined, body)).status, `${method} ${path}`).toBe(401);
      for (const key of [agent, analyst]) {
        const res = await call(method, path, key, body);
        expect(res.status, `${method} ${path}`).toBe(403);
        expect((res.body as ErrorEnvelope).error.code).toBe('forbidden');
      }
    }
    expect(await deps.store.db.selectFrom('audit_log').selectAll().execute()).toEqual([]);
  });

  it("makes, lists and revokes the tenant's keys; a revoked key gets 401 on its next request", async () => {
    const admin = await keyFor('admin');
    await keyFor('agent', 'globex');
    const created = await call('POST', '/v1/admin/keys', admin, { role: 'agent', name: 'team key' });
    expect(created.status).toBe(201);
    const { key, info } = created.body as { key: string; info: Json };
    expect(info).toMatchObject({ tenant: 'acme', role: 'agent', name: 'team key', revokedAt: null });
    expect(key).toMatch(new RegExp(`^aitl_${info.id}_`));
    expect(WhoAmI.parse((await call('GET', '/v1/whoami', key)).body)).toEqual({ tenant: 'acme', role: 'agent', keyId: info.id });

    const listed = await call('GET', '/v1/admin/keys', admin);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((k: Json) => [k.tenant, k.role])).toEqual([
      ['acme', 'admin'],
      ['acme', 'agent'],
    ]);
    expect(JSON.stringify(listed.body)).not.toMatch(/key_hash|aitl_[0-9a-f]{16}_/);

    const ticket = { host: 'demo', ticketId: '1001', messages: [{ role: 'customer', text: 'My lamp arrived cracked. How do I get a refund?' }] };
    expect((await call('POST', '/v1/suggestions', key, { ticket })).status).toBe(200);
    expect(await call('POST', `/v1/admin/keys/${info.id}/revoke`, admin)).toEqual({ status: 200, body: { id: info.id, status: 'revoked' } });
    // No cache between the revocation and the next request.
    const refused = await call('POST', '/v1/suggestions', key, { ticket });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'unauthorized', message: 'Unknown or revoked API key' });
    expect((await call('GET', '/v1/whoami', key)).status).toBe(401);
    expect((await call('POST', `/v1/admin/keys/${info.id}/revoke`, admin)).body.status).toBe('already_revoked');
  });

  it("refuses another tenant's keys: making one is 403, revoking one is 404", async () => {
    const admin = await keyFor('admin');
    const other = await createApiKey(deps.store.db, { tenant: 'globex', role: 'agent' });
    expect((await call('POST', '/v1/admin/keys', admin, { role: 'agent', tenant: 'globex' })).status).toBe(403);
    expect((await call('POST', `/v1/admin/keys/${other.info.id}/revoke`, admin)).status).toBe(404);
    expect((await call('GET', '/v1/whoami', other.key)).status).toBe(200);
    expect((await call('POST', '/v1/admin/keys', admin, { role: 'boss' })).status).toBe(400);
  });

  it("counts the caller's tenant: keys by role, annotations, suggestions, last activity", async () => {
    const admin = await keyFor('admin');
    await keyFor('agent');
    const revoked = await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent' });
    await call('POST', `/v1/admin/keys/${revoked.info.id}/revoke`, admin);
    await keyFor('agent', 'globex');
    const items = ['preference', 'relevance'].map((kind) => makeAnnotation(kind as 'preference' | 'relevance', 'acme'));
    await storeAnnotations(
      deps.store.db,
      'acme',
      items.map((annotation) => ({ annotation, hash: payloadHash(annotation) })),
      { sentAt: null, receivedAt: '2026-11-20T10:00:00.000Z' },
    );
    const res = await call('GET', '/v1/admin/tenants', admin);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        tenant: 'acme',
        keys: { active: 2, revoked: 1, agent: 1, analyst: 0, admin: 1 },
        annotations: 2,
        suggestions: 0,
        lastActivityAt: '2026-11-20T10:00:00.000Z',
        hostConfig: false,
      },
    ]);
  });

  it('reports the knowledge base and the flywheel, and rolls a version back, served at once', async () => {
    const admin = await keyFor('admin');
    // acme has no knowledge base of its own: the shared one (empty here) serves it.
    expect((await call('GET', '/v1/admin/kb', admin)).body).toMatchObject({ base: '*', latestImport: null, passages: 0 });
    await importKnowledge(deps.store.db, DEMO_HELP_CENTRE);
    const kb = await call('GET', '/v1/admin/kb', admin);
    expect(kb.status).toBe(200);
    expect(kb.body.base).toBe('*');
    expect(kb.body.latestImport).toMatchObject({ format: 'markdown', articles: 42 });
    expect(kb.body.passages).toBeGreaterThan(42);
    expect(kb.body.indexVersion).toBe((await deps.knowledge.of('acme')).version);

    expect((await call('GET', '/v1/admin/flywheel', admin)).body).toMatchObject({
      current: { ranking: 'ranking-default', variants: 'variants-default' },
      versions: [],
      runs: [],
    });
    const candidate = await addCandidate(deps.store.db, 'acme', {
      kind: 'ranking',
      parent: null,
      runId: null,
      inputs: {},
      metrics: {},
      artefact: {},
    });
    await decide(deps.store.db, candidate.id, { promote: true, reason: 'won on held-out checks', metrics: { ndcg: 0.5 } });
    const status = await call('GET', '/v1/admin/flywheel', admin);
    expect(status.body.current.ranking).toBe(candidate.id);
    expect(status.body.versions).toEqual([expect.objectContaining({ id: candidate.id, status: 'promoted', reason: 'won on held-out checks' })]);

    expect((await call('POST', '/v1/admin/flywheel/rollback', admin, { version: 'ranking-nosuch' })).status).toBe(404);
    expect((await call('POST', '/v1/admin/flywheel/rollback', admin, {})).status).toBe(400);
    expect(await call('POST', '/v1/admin/flywheel/rollback', admin, { version: 'ranking-default' })).toEqual({
      status: 200,
      body: { kind: 'ranking', from: candidate.id, to: 'ranking-default' },
    });
    expect((await call('POST', '/v1/admin/flywheel/rollback', admin, { version: 'ranking-default' })).status).toBe(409);
    expect((await call('GET', '/v1/admin/flywheel', admin)).body.current.ranking).toBe('ranking-default');

    // The flywheel is the tenant's own: another tenant's admin neither sees acme's versions nor rolls back to them.
    const globexAdmin = await keyFor('admin', 'globex');
    expect((await call('GET', '/v1/admin/flywheel', globexAdmin)).body).toMatchObject({ current: { ranking: 'ranking-default' }, versions: [] });
    expect((await call('POST', '/v1/admin/flywheel/rollback', globexAdmin, { version: candidate.id })).status).toBe(404);
  });

  it("writes every admin call to the audit log: the caller's tenant's entries and those reaching every tenant", async () => {
    const admin = await keyFor('admin');
    const globexAdmin = await keyFor('admin', 'globex');
    const adminId = /^aitl_([0-9a-f]{16})_/.exec(admin)![1];
    const made = (await call('POST', '/v1/admin/keys', admin, { role: 'agent' })).body.info.id as string;
    await call('GET', '/v1/admin/keys', admin);
    await call('POST', `/v1/admin/keys/${made}/revoke`, admin);
    await call('GET', '/v1/admin/tenants', admin);
    await call('GET', '/v1/admin/kb', admin);
    await call('GET', '/v1/admin/flywheel', admin);
    await call('GET', '/v1/admin/keys', globexAdmin);

    // Newest first; entries made within the same millisecond have no order among themselves, so compare as sets.
    const entries = await audit(admin);
    expect(entries.map((e) => e.action).sort()).toEqual(['flywheel.status', 'kb.status', 'key.create', 'key.list', 'key.revoke', 'tenant.list']);
    expect(entries.map((e) => e.at)).toEqual(
      entries
        .map((e) => e.at)
        .sort()
        .reverse(),
    );
    expect(entries.every((e) => e.tenant === 'acme' && e.actor === adminId && e.role === 'admin')).toBe(true);
    expect(entries.find((e) => e.action === 'key.revoke')).toMatchObject({ target: made, detail: { result: 'revoked', role: 'agent' } });
    expect((await audit(globexAdmin)).map((e) => e.action)).toEqual(['key.list']);
    expect((await audit(admin, '?action=key.create')).map((e) => e.target)).toEqual([made]);
    expect(await audit(admin, '?limit=2')).toHaveLength(2);
    for (const query of ['?limit=0', '?limit=501', '?since=yesterday'])
      expect((await call('GET', `/v1/audit${query}`, admin)).status, query).toBe(400);

    // A rollback changes the caller's tenant only: recorded under it, seen by its admins and no other tenant's.
    const candidate = await addCandidate(deps.store.db, 'globex', {
      kind: 'variants',
      parent: null,
      runId: null,
      inputs: {},
      metrics: {},
      artefact: {},
    });
    await decide(deps.store.db, candidate.id, { promote: true, reason: 'won', metrics: {} });
    expect((await call('POST', '/v1/admin/flywheel/rollback', globexAdmin, { version: 'variants-default' })).status).toBe(200);
    expect(await audit(globexAdmin, '?action=flywheel.rollback')).toEqual([
      expect.objectContaining({ tenant: 'globex', target: 'variants-default', detail: { kind: 'variants', from: candidate.id } }),
    ]);
    expect(await audit(admin, '?action=flywheel.rollback')).toEqual([]);
  });

  it('audits the command line as actor cli: keys create and revoke, kb import, flywheel rollback; lists tenants, kb status and the log', async () => {
    const imported = await cli('kb', 'import', DEMO_HELP_CENTRE);
    expect(imported.code).toBe(0);
    const importId = /import (\S+)$/.exec(imported.out[0]!)![1];
    const created = await cli('keys', 'create', '--tenant', 'acme', '--role', 'agent', '--name', 'cli key');
    expect(created.code).toBe(0);
    const id = /^aitl_([0-9a-f]{16})_/.exec(created.out.at(-1)!)![1]!;
    expect((await cli('keys', 'revoke', id)).code).toBe(0);
    expect((await cli('keys', 'create', '--tenant', '*', '--role', 'agent')).code).toBe(2);
    const candidate = await addCandidate(deps.store.db, 'acme', {
      kind: 'ranking',
      parent: null,
      runId: null,
      inputs: {},
      metrics: {},
      artefact: {},
    });
    await decide(deps.store.db, candidate.id, { promote: true, reason: 'won', metrics: {} });
    // Without --tenant the default tenant's versions, which have nothing to roll back.
    expect((await cli('flywheel', 'rollback', 'ranking-default')).code).not.toBe(0);
    expect((await cli('flywheel', 'rollback', 'ranking-default', '--tenant', 'acme')).code).toBe(0);

    const log = await cli('audit', '--json');
    expect(log.code).toBe(0);
    const entries = JSON.parse(log.out.at(-1)!).items as Json[];
    const byAction = (list: Json[]) => Object.fromEntries(list.map((e) => [e.action, [e.tenant, e.actor, e.target]]));
    expect(entries).toHaveLength(4);
    expect(byAction(entries)).toEqual({
      // A rollback is the tenant's; an import into the shared base (no --tenant) reaches every tenant.
      'flywheel.rollback': ['acme', 'cli', 'ranking-default'],
      'key.revoke': ['acme', 'cli', id],
      'key.create': ['acme', 'cli', id],
      'kb.import': ['*', 'cli', importId],
    });
    expect(entries.find((e) => e.action === 'kb.import')!.detail).toMatchObject({ format: 'markdown', articles: 42 });
    // The same entries over HTTP, for the tenant's admin.
    expect(byAction(await audit(await keyFor('admin')))).toEqual(byAction(entries));
    expect(JSON.parse((await cli('audit', '--tenant', 'acme', '--action', 'key.create', '--json')).out.at(-1)!).items).toHaveLength(1);
    expect((await cli('audit', '--limit', 'ten')).code).toBe(2);

    const tenants = JSON.parse((await cli('tenants', 'list', '--json')).out.at(-1)!).items as Json[];
    expect(tenants.map((t) => [t.tenant, t.keys.active, t.keys.revoked])).toEqual([['acme', 1, 1]]);
    const table = await cli('tenants', 'list');
    expect(table.out[0]).toMatch(/^TENANT\s+KEYS\s+REVOKED/);

    const kb = JSON.parse((await cli('kb', 'status', '--json')).out.at(-1)!);
    expect(kb).toMatchObject({ base: '*', latestImport: { format: 'markdown', articles: 42 }, indexVersion: expect.any(String) });
    expect((await cli('kb', 'status')).out.join('\n')).toMatch(/latest import .+: 42 articles/);
  });

  it('imports JSONL articles over HTTP: 415, a bad line 400 naming it, 413 over the limit, 409 while busy, 200 served at once and audited', async () => {
    const [admin, agent] = [await keyFor('admin'), await keyFor('agent')];
    const importPath = '/v1/admin/kb/import';
    const post = async (body: BodyInit, type = 'application/x-ndjson', extra: RequestInit = {}) => {
      const res = await app.request(importPath, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': type },
        body,
        ...extra,
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const imports = async () => (await deps.store.db.selectFrom('kb_imports').selectAll().execute()).length;
    const articles = [
      {
        id: 'zeppelin-mooring',
        title: 'Zeppelin mooring fees',
        body: 'Mooring a zeppelin at the sky dock costs forty credits per night. Cancelled mooring is refunded in full within a day.',
        url: 'https://help.example/zeppelin',
        tags: ['docks'],
      },
      {
        id: 'quokka-grooming',
        title: 'Quokka grooming appointments',
        body: 'Quokka grooming appointments can be moved up to two hours before the slot from the bookings page.',
      },
    ];
    const jsonl = articles.map((a) => JSON.stringify(a)).join('\n') + '\n';
    const before = await imports();

    const wrongType = await post(jsonl, 'application/json');
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.error.code).toBe('unsupported_media_type');
    expect(wrongType.body.error.message).toMatch(/Content-Type.*application\/x-ndjson/);

    const bad = await post(
      `${JSON.stringify(articles[0])}\n${JSON.stringify({ id: 'no-title', body: 'text' })}\n`,
      'application/jsonl; charset=utf-8',
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/^Line 2: title: /);
    expect(bad.body.error.issues).toEqual([expect.objectContaining({ path: 'line 2.title' })]);
    expect(JSON.stringify(bad.body)).not.toContain('aitl-kb-import');
    expect((await post('{"id": "x",\n')).body.error.message).toBe('Line 1: not valid JSON');
    // The app-wide 1 MB body limit does not apply: this body is read (and refused for its line), not a 413.
    expect((await post(`{"id": "big"}\n${' '.repeat(LIMITS.bodyBytes + 1)}`)).body.error.message).toMatch(/^Line 1: title: /);
    expect(await imports()).toBe(before);

    try {
      kbImportOptions.maxBytes = 200;
      const tooLarge = await post(jsonl);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body.error.code).toBe('payload_too_large');
      // Counted as it streams, whatever Content-Length says (or when there is none).
      const stream = new Blob([jsonl]).stream();
      expect((await post(stream, undefined, { duplex: 'half' } as RequestInit)).status).toBe(413);
    } finally {
      kbImportOptions.maxBytes = KB_IMPORT_MAX_BYTES;
    }
    expect(await imports()).toBe(before);

    // While an import into acme's base runs (here: on another backend, holding its lock), another is refused as
    // busy; an import into another tenant's base is not held up by it.
    const held = await withExclusive(deps.store, 'knowledge-import:acme', async () => {
      const busy = await post(jsonl);
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('busy');
      const elsewhere = await app.request(importPath, {
        method: 'POST',
        headers: { authorization: `Bearer ${await keyFor('admin', 'initech')}`, 'content-type': 'application/x-ndjson' },
        body: `${JSON.stringify({ id: 'initech-tps', title: 'TPS reports', body: 'TPS reports need the new cover sheet.' })}\n`,
      });
      expect(elsewhere.status).toBe(200);
    });
    expect(held.ran).toBe(true);
    expect(await imports()).toBe(before + 1);
    const done = await post(jsonl);
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ importId: expect.any(String), format: 'jsonl', articles: 2, passages: expect.any(Number) });
    expect(done.body.passages).toBeGreaterThanOrEqual(2);

    // Served at once: the next suggestion retrieves the new article.
    const served = await deps.knowledge.of('acme');
    expect(served.importId).toBe(done.body.importId);
    // Into acme's own knowledge base (AITL_KNOWLEDGE=per-tenant): acme now reads it, not the shared one.
    expect(served.base).toBe('acme');
    const ticket = {
      host: 'demo',
      ticketId: '2001',
      messages: [{ role: 'customer', text: 'How much does zeppelin mooring at the sky dock cost per night?' }],
    };
    const suggestion = await call('POST', '/v1/suggestions', agent, { ticket });
    expect(suggestion.status).toBe(200);
    expect(suggestion.body.snippets[0]).toMatchObject({ articleId: 'zeppelin-mooring', title: 'Zeppelin mooring fees' });
    // Another tenant still reads the shared base: acme's articles are not in its suggestions.
    const other = await call('POST', '/v1/suggestions', await keyFor('agent', 'globex'), { ticket });
    expect(other.status).toBe(200);
    expect(other.body.snippets.map((s: Json) => s.articleId)).not.toContain('zeppelin-mooring');

    const kb = await call('GET', '/v1/admin/kb', admin);
    expect(kb.body).toMatchObject({ base: 'acme', passages: done.body.passages });
    expect(kb.body.latestImport).toMatchObject({ id: done.body.importId, source: 'POST /v1/admin/kb/import', format: 'jsonl', articles: 2 });
    expect((await call('GET', '/v1/admin/kb', await keyFor('admin', 'globex'))).body.base).toBe('*');
    const entries = await audit(admin, '?action=kb.import');
    // Audited under acme: the import reaches acme's tenants only, so globex's admins do not see it.
    expect(entries).toEqual([
      expect.objectContaining({
        tenant: 'acme',
        role: 'admin',
        target: done.body.importId,
        detail: { format: 'jsonl', articles: 2, passages: done.body.passages, bytes: Buffer.byteLength(jsonl), base: 'acme' },
      }),
    ]);
    expect(await audit(await keyFor('admin', 'globex'), '?action=kb.import')).toHaveLength(0);
  });

  it('refuses a second import into the same base as busy while the first is still reading its body', async () => {
    const admin = await keyFor('admin');
    const post = async (body: BodyInit, type = 'application/x-ndjson', extra: RequestInit = {}) => {
      const res = await app.request('/v1/admin/kb/import', {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': type },
        body,
        ...extra,
      });
      return { status: res.status, body: (await res.json()) as Json };
    };
    const jsonl = `${JSON.stringify({ id: 'zeppelin-mooring', title: 'Zeppelin mooring fees', body: 'Mooring a zeppelin costs forty credits per night.' })}\n`;
    let reading!: () => void;
    const started = new Promise<void>((resolve) => (reading = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let sent = false;
    const slow = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          if (sent) return controller.close();
          reading();
          await released;
          controller.enqueue(new TextEncoder().encode(jsonl));
          sent = true;
        },
      },
      { highWaterMark: 0 },
    );
    const first = post(slow, undefined, { duplex: 'half' } as RequestInit);
    await started;
    try {
      const busy = await post(jsonl);
      expect(busy.status).toBe(409);
      expect(busy.body.error.code).toBe('busy');
    } finally {
      release();
    }
    const done = await first;
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ importId: expect.any(String), format: 'jsonl', articles: 1, passages: expect.any(Number) });
    expect(done.body.passages).toBeGreaterThanOrEqual(1);
  });

  it("delivers the tenant's extension settings with its selector overrides (config set is audited)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aitl-admin-'));
    try {
      const file = join(dir, 'tenant.json');
      const config = {
        selectors: { zendesk: { composer: ['div.ck-editor__editable'] } },
        settings: { pairwisePromptPercent: 25, redactionLevel: 'strict', enabledHosts: ['zendesk'] },
      };
      writeFileSync(file, JSON.stringify(config));
      const stored = await cli('config', 'set', file, '--tenant', 'acme');
      expect(stored.code).toBe(0);
      expect(stored.out.join('\n')).toContain('Extension settings for the tenant: enabledHosts, redactionLevel, pairwisePromptPercent.');
      const served = await call('GET', '/v1/config', await keyFor('agent'));
      expect(HostConfig.parse(served.body)).toEqual(config);
      expect((await audit(await keyFor('admin'), '?action=config.set'))[0]).toMatchObject({
        actor: 'cli',
        tenant: 'acme',
        detail: { hosts: ['zendesk'], settings: ['enabledHosts', 'redactionLevel', 'pairwisePromptPercent'] },
      });
      writeFileSync(file, JSON.stringify({ settings: { pairwisePromptPercent: 150 } }));
      const refused = await cli('config', 'set', file, '--tenant', 'acme');
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('settings.pairwisePromptPercent');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers the extension's CORS preflight (a backend set by policy needs no host permission), and no other origin's", async () => {
    const preflight = (origin: string) =>
      app.request('/v1/suggestions', {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      });
    const ok = await preflight('chrome-extension://mimldbgokakkcdedcmobpimfjboikkee');
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe('chrome-extension://mimldbgokakkcdedcmobpimfjboikkee');
    expect(ok.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  });
});
