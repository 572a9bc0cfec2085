/** An empty batch says why: the tenant, the window, the lag, the kinds or the filters (backend/exports/empty.ts). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBatch } from '../../../backend/exports/batch.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { type ExportRequest, normaliseExportRequest, uuidv7 } from '../../../shared/index.ts';
import { about, batchDir, runBatch, seedAnnotations, seedGate, seedSuggestion } from './seed.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

async function seedSim(n = 3, tenant = 'sim', at = '2026-11-20T09:00:00.000Z') {
  const s = await seedSuggestion(store.db, { tenant });
  await seedAnnotations(
    store.db,
    Array.from({ length: n }, () => about(s, 'preference', {}, tenant)),
    at,
    tenant,
  );
  return s;
}

/** A batch as the jobs write it: window ending the lag before the request, lag known. */
async function lagged(request: ExportRequest, tenant: string, window: { from: string | null; to: string }, lagSeconds = 60) {
  const dir = batchDir();
  const spec = { batchId: uuidv7(), tenant, createdAt: window.to, createdBy: 'test', window, request: normaliseExportRequest(request), lagSeconds };
  return writeBatch(store.db, spec, dir);
}

describe('the reason an empty batch gives', () => {
  it("names the tenant asked for and the tenants the store holds signals of (a simulation's store read as another tenant)", async () => {
    await seedSim(1234);
    const manifest = await lagged({ kinds: ['all'] }, 'default', { from: null, to: '2026-12-03T08:00:00.000Z' });
    expect(manifest.files.every((f) => f.records === 0)).toBe(true);
    expect(manifest.emptyReason).toBe(
      '0 records: 0 signals of tenant default received in [the beginning, 2026-12-03T08:00:00.000Z) (it ends the export lag, 60 s, before the request: AITL_EXPORT_LAG_SECONDS); ' +
        'the store holds none of tenant default but 1,234 signals of tenant sim (name another tenant with --tenant, or use a key of it)',
    );
  });

  it('says when the window missed signals of the tenant: before it (since last) or after its end (the lag)', async () => {
    await seedSim(2, 'acme', '2026-11-10T09:00:00.000Z');
    await seedSim(3, 'acme', '2026-12-03T07:59:30.000Z');
    const manifest = await lagged({ kinds: ['dpo'], since: 'last' }, 'acme', { from: '2026-11-15T00:00:00.000Z', to: '2026-12-03T07:59:00.000Z' });
    expect(manifest.emptyReason).toContain(
      '0 signals of tenant acme received in [2026-11-15T00:00:00.000Z, 2026-12-03T07:59:00.000Z) (it ends the export lag, 60 s',
    );
    expect(manifest.emptyReason).toContain('2 arrived before it (since "last": your previous export ended there)');
    expect(manifest.emptyReason).toContain('3 arrived at or after its end: ask again later, or set AITL_EXPORT_LAG_SECONDS=0');
  });

  it('names the kinds when the window holds none of what they are made from', async () => {
    await seedSim(2, 'acme');
    const run = await runBatch(store.db, { kinds: ['gaps', 'beir'] });
    expect(run.manifest.emptyReason).toBe(
      '0 records: 2 signals of tenant acme received in [2026-11-01T00:00:00.000Z, 2026-12-01T00:00:00.000Z), but none of the kinds beir, gaps are made from (relevance, missing_knowledge): they are 2 preference',
    );
  });

  it('names the filters that left nothing, and superseded signals', async () => {
    const s = await seedSuggestion(store.db);
    const first = about(s, 'preference', { choice: 'left', clientTime: '2026-11-20T09:00:00.000Z' });
    const second = about(s, 'preference', { choice: 'right', clientTime: '2026-11-20T09:05:00.000Z' });
    await seedAnnotations(store.db, [first, second]);
    await seedGate(store.db, second.id, 0, [{ rule: 'rapid_fire', detail: 'x' }]);
    const run = await runBatch(store.db, { kinds: ['dpo'], filters: { passedGate: true, minWeight: 0.5 } });
    expect(run.manifest.emptyReason).toBe(
      '0 records: 2 signals of tenant acme received in [2026-11-01T00:00:00.000Z, 2026-12-01T00:00:00.000Z), 2 of them of what dpo are made from, with filters passedGate true, minWeight 0.5: ' +
        '1 replaced by the same agent’s later signal; 1 not passed by the quality gate (passedGate)',
    );
  });

  it('is absent when the batch holds records', async () => {
    await seedSim(1, 'acme');
    expect((await runBatch(store.db, { kinds: ['dpo'] })).manifest).not.toHaveProperty('emptyReason');
  });
});
