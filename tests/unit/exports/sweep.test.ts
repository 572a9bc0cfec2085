import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportJobs } from '../../../backend/exports/jobs.ts';
import { INTERRUPTED, LEASE_STALE_MS, leases, sweepBatches } from '../../../backend/exports/sweep.ts';
import { insertArchiveChunk } from '../../../backend/store/export-archives.ts';
import { findBatch, insertBatch, markReady, toExportBatch } from '../../../backend/store/export-batches.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import type { ExportManifest, ExportStatus } from '../../../shared/index.ts';
import { TENANT } from './seed.ts';

let store: Store;
let dir: string;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-sweep-'));
  store = await openStore(join(dir, 'store.db'));
  dir = join(dir, 'exports');
  mkdirSync(dir);
});
afterEach(async () => {
  await store.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
});

const NOW = new Date('2026-12-01T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const DAY = 86_400_000;

async function batch(id: string, status: ExportStatus, createdAt = ago(DAY)): Promise<void> {
  await insertBatch(store.db, {
    id,
    tenant: TENANT,
    createdBy: 'analyst-key',
    createdAt: createdAt.toISOString(),
    status,
    request: { kinds: ['dpo'], filters: {}, archive: 'tar.gz' },
    window: { from: null, to: createdAt.toISOString() },
  });
}

/** A half-written batch folder in the scratch folder. */
function folder(id: string): string {
  mkdirSync(join(dir, id));
  writeFileSync(join(dir, id, 'dpo.trl.jsonl.gz'), 'partial');
  return join(dir, id);
}

/** Two archive chunks of the batch in the store. */
async function chunks(id: string): Promise<void> {
  await insertArchiveChunk(store.db, id, 0, Buffer.from('first'));
  await insertArchiveChunk(store.db, id, 1, Buffer.from('second'));
}

const chunkCount = async (id: string) =>
  (await store.db.selectFrom('export_archive_chunks').select('seq').where('batch_id', '=', id).execute()).length;
const status = async (id: string) => (await findBatch(store.db, TENANT, id))!;

describe('sweeping interrupted batches', () => {
  it('fails pending and running batches nobody has shown a sign of life for, and removes what they left', async () => {
    await batch('crashed-running', 'running');
    await batch('crashed-pending', 'pending');
    await batch('leased', 'running');
    await batch('stale-lease', 'running');
    await batch('just-created', 'pending', ago(1000));
    await batch('done', 'failed');
    const left = [folder('crashed-running'), folder('stale-lease')];
    const alive = folder('leased');
    await chunks('crashed-running');
    await chunks('leased');
    // Another process's heartbeat a moment ago, and one whose process stopped recording them.
    const fresh = leases(store.db, () => ago(10_000));
    fresh.hold('leased');
    await fresh.refresh();
    const stale = leases(store.db, () => ago(LEASE_STALE_MS + 1000));
    stale.hold('stale-lease');
    await stale.refresh();

    const result = await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW });

    expect(result.interrupted.sort()).toEqual(['crashed-pending', 'crashed-running', 'stale-lease']);
    for (const id of result.interrupted) {
      const row = await status(id);
      expect(row.status).toBe('failed');
      expect(row.error).toBe(INTERRUPTED);
      expect(row.finished_at).toBe(NOW.toISOString());
    }
    for (const path of left) expect(existsSync(path)).toBe(false);
    expect(await chunkCount('crashed-running')).toBe(0);
    expect((await status('leased')).status).toBe('running');
    expect(existsSync(alive)).toBe(true);
    expect(await chunkCount('leased')).toBe(2);
    expect((await status('just-created')).status).toBe('pending');
    expect((await status('done')).error).toBeNull();
  });

  it("never sweeps the calling process's own batches, however late their heartbeat", async () => {
    await batch('mine', 'running');
    const mine = leases(store.db, () => ago(DAY));
    mine.hold('mine');
    await mine.refresh();
    expect((await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW, leases: mine })).interrupted).toEqual([]);
    mine.release('mine');
    expect((await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW, leases: mine })).interrupted).toEqual(['mine']);
  });

  it('leaves a batch it failed unready: the late process cannot mark it ready, and its chunks go', async () => {
    await batch('late', 'running');
    expect((await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW })).interrupted).toEqual(['late']);
    // Its process was alive after all, stored its archive and finished.
    await chunks('late');
    expect(await markReady(store.db, 'late', { files: [] } as unknown as ExportManifest, { bytes: 11, sha256: 'f'.repeat(64) })).toBe(false);
    expect((await status('late')).status).toBe('failed');
    await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW });
    expect(await chunkCount('late')).toBe(0);
  });

  it('runs when the export jobs start, before their first batch, and the batch is stored in the store', async () => {
    await batch('left-by-a-crash', 'running');
    folder('left-by-a-crash');
    const jobs = exportJobs(store.db, { dir, lagSeconds: 0, now: () => NOW });
    try {
      const { id, done } = await jobs.start({ tenant: TENANT, actor: 'analyst-key', role: 'analyst' }, { kinds: ['gaps'] });
      expect((await status('left-by-a-crash')).status).toBe('failed');
      expect(existsSync(join(dir, 'left-by-a-crash'))).toBe(false);
      await done;
      expect((await status(id)).status).toBe('ready');
      expect(await chunkCount(id)).toBe(1);
      expect(existsSync(join(dir, id))).toBe(false);
    } finally {
      jobs.stop();
    }
  });
});

