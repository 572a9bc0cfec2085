/**
 * Export archives live in the store: two backends on one store, each with its own scratch folder (nothing shared on
 * disk), serve each other's batches byte for byte, and the retention sweep of either removes an archive's chunks.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { exportJobs, type ExportJobs } from '../../backend/exports/jobs.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { ExportBatch } from '../../shared/index.ts';
import { about, seedAnnotations, seedSuggestion } from '../unit/exports/seed.ts';
import { untar, unzip } from '../unit/exports/unpack.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

/** Small, so even a test batch's archive spans several chunks. */
const CHUNK_BYTES = 1024;
const DAY = 86_400_000;

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe.each(DIALECTS)('export archives in the store on $name', (dialect) => {
  let one: AppDeps;
  const jobs: ExportJobs[] = [];
  const apps: Hono[] = [];
  const dirs: string[] = [];
  /** The second backend's clock, moved forward to sweep past the retention. */
  let later = 0;

  useDatabase(
    dialect,
    async (database) => {
      one = await createTestDeps(database);
      // The second backend: its own connection to the same store, its own scratch folder.
      const two: AppDeps = { ...one, store: await database.open() };
      for (const [i, deps] of [one, two].entries()) {
        const dir = mkdtempSync(join(tmpdir(), `aitl-export-scratch-${i}-`));
        scratch.push(dir);
        dirs.push(dir);
        const now = i === 0 ? () => new Date() : () => new Date(Date.now() + later);
        jobs.push(exportJobs(deps.store.db, { dir, lagSeconds: 0, chunkBytes: CHUNK_BYTES, now }));
        apps.push(createApp({ ...deps, config: { ...deps.config, auth: 'required', exportDir: dir, exportLagSeconds: 0 }, exports: jobs[i] }));
      }
    },
    async () => {
      later = 0;
      await clearTables(one.store.db);
      for (const table of ['export_archive_chunks', 'export_batches', 'audit_log'] as const) await one.store.db.deleteFrom(table).execute();
    },
  );
  afterAll(() => {
    for (const j of jobs) j.stop();
  });

  const call = async (app: Hono, key: string, path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${key}` } });

  async function analyst(): Promise<string> {
    return (await createApiKey(one.store.db, { tenant: 'acme', role: 'analyst', name: 'analyst' })).key;
  }

  /** A few suggestions, each with a preference, an edited send and relevance labels: an archive of several KiB. */
  async function seed(): Promise<void> {
    for (let i = 0; i < 6; i++) {
      const s = await seedSuggestion(one.store.db, { tenant: 'acme' });
      await seedAnnotations(
        one.store.db,
        [
          about(s, 'preference', { choice: i % 2 ? 'left' : 'right' }, 'acme'),
          about(s, 'adoption', { outcome: 'edited', sentText: `Edited reply ${i}`, similarity: 0.7 }, 'acme'),
          about(s, 'relevance', { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1, label: 'relevant' }, 'acme'),
        ],
        '2026-11-20T09:00:00.000Z',
        'acme',
      );
    }
  }

  /** Creates a batch through the first backend and waits until it is ready. */
  async function readyBatch(key: string, archive: 'tar.gz' | 'zip'): Promise<ExportBatch> {
    const created = ExportBatch.parse(
      await (await call(apps[0]!, key, '/v1/exports', { method: 'POST', body: JSON.stringify({ kinds: ['all'], archive }) })).json(),
    );
    for (let i = 0; i < 200; i++) {
      const batch = ExportBatch.parse(await (await call(apps[0]!, key, `/v1/exports/${created.id}`)).json());
      if (batch.status === 'ready') return batch;
      expect(batch.status).not.toBe('failed');
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`batch ${created.id} not finished`);
  }

  const chunkSizes = async (id: string) =>
    (await one.store.db.selectFrom('export_archive_chunks').select(['seq', 'bytes']).where('batch_id', '=', id).orderBy('seq').execute()).map(
      (r) => r.bytes.length,
    );

  it.each(['tar.gz', 'zip'] as const)('serves a %s made by one backend from the other, byte for byte across several chunks', async (format) => {
    const key = await analyst();
    await seed();
    const batch = await readyBatch(key, format);
    const { bytes, sha256 } = batch.archive!;

    const sizes = await chunkSizes(batch.id);
    expect(sizes.length).toBe(Math.ceil(bytes / CHUNK_BYTES));
    expect(sizes.length).toBeGreaterThan(2);
    expect(sizes.slice(0, -1).every((s) => s === CHUNK_BYTES)).toBe(true);
    // Nothing is kept on either backend's disk.
    for (const dir of dirs) expect(readdirSync(dir)).toEqual([]);

    const downloaded: Buffer[] = [];
    for (const app of apps) {
      const response = await call(app, key, `/v1/exports/${batch.id}/download`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(format === 'zip' ? 'application/zip' : 'application/gzip');
      expect(response.headers.get('content-length')).toBe(String(bytes));
      expect(response.headers.get('etag')).toBe(`"${sha256}"`);
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="aitl-export-${batch.id}.${format}"`);
      downloaded.push(Buffer.from(await response.arrayBuffer()));
    }
    const [fromOne, fromTwo] = downloaded as [Buffer, Buffer];
    expect(fromTwo.length).toBe(bytes);
    expect(createHash('sha256').update(fromTwo).digest('hex')).toBe(sha256);
    expect(fromTwo.equals(fromOne)).toBe(true);
    const entries = format === 'zip' ? unzip(fromTwo) : untar(gunzipSync(fromTwo));
    for (const f of batch.manifest!.files) expect(createHash('sha256').update(entries.get(f.path)!).digest('hex'), f.path).toBe(f.sha256);
  });

  it("removes a batch's chunks when either backend's retention sweep expires it; download then answers 410 on both", async () => {
    const key = await analyst();
    await seed();
    const batch = await readyBatch(key, 'tar.gz');
    expect((await chunkSizes(batch.id)).length).toBeGreaterThan(0);

    later = 31 * DAY;
    expect((await jobs[1]!.sweep()).expired).toEqual([batch.id]);

    expect(await chunkSizes(batch.id)).toEqual([]);
    for (const app of apps) expect((await call(app, key, `/v1/exports/${batch.id}/download`)).status).toBe(410);
  });
});
