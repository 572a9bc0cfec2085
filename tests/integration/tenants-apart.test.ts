/**
 * Tenants are apart: one tenant's knowledge base, trained versions, flywheel runs and their audit entries never
 * reach another (unless the deployment chose one shared knowledge base). Both stores.
 */
import type { Hono } from 'hono';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { runFlywheelCycle } from '../../backend/flywheel/cycle.ts';
import { addCandidate, decide } from '../../backend/models/registry.ts';
import { DEFAULT_RANKING } from '../../backend/models/artefacts.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { KB_IMPORT_PATH } from '../../backend/routes/admin.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { payloadHash, storeAnnotations } from '../../backend/store/annotations.ts';
import { MIGRATIONS } from '../../backend/store/migrations.ts';
import { makeAnnotation } from '../helpers/annotations.ts';
import { createTestDeps, DIALECTS, POSTGRES_URL, type TestDatabase, useDatabase } from './dialects.ts';

const LOCKERS =
  '{"id":"parcel-lockers","title":"Parcel lockers","body":"Globex parcel lockers keep a parcel for 72 hours. Scan the QR code at the locker to open the door."}\n';
const QUESTION = { host: 'demo', ticketId: 'T-1', messages: [{ role: 'customer', text: 'How long does a parcel locker keep my parcel?' }] };