describe('retention', () => {
  const manifest = { files: [] } as unknown as ExportManifest;

  async function ready(id: string, finished: Date, archive: 'store' | 'file' | 'none' = 'store'): Promise<void> {
    await batch(id, 'running', finished);
    if (archive === 'store') await chunks(id);
    await markReady(store.db, id, manifest, archive === 'none' ? null : { bytes: 11, sha256: 'f'.repeat(64) }, finished);
  }

  /** A batch made before archives moved into the store: its archive is a file. */
  async function readyInFile(id: string, finished: Date): Promise<string> {
    await ready(id, finished, 'file');
    const path = join(dir, `${id}.tar.gz`);
    writeFileSync(path, 'archive');
    await store.db.updateTable('export_batches').set({ archive_path: path }).where('id', '=', id).execute();
    return path;
  }

  it('removes archives older than the retention and marks their batches expired; newer ones and CLI batches stay', async () => {
    await ready('old', ago(31 * DAY));
    const oldFile = await readyInFile('old-file', ago(40 * DAY));
    await ready('recent', ago(29 * DAY));
    await ready('cli', ago(90 * DAY), 'none');

    const result = await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW });

    expect(result.expired).toEqual(['old', 'old-file']);
    expect(await chunkCount('old')).toBe(0);
    expect(existsSync(oldFile)).toBe(false);
    for (const id of ['old', 'old-file'])
      expect(toExportBatch(await status(id))).toMatchObject({ status: 'expired', archive: null, manifest: { files: [] } });
    expect(await chunkCount('recent')).toBe(2);
    expect(toExportBatch(await status('recent')).archive).toEqual({ name: 'recent.tar.gz', bytes: 11, sha256: 'f'.repeat(64) });
    expect((await status('cli')).status).toBe('ready');
  });

  it('keeps archives forever with a retention of 0 days', async () => {
    await ready('old', ago(3650 * DAY));
    expect((await sweepBatches(store.db, { dir, retentionDays: 0, now: NOW })).expired).toEqual([]);
    expect(await chunkCount('old')).toBe(2);
  });

  it('removes the chunks of a batch whose row is gone', async () => {
    await ready('deleted', ago(DAY));
    await store.db.deleteFrom('export_batches').where('id', '=', 'deleted').execute();
    await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW });
    expect(await chunkCount('deleted')).toBe(0);
  });
});
