import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { queryAudit } from '../../backend/store/audit.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { insertBatch } from '../../backend/store/export-batches.ts';
import {
  ErrorEnvelope,
  ExportBatch,
  ExportBatchList,
  ExportManifest,
  ExportPreview,
  type ExportStatus,
  type Role,
  TrlDpoRecord,
} from '../../shared/index.ts';
import { about, seedAnnotations, seedSuggestion } from '../unit/exports/seed.ts';
import { untar, unzip } from '../unit/exports/unpack.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const exportDirs: string[] = [];
afterAll(() => {
  for (const dir of exportDirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(DIALECTS)('exports API on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      const exportDir = mkdtempSync(join(tmpdir(), 'aitl-exports-'));
      exportDirs.push(exportDir);
      app = createApp({ ...deps, config: { ...deps.config, auth: 'required', exportDir, exportLagSeconds: 0 } });
    },
    async () => {
      await clearTables(deps.store.db);
      for (const table of ['export_archive_chunks', 'export_batches', 'audit_log', 'gate_results'] as const)
        await deps.store.db.deleteFrom(table).execute();
    },
  );

  const keyFor = async (role: Role, tenant = 'acme') => {
    const { key, info } = await createApiKey(deps.store.db, { tenant, role, name: `${role} key` });
    return { key, id: info.id };
  };
  const call = (key: string | undefined, path: string, init: RequestInit = {}) =>
    app.request(path, {
      ...init,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
  const create = (key: string, body: unknown) => call(key, '/v1/exports', { method: 'POST', body: JSON.stringify(body) });

  async function ready(key: string, id: string): Promise<ExportBatch> {
    for (let i = 0; i < 200; i++) {
      const batch = ExportBatch.parse(await (await call(key, `/v1/exports/${id}`)).json());
      if (batch.status === 'ready' || batch.status === 'failed') return batch;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`batch ${id} not finished`);
  }

  /** One suggestion for `tenant` with a preference, an edited send and two relevance labels, received at `at`. */
  async function seed(tenant = 'acme', at = '2026-11-20T09:00:00.000Z') {
    const s = await seedSuggestion(deps.store.db, { tenant });
    const items = [
      about(s, 'preference', { choice: 'left' }, tenant),
      about(s, 'adoption', { outcome: 'edited', sentText: `Edited reply for ${tenant}`, similarity: 0.7 }, tenant),
      about(s, 'relevance', { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1, label: 'relevant' }, tenant),
      about(s, 'relevance', { snippetId: 'doc-2#part', articleId: 'doc-2', rank: 2, label: 'irrelevant' }, tenant),
    ];
    await seedAnnotations(deps.store.db, items, at, tenant);
    return { s, items };
  }

  it('answers 401 without a key and 403 for an agent key on every export route; admins may export', async () => {
    const agent = await keyFor('agent');
    const routes: [string, RequestInit][] = [
      ['/v1/exports', { method: 'POST', body: JSON.stringify({ kinds: ['dpo'] }) }],
      ['/v1/exports', {}],
      ['/v1/exports/x', {}],
      ['/v1/exports/x/download', {}],
    ];
    for (const [path, init] of routes) {
      expect((await call(undefined, path, init)).status, path).toBe(401);
      const forbidden = await call(agent.key, path, init);
      expect(forbidden.status, path).toBe(403);
      expect(ErrorEnvelope.parse(await forbidden.json()).error.code).toBe('forbidden');
    }
    const admin = await keyFor('admin');
    expect((await create(admin.key, { kinds: ['dpo'] })).status).toBe(202);
  });

  it('answers 400 naming the field of a bad request', async () => {
    const { key } = await keyFor('analyst');
    const cases: [unknown, string][] = [
      [{ kinds: ['dpo', 'parquet'] }, 'kinds.1'],
      [{ kinds: [] }, 'kinds'],
      [{ kinds: ['dpo'], filters: { minWeight: 1.5 } }, 'filters.minWeight'],
      [{ kinds: ['dpo'], filters: { excludeReasons: ['boring'] } }, 'filters.excludeReasons.0'],
      [{ kinds: ['dpo'], since: 'yesterday' }, 'since'],
      [{ kinds: ['dpo'], since: '2026-12-01T00:00:00Z', until: '2026-11-01T00:00:00Z' }, 'until'],
      [{ kinds: ['dpo'], archive: 'rar' }, 'archive'],
    ];
    for (const [body, field] of cases) {
      const response = await create(key, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const { error } = ErrorEnvelope.parse(await response.json());
      expect(
        error.issues!.map((i) => i.path),
        JSON.stringify(body),
      ).toContain(field);
    }
    const unknown = ErrorEnvelope.parse(await (await create(key, { kinds: ['dpo'], filter: {} })).json());
    expect(unknown.error.issues![0]!.message).toContain('filter');
    expect(await deps.store.db.selectFrom('export_batches').selectAll().execute()).toHaveLength(0);
  });

  it.each(['tar.gz', 'zip'] as const)('runs a batch and serves one %s holding the files and a manifest whose checksums match', async (archive) => {
    const { key } = await keyFor('analyst');
    await seed();
    const response = await create(key, { kinds: ['all'], archive });
    expect(response.status).toBe(202);
    const created = ExportBatch.parse(await response.json());
    expect(['pending', 'running', 'ready']).toContain(created.status);
    const batch = await ready(key, created.id);
    expect(batch.status).toBe('ready');
    const manifest = batch.manifest!;
    expect(manifest.counts.read).toBe(4);
    expect(manifest.files.find((f) => f.path === 'dpo.trl.jsonl.gz')!.records).toBe(2);

    const download = await call(key, `/v1/exports/${batch.id}/download`);
    expect(download.status).toBe(200);
    expect(download.headers.get('content-disposition')).toBe(`attachment; filename="aitl-export-${batch.id}.${archive}"`);
    const bytes = Buffer.from(await download.arrayBuffer());
    expect(bytes.length).toBe(batch.archive!.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(batch.archive!.sha256);
    const entries = archive === 'zip' ? unzip(bytes) : untar(gunzipSync(bytes));
    expect([...entries.keys()]).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)]);
    expect(ExportManifest.parse(JSON.parse(entries.get('manifest.json')!.toString('utf8')))).toEqual(manifest);
    for (const f of manifest.files) {
      expect(createHash('sha256').update(entries.get(f.path)!).digest('hex'), f.path).toBe(f.sha256);
      expect(entries.get(f.path)!.length).toBe(f.bytes);
    }
    const pairs = gunzipSync(entries.get('dpo.trl.jsonl.gz')!)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => TrlDpoRecord.parse(JSON.parse(l)));
    expect(pairs.map((p) => p.metadata.source).sort()).toEqual(['edit', 'preference']);
  });

  it('previews the first records of one file of a ready batch, parsed, and names the key that made it', async () => {
    const { key, id: keyId } = await keyFor('analyst');
    await seed();
    const batch = await ready(key, ExportBatch.parse(await (await create(key, { kinds: ['dpo', 'beir'] })).json()).id);
    expect(batch.createdBy).toBe(keyId);
    expect(batch.createdByName).toBe('analyst key');
    expect(batch.manifest).not.toHaveProperty('preview');
    const listed = ExportBatchList.parse(await (await call(key, '/v1/exports')).json()).items;
    expect(listed.map((b) => [b.createdBy, b.createdByName])).toEqual([[keyId, 'analyst key']]);
    expect(listed[0]!.manifest).not.toHaveProperty('preview');

    const preview = async (query: string) => call(key, `/v1/exports/${batch.id}/preview?${query}`);
    const dpo = ExportPreview.parse(await (await preview('file=dpo.trl.jsonl.gz&limit=1')).json());
    expect(dpo).toMatchObject({ batchId: batch.id, file: 'dpo.trl.jsonl.gz', format: 'trl-dpo-conversational', total: 2 });
    expect(dpo.records).toHaveLength(1);
    expect(TrlDpoRecord.parse(dpo.records[0]).metadata.provenance.tenant).toBe('acme');
    // The same records as the downloaded file's first lines.
    const entries = untar(gunzipSync(Buffer.from(await (await call(key, `/v1/exports/${batch.id}/download`)).arrayBuffer())));
    const lines = gunzipSync(entries.get('dpo.trl.jsonl.gz')!).toString('utf8').trim().split('\n');
    expect(ExportPreview.parse(await (await preview('file=dpo.trl.jsonl.gz&limit=20')).json()).records).toEqual(lines.map((l) => JSON.parse(l)));
    const qrels = ExportPreview.parse(await (await preview('file=beir/qrels/test.tsv')).json());
    expect(qrels.records[0]).toBe('query-id\tcorpus-id\tscore');

    for (const [query, status] of [
      ['file=nothing.jsonl.gz', 404],
      ['file=dpo.trl.jsonl.gz&limit=0', 400],
      ['file=dpo.trl.jsonl.gz&limit=21', 400],
      ['limit=2', 400],
      ['file=dpo.trl.jsonl.gz&colour=red', 400],
    ] as const) {
      expect((await preview(query)).status, query).toBe(status);
    }
    const agent = await keyFor('agent');
    expect((await call(agent.key, `/v1/exports/${batch.id}/preview?file=dpo.trl.jsonl.gz`)).status).toBe(403);
    const other = await keyFor('analyst', 'globex');
    expect((await call(other.key, `/v1/exports/${batch.id}/preview?file=dpo.trl.jsonl.gz`)).status).toBe(404);
    await batchIn('01999999-0000-7000-8000-000000000000', 'running');
    expect((await call(key, '/v1/exports/01999999-0000-7000-8000-000000000000/preview?file=dpo.trl.jsonl.gz')).status).toBe(409);
  });

  it("exports only an agent's latest preference and relevance label when they changed their mind, and counts the rest as superseded", async () => {
    const analyst = await keyFor('analyst');
    const agent = await keyFor('agent');
    const s = await seedSuggestion(deps.store.db);
    const at = (minute: number) => `2026-11-20T09:${String(minute).padStart(2, '0')}:00.000Z`;
    const relevance = { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1 };
    const items = [
      about(s, 'preference', { choice: 'left', clientTime: at(0) }),
      about(s, 'relevance', { ...relevance, label: 'irrelevant', clientTime: at(0) }),
      about(s, 'preference', { choice: 'right', clientTime: at(1) }),
      about(s, 'relevance', { ...relevance, label: 'relevant', clientTime: at(1) }),
      about(s, 'preference', { agent: 'agent-8', choice: 'left', clientTime: at(2) }),
    ];
    const sent = await call(agent.key, '/v1/annotations:batch', { method: 'POST', body: JSON.stringify({ items }) });
    expect(sent.status).toBe(200);
    const batch = await ready(analyst.key, ExportBatch.parse(await (await create(analyst.key, { kinds: ['dpo', 'beir'] })).json()).id);
    expect(batch.manifest!.superseded).toBe(2);
    expect(batch.manifest!.counts['read.preference']).toBe(3);
    const entries = untar(gunzipSync(Buffer.from(await (await call(analyst.key, `/v1/exports/${batch.id}/download`)).arrayBuffer())));
    const pairs = gunzipSync(entries.get('dpo.trl.jsonl.gz')!)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => TrlDpoRecord.parse(JSON.parse(l)));
    expect(pairs.map((p) => [p.metadata.provenance.annotations[0]!.agent, p.metadata.chosenPosition]).sort()).toEqual([
      ['agent-7', 'right'],
      ['agent-8', 'left'],
    ]);
    expect(entries.get('beir/qrels/test.tsv')!.toString('utf8').trim().split('\n').slice(1)).toEqual([`${s.id}\tdoc-1#part\t2`]);
  });

  it("keeps tenants apart: a batch holds only its tenant's signals, and another tenant's analyst cannot see or download it", async () => {
    const acme = await keyFor('analyst', 'acme');
    const globex = await keyFor('analyst', 'globex');
    await seed('acme');
    await seed('globex');
    const batch = await ready(acme.key, ExportBatch.parse(await (await create(acme.key, { kinds: ['sft'] })).json()).id);
    expect(batch.manifest!.counts.read).toBe(4);
    expect(batch.manifest!.tenant).toBe('acme');
    expect((await call(globex.key, `/v1/exports/${batch.id}`)).status).toBe(404);
    expect((await call(globex.key, `/v1/exports/${batch.id}/download`)).status).toBe(404);
    expect(ExportBatchList.parse(await (await call(globex.key, '/v1/exports')).json()).items).toHaveLength(0);
    expect(ExportBatchList.parse(await (await call(acme.key, '/v1/exports')).json()).items.map((b) => b.id)).toEqual([batch.id]);
  });

  it('records who created and who downloaded a batch, when, and what in the audit log', async () => {
    const analyst = await keyFor('analyst');
    await seed();
    const batch = await ready(
      analyst.key,
      ExportBatch.parse(await (await create(analyst.key, { kinds: ['dpo'], filters: { minWeight: 0.5 } })).json()).id,
    );
    await call(analyst.key, `/v1/exports/${batch.id}/download`);
    const entries = await queryAudit(deps.store.db, { tenants: ['acme'], limit: 10 });
    expect(entries.map((e) => [e.action, e.actor, e.role, e.target])).toEqual([
      ['export.download', analyst.id, 'analyst', batch.id],
      ['export.create', analyst.id, 'analyst', batch.id],
    ]);
    expect(entries[1]!.detail).toMatchObject({ request: { kinds: ['dpo'], filters: { minWeight: 0.5 } }, window: batch.window });
    expect(Date.parse(entries[1]!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(await queryAudit(deps.store.db, { tenants: ['globex'], limit: 10 })).toHaveLength(0);
  });

  it('"since my last export" starts where the same analyst\'s previous batch ended', async () => {
    const analyst = await keyFor('analyst');
    const other = await keyFor('analyst');
    await seed('acme', '2026-11-20T09:00:00.000Z');
    const first = await ready(analyst.key, ExportBatch.parse(await (await create(analyst.key, { kinds: ['dpo'], since: 'last' })).json()).id);
    expect(first.window.from).toBeNull();
    expect(first.manifest!.counts.read).toBe(4);

    await new Promise((r) => setTimeout(r, 5));
    const later = await seed('acme', new Date().toISOString());
    const second = await ready(analyst.key, ExportBatch.parse(await (await create(analyst.key, { kinds: ['dpo'], since: 'last' })).json()).id);
    expect(second.window.from).toBe(first.window.to);
    expect(second.manifest!.counts.read).toBe(4);
    expect(second.manifest!.files[0]!.records).toBe(2);
    const third = await ready(analyst.key, ExportBatch.parse(await (await create(analyst.key, { kinds: ['dpo'], since: 'last' })).json()).id);
    expect(third.manifest!.counts.read).toBe(0);
    expect(later.items).toHaveLength(4);
    // Another analyst's "last" is their own: from the beginning.
    const theirs = await ready(other.key, ExportBatch.parse(await (await create(other.key, { kinds: ['dpo'], since: 'last' })).json()).id);
    expect(theirs.window.from).toBeNull();
    expect(theirs.manifest!.counts.read).toBe(8);
    // The third batch was empty, and says why.
    expect(third.manifest!.emptyReason).toMatch(
      /^0 records: 0 signals of tenant acme received in \[.+\); 8 arrived before it \(since "last": your previous export ended there\)$/,
    );
  });

  it('refuses "since my last export" with an until no later than where that export ended, naming until', async () => {
    const analyst = await keyFor('analyst');
    await seed('acme', '2026-11-20T09:00:00.000Z');
    const first = await ready(analyst.key, ExportBatch.parse(await (await create(analyst.key, { kinds: ['dpo'], since: 'last' })).json()).id);
    for (const until of [first.window.to, '2026-11-21T00:00:00Z']) {
      const response = await create(analyst.key, { kinds: ['dpo'], since: 'last', until });
      expect(response.status).toBe(400);
      const body = ErrorEnvelope.parse(await response.json());
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.issues).toEqual([
        { path: 'until', message: `must be later than ${first.window.to}, where your last export ended and "since": "last" starts` },
      ]);
    }
    expect(await deps.store.db.selectFrom('export_batches').select('id').execute()).toHaveLength(1);
    // A later until is fine.
    expect(
      (await create(analyst.key, { kinds: ['dpo'], since: 'last', until: new Date(Date.parse(first.window.to) + 1).toISOString() })).status,
    ).toBe(202);
  });

  it('ends the default window the export lag before now, and an explicit window is kept', async () => {
    const lagged = createApp({ ...deps, config: { ...deps.config, auth: 'required', exportDir: exportDirs[0]!, exportLagSeconds: 120 } });
    const { key } = await keyFor('analyst');
    const before = Date.now();
    const response = await lagged.request('/v1/exports', {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
      body: JSON.stringify({ kinds: ['gaps'] }),
    });
    const batch = ExportBatch.parse(await response.json());
    expect(Date.parse(batch.window.to)).toBeGreaterThanOrEqual(before - 120_000);
    expect(Date.parse(batch.window.to)).toBeLessThanOrEqual(Date.now() - 119_000);
    const explicit = ExportBatch.parse(
      await (await create(key, { kinds: ['gaps'], since: '2026-11-01T00:00:00+01:00', until: '2026-11-02T00:00:00Z' })).json(),
    );
    expect(explicit.window).toEqual({ from: '2026-10-31T23:00:00.000Z', to: '2026-11-02T00:00:00.000Z' });
    await ready(key, batch.id);
    await ready(key, explicit.id);
  });

  /** A batch of acme's recorded as `status`, as another process left it. */
  const batchIn = (id: string, status: ExportStatus) =>
    insertBatch(deps.store.db, {
      id,
      tenant: 'acme',
      createdBy: 'someone',
      createdAt: new Date().toISOString(),
      status,
      request: { kinds: ['dpo'], filters: {}, archive: 'tar.gz' },
      window: { from: null, to: new Date().toISOString() },
    });

  it('answers 409 for a batch that is not ready and 404 for one that does not exist', async () => {
    const { key } = await keyFor('analyst');
    await batchIn('0190a0a0-0000-7000-8000-000000000000', 'running');
    const response = await call(key, '/v1/exports/0190a0a0-0000-7000-8000-000000000000/download');
    expect(response.status).toBe(409);
    expect(ErrorEnvelope.parse(await response.json()).error.message).toContain('running');
    expect((await call(key, '/v1/exports/nope')).status).toBe(404);
  });

  it('serves a batch made before archives moved into the store from its file, and answers 404 once that is gone', async () => {
    const { key } = await keyFor('analyst');
    const id = '0190a0a0-0000-7000-8000-000000000002';
    const path = join(exportDirs[0]!, `${id}.tar.gz`);
    writeFileSync(path, 'old archive');
    await batchIn(id, 'ready');
    await deps.store.db
      .updateTable('export_batches')
      .set({ archive_path: path, archive_bytes: 11, archive_sha256: createHash('sha256').update('old archive').digest('hex') })
      .where('id', '=', id)
      .execute();
    const response = await call(key, `/v1/exports/${id}/download`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('old archive');
    rmSync(path);
    expect((await call(key, `/v1/exports/${id}/download`)).status).toBe(404);
  });

  it('answers 410 with a JSON error for a batch whose archive expired, and still shows the batch', async () => {
    const { key } = await keyFor('analyst');
    const id = '0190a0a0-0000-7000-8000-000000000001';
    await batchIn(id, 'expired');
    const response = await call(key, `/v1/exports/${id}/download`);
    expect(response.status).toBe(410);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(ErrorEnvelope.parse(await response.json()).error).toMatchObject({ code: 'gone', message: expect.stringContaining('retention') });
    expect(ExportBatch.parse(await (await call(key, `/v1/exports/${id}`)).json())).toMatchObject({ id, status: 'expired', archive: null });
  });
});