describe.each(DIALECTS)('tenants apart on $name', (dialect) => {
  let database: TestDatabase;
  let deps: AppDeps;
  let app: Hono;
  let keys: Record<'acmeAgent' | 'acmeAdmin' | 'globexAgent' | 'globexAdmin', string>;
  useDatabase(dialect, async (d) => {
    database = d;
    deps = await createTestDeps(d);
    app = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    const key = async (tenant: string, role: 'agent' | 'admin') => (await createApiKey(deps.store.db, { tenant, role })).key;
    keys = {
      acmeAgent: await key('acme', 'agent'),
      acmeAdmin: await key('acme', 'admin'),
      globexAgent: await key('globex', 'agent'),
      globexAdmin: await key('globex', 'admin'),
    };
  });

  const call = (key: string, path: string, init: { method?: string; body?: string; type?: string } = {}) =>
    app.request(`http://127.0.0.1:8787${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${key}`, ...(init.body !== undefined && { 'content-type': init.type ?? 'application/json' }) },
      ...(init.body !== undefined && { body: init.body }),
    });
  const topSnippet = async (key: string) => {
    const response = await call(key, '/v1/suggestions', { method: 'POST', body: JSON.stringify({ ticket: QUESTION }) });
    expect(response.status).toBe(200);
    return ((await response.json()) as { snippets: { articleId: string }[] }).snippets[0]?.articleId;
  };
  const auditActions = async (key: string) => {
    const response = await call(key, '/v1/audit?limit=100');
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: { action: string; tenant: string }[] }).items;
  };

  it("keeps one tenant's knowledge import, its article pages and its audit entry to that tenant", async () => {
    const imported = await call(keys.globexAdmin, KB_IMPORT_PATH, { method: 'POST', body: LOCKERS, type: 'application/x-ndjson' });
    expect(imported.status).toBe(200);
    expect(await topSnippet(keys.globexAgent)).toBe('parcel-lockers');
    // Acme has no knowledge of its own: the shared base (the demo help centre) serves it, without Globex's article.
    expect(await topSnippet(keys.acmeAgent)).not.toBe('parcel-lockers');
    expect((await deps.knowledge.of('acme')).passages.some((p) => p.article_id === 'parcel-lockers')).toBe(false);
    expect((await call(keys.acmeAgent, '/kb/articles/parcel-lockers')).status).toBe(404);
    expect((await call(keys.globexAgent, '/kb/articles/parcel-lockers')).status).toBe(200);
    expect((await auditActions(keys.globexAdmin)).filter((e) => e.action === 'kb.import')).toHaveLength(1);
    expect((await auditActions(keys.acmeAdmin)).filter((e) => e.action === 'kb.import')).toEqual([]);
    const status = (await (await call(keys.acmeAdmin, '/v1/admin/kb')).json()) as { base: string; latestImport: { source: string } };
    expect(status.base).toBe('*');
    // A second backend on the store catches up with Globex's import on its next refresh.
    const other = await createKnowledge(deps.store.db);
    expect((await other.of('globex')).passages.map((p) => p.article_id)).toEqual(['parcel-lockers']);
  });

  it("serves, lists and rolls back each tenant's trained versions apart", async () => {
    const trained = await addCandidate(deps.store.db, 'globex', {
      kind: 'ranking',
      parent: null,
      runId: null,
      inputs: {},
      metrics: {},
      artefact: DEFAULT_RANKING,
    });
    await decide(deps.store.db, trained.id, { promote: true, reason: 'test', metrics: {} });
    await deps.knowledge.refreshIfStale();
    expect((await deps.knowledge.of('globex')).registry.ranking).toBe(trained.id);
    expect((await deps.knowledge.of('acme')).registry.ranking).toBe('ranking-default');
    const acmeView = (await (await call(keys.acmeAdmin, '/v1/admin/flywheel')).json()) as { current: Record<string, string>; versions: unknown[] };
    expect(acmeView).toMatchObject({ current: { ranking: 'ranking-default' }, versions: [] });
    // Acme can neither see nor roll back Globex's version; Globex's own rollback is Globex's alone.
    const foreign = await call(keys.acmeAdmin, '/v1/admin/flywheel/rollback', { method: 'POST', body: JSON.stringify({ version: trained.id }) });
    expect(foreign.status).toBe(404);
    const own = await call(keys.globexAdmin, '/v1/admin/flywheel/rollback', { method: 'POST', body: JSON.stringify({ version: 'ranking-default' }) });
    expect(own.status).toBe(200);
    expect((await deps.knowledge.of('globex')).registry.ranking).toBe('ranking-default');
    expect((await auditActions(keys.acmeAdmin)).some((e) => e.action === 'flywheel.rollback')).toBe(false);
    expect((await auditActions(keys.globexAdmin)).filter((e) => e.action === 'flywheel.rollback')).toMatchObject([{ tenant: 'globex' }]);
  });

  it("trains a tenant's cycle on that tenant's signals only, and records the run as its own", async () => {
    const items = [makeAnnotation('preference', 'globex'), makeAnnotation('relevance', 'globex')];
    await storeAnnotations(
      deps.store.db,
      'globex',
      items.map((annotation) => ({ annotation, hash: payloadHash(annotation) })),
      { sentAt: null, receivedAt: new Date().toISOString() },
    );
    const acme = await runFlywheelCycle(deps, { tenant: 'acme' });
    expect(acme).toMatchObject({ tenant: 'acme', annotations: 0 });
    const globex = await runFlywheelCycle(deps, { tenant: 'globex' });
    expect(globex).toMatchObject({ tenant: 'globex', annotations: 2 });
    const runs = await deps.store.db.selectFrom('flywheel_runs').select(['id', 'tenant']).execute();
    expect(runs.find((r) => r.id === acme.runId)?.tenant).toBe('acme');
    expect(runs.find((r) => r.id === globex.runId)?.tenant).toBe('globex');
  });

  it('with AITL_KNOWLEDGE=shared, keeps one knowledge base for every tenant and audits its imports for all', async () => {
    const shared = {
      ...deps,
      config: { ...deps.config, auth: 'required' as const, knowledge: 'shared' as const },
      knowledge: await createKnowledge(deps.store.db, { mode: 'shared' }),
    };
    app = createApp(shared);
    expect((await call(keys.globexAdmin, KB_IMPORT_PATH, { method: 'POST', body: LOCKERS, type: 'application/x-ndjson' })).status).toBe(200);
    expect(await topSnippet(keys.acmeAgent)).toBe('parcel-lockers');
    expect((await auditActions(keys.acmeAdmin)).filter((e) => e.action === 'kb.import')).toMatchObject([{ tenant: '*' }]);
  });

  it('moves what was stored before knowledge was per tenant into the shared base, and versions to the default tenant', async () => {
    const db = rawDatabase(database);
    try {
      const names = Object.keys(MIGRATIONS).sort();
      const before = names.filter((n) => n < '0008');
      const migrator = (upTo: string[]) =>
        new Migrator({
          db,
          provider: { getMigrations: async () => Object.fromEntries(upTo.map((n) => [n, MIGRATIONS[n]!])) },
          ...(dialect.name === 'postgres' && { migrationTableSchema: `${database.where}_old` }),
        });
      expect((await migrator(before).migrateToLatest()).error).toBeUndefined();
      const at = '2026-01-01T00:00:00.000Z';
      await db.insertInto('kb_imports').values({ id: 'imp-1', source: 's', format: 'jsonl', articles: 1, passages: 1, created_at: at }).execute();
      await db
        .insertInto('passages')
        .values({
          id: 'returns',
          article_id: 'returns',
          title: 'Returns',
          text: 'Thirty days.',
          url: '',
          anchor: '',
          position: 0,
          metadata: '{}',
          import_id: 'imp-1',
          created_at: at,
        })
        .execute();
      await db.insertInto('passage_vectors').values({ passage_id: 'returns', model: 'm', dims: 1, vector: '[1]', created_at: at }).execute();
      await db
        .insertInto('model_versions')
        .values({
          id: 'ranking-x',
          kind: 'ranking',
          parent: null,
          run_id: null,
          status: 'promoted',
          reason: 'r',
          inputs: '{}',
          metrics: '{}',
          artefact: '{}',
          created_at: at,
          status_at: at,
        })
        .execute();
      expect((await migrator(names).migrateToLatest()).error).toBeUndefined();
      expect(await db.selectFrom('passages').select(['tenant', 'id']).execute()).toEqual([{ tenant: '*', id: 'returns' }]);
      expect(await db.selectFrom('passage_vectors').select(['tenant', 'passage_id']).execute()).toEqual([{ tenant: '*', passage_id: 'returns' }]);
      expect(await db.selectFrom('kb_imports').select('tenant').execute()).toEqual([{ tenant: '*' }]);
      expect(await db.selectFrom('model_versions').select('tenant').execute()).toEqual([{ tenant: 'default' }]);
      // Two tenants may now hold an article of the same id.
      await db
        .insertInto('passages')
        .values({
          tenant: 'acme',
          id: 'returns',
          article_id: 'returns',
          title: 'Returns',
          text: 'Fourteen days.',
          url: '',
          anchor: '',
          position: 0,
          metadata: '{}',
          import_id: 'imp-2',
          created_at: at,
        })
        .execute();
    } finally {
      await db.destroy();
    }
  });
});

/** A connection to a fresh, unmigrated database beside the test's (its own SQLite file, or its own schema). */
function rawDatabase(database: TestDatabase): Kysely<any> {
  if (database.dialect === 'sqlite')
    return new Kysely({ dialect: new SqliteDialect({ database: new SQLite(join(database.where, '..', 'old.db')) }) });
  const schema = `${database.where}_old`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${schema}` });
  pool.on('connect', (client) => void client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`));
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  const destroy = db.destroy.bind(db);
  // The schema goes with the connection.
  db.destroy = async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    await destroy();
  };
  return db;
}
