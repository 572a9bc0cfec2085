import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exportJobs } from '../../../backend/exports/jobs.ts';
import { INTERRUPTED, LEASE_STALE_MS, leases, sweepBatches } from '../../../backend/exports/sweep.ts';
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

/** A batch's leftovers in the export folder: its half-written folder and archive. */
function leftovers(id: string): string[] {
  mkdirSync(join(dir, id));
  writeFileSync(join(dir, id, 'dpo.trl.jsonl.gz'), 'partial');
  writeFileSync(join(dir, `${id}.tar.gz`), 'partial');
  return [join(dir, id), join(dir, `${id}.tar.gz`)];
}

const status = async (id: string) => (await findBatch(store.db, TENANT, id))!;

describe('sweeping interrupted batches', () => {
  it('fails pending and running batches nobody has shown a sign of life for, and removes what they left', async () => {
    await batch('crashed-running', 'running');
    await batch('crashed-pending', 'pending');
    await batch('leased', 'running');
    await batch('stale-lease', 'running');
    await batch('just-created', 'pending', ago(1000));
    await batch('done', 'failed');
    const files = [...leftovers('crashed-running'), ...leftovers('stale-lease')];
    // Another process's lease, refreshed a moment ago, and one whose process stopped refreshing it.
    writeFileSync(join(dir, 'leased.lease'), '');
    utimesSync(join(dir, 'leased.lease'), ago(10_000), ago(10_000));
    writeFileSync(join(dir, 'stale-lease.lease'), '');
    utimesSync(join(dir, 'stale-lease.lease'), ago(LEASE_STALE_MS + 1000), ago(LEASE_STALE_MS + 1000));

    const result = await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW });

    expect(result.interrupted.sort()).toEqual(['crashed-pending', 'crashed-running', 'stale-lease']);
    for (const id of result.interrupted) {
      const row = await status(id);
      expect(row.status).toBe('failed');
      expect(row.error).toBe(INTERRUPTED);
      expect(row.finished_at).toBe(NOW.toISOString());
    }
    for (const file of [...files, join(dir, 'stale-lease.lease')]) expect(existsSync(file)).toBe(false);
    expect((await status('leased')).status).toBe('running');
    expect((await status('just-created')).status).toBe('pending');
    expect((await status('done')).error).toBeNull();
  });

  it("never sweeps the calling process's own batches, however late their lease was refreshed", async () => {
    await batch('mine', 'running');
    const mine = leases(dir);
    mine.hold('mine');
    utimesSync(join(dir, 'mine.lease'), ago(DAY), ago(DAY));
    expect((await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW, leases: mine })).interrupted).toEqual([]);
    mine.release('mine');
    expect(existsSync(join(dir, 'mine.lease'))).toBe(false);
    expect((await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW, leases: mine })).interrupted).toEqual(['mine']);
  });

  it('runs when the export jobs start, before their first batch', async () => {
    await batch('left-by-a-crash', 'running');
    leftovers('left-by-a-crash');
    const jobs = exportJobs(store.db, { dir, lagSeconds: 0, now: () => NOW });
    try {
      const { id, done } = await jobs.start({ tenant: TENANT, actor: 'analyst-key', role: 'analyst' }, { kinds: ['gaps'] });
      expect((await status('left-by-a-crash')).status).toBe('failed');
      expect(existsSync(join(dir, 'left-by-a-crash'))).toBe(false);
      await done;
      expect((await status(id)).status).toBe('ready');
      expect(existsSync(join(dir, `${id}.lease`))).toBe(false);
    } finally {
      jobs.stop();
    }
  });
});

describe('retention', () => {
  const manifest = { files: [] } as unknown as ExportManifest;

  async function ready(id: string, finished: Date, archive = true): Promise<string> {
    await batch(id, 'running', finished);
    const path = join(dir, `${id}.tar.gz`);
    if (archive) writeFileSync(path, 'archive');
    await markReady(store.db, id, manifest, archive ? { path, bytes: 7, sha256: 'f'.repeat(64) } : null, finished);
    return path;
  }

  it('removes archives older than the retention and marks their batches expired; newer ones and CLI batches stay', async () => {
    const old = await ready('old', ago(31 * DAY));
    const recent = await ready('recent', ago(29 * DAY));
    await ready('cli', ago(90 * DAY), false);

    const result = await sweepBatches(store.db, { dir, retentionDays: 30, now: NOW });

    expect(result.expired).toEqual(['old']);
    expect(existsSync(old)).toBe(false);
    const expired = toExportBatch(await status('old'));
    expect(expired).toMatchObject({ status: 'expired', archive: null, manifest: { files: [] } });
    expect(existsSync(recent)).toBe(true);
    expect((await status('recent')).status).toBe('ready');
    expect((await status('cli')).status).toBe('ready');
  });

  it('keeps archives forever with a retention of 0 days', async () => {
    const old = await ready('old', ago(3650 * DAY));
    expect((await sweepBatches(store.db, { dir, retentionDays: 0, now: NOW })).expired).toEqual([]);
    expect(existsSync(old)).toBe(true);
  });
});
