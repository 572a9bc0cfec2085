import { execFileSync } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeArchive } from '../../../backend/exports/archive.ts';
import { archiveEntries } from '../../../backend/exports/batch.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { about, batchDir, runBatch, seedAnnotations, seedGate, seedSuggestion, snippets } from './seed.ts';
import { untar, unzip } from './unpack.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

async function seedMixed(): Promise<void> {
  for (let i = 0; i < 30; i++) {
    const s = await seedSuggestion(store.db, { snippets: snippets(8, `d${i % 4}`) });
    const edit = about(s, 'adoption', { outcome: i % 3 ? 'edited' : 'verbatim', sentText: `Reply ${i}: send a photo.`, similarity: 0.7 });
    const items = [
      about(s, 'preference', { choice: i % 2 ? 'left' : 'right' }),
      edit,
      about(s, 'rationale', { adoptionId: edit.id, reasons: ['incomplete'] }),
      about(s, 'relevance', { snippetId: `d${i % 4}-1#part`, articleId: `d${i % 4}-1`, rank: 1, label: 'relevant' }),
      about(s, 'relevance', { snippetId: `d${i % 4}-2#part`, articleId: `d${i % 4}-2`, rank: 2, label: 'irrelevant' }),
      about(s, 'missing_knowledge', { description: `Nothing about topic ${i % 5}` }),
    ];
    await seedAnnotations(store.db, items, `2026-11-${String(10 + (i % 9)).padStart(2, '0')}T09:00:00.000Z`);
    if (i % 4 === 0) await seedGate(store.db, items[0]!.id, 0.5, [{ rule: 'position_bias', detail: 'x' }]);
  }
}

describe('determinism', () => {
  it('writes byte-identical files for the same request over the same data', async () => {
    await seedMixed();
    const first = await runBatch(store.db, { kinds: ['all'], filters: { minWeight: 0.1 } });
    const second = await runBatch(store.db, { kinds: ['all'], filters: { minWeight: 0.1 } }, { batchId: 'another-batch' });
    expect(second.manifest.files).toEqual(first.manifest.files);
    for (const f of first.manifest.files) expect(readFileSync(join(second.dir, f.path)).equals(readFileSync(join(first.dir, f.path)))).toBe(true);
    expect(first.manifest.files.every((f) => f.records > 0)).toBe(true);
    // Small pages give the same bytes as large ones: a group straddling a page boundary is read whole.
    const { writeBatch } = await import('../../../backend/exports/batch.ts');
    const dir = batchDir();
    const paged = await writeBatch(
      store.db,
      {
        batchId: 'x',
        tenant: 'acme',
        createdAt: first.manifest.created,
        createdBy: 'test',
        window: first.manifest.window,
        request: { kinds: first.manifest.kinds, filters: first.manifest.filters, archive: 'tar.gz' },
      },
      dir,
      { pageSize: 7 },
    );
    expect(paged.files).toEqual(first.manifest.files);
  });

  it('gzips without a timestamp or file name', async () => {
    await seedMixed();
    const run = await runBatch(store.db, { kinds: ['sft'] });
    const gz = readFileSync(join(run.dir, 'sft.openai.jsonl.gz'));
    expect(gz.subarray(0, 4)).toEqual(Buffer.from([0x1f, 0x8b, 0x08, 0x00])); // no FNAME flag
    expect(gz.readUInt32LE(4)).toBe(0); // MTIME 0
  });

  it.each(['tar.gz', 'zip'] as const)('packs the batch into a %s that unpacks to the same files, the same bytes every time', async (format) => {
    await seedMixed();
    const run = await runBatch(store.db, { kinds: ['all'] }, { batchId: 'fixed' });
    const names = archiveEntries(run.manifest);
    const a = await writeArchive(run.dir, names, createWriteStream(join(run.dir, `a.${format}`)), format);
    const again = await runBatch(store.db, { kinds: ['all'] }, { batchId: 'fixed' });
    const b = await writeArchive(again.dir, names, createWriteStream(join(again.dir, `b.${format}`)), format);
    expect(b).toEqual(a);
    const bytes = readFileSync(join(run.dir, `a.${format}`));
    expect(a.bytes).toBe(bytes.length);
    const entries = format === 'zip' ? unzip(bytes) : untar(gunzipSync(bytes));
    expect([...entries.keys()]).toEqual(names);
    for (const name of names) expect(entries.get(name)!.equals(readFileSync(join(run.dir, name)))).toBe(true);
    expect(JSON.parse(entries.get('manifest.json')!.toString('utf8')).batchId).toBe('fixed');
  });

  it('packs a zip with the same bytes in every time zone', async () => {
    await seedMixed();
    const run = await runBatch(store.db, { kinds: ['sft'] }, { batchId: 'fixed' });
    const names = archiveEntries(run.manifest);
    // A process's time zone is fixed when it starts (yazl reads it once): pack in two processes.
    const archive = new URL('../../../backend/exports/archive.ts', import.meta.url).href;
    const script = `const { writeArchive } = await import(${JSON.stringify(archive)}); const { Writable } = await import('node:stream');
      const r = await writeArchive(${JSON.stringify(run.dir)}, ${JSON.stringify(names)}, new Writable({ write: (_c, _e, done) => done() }), 'zip'); console.log(r.sha256);`;
    const pack = (zone: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, TZ: zone },
        encoding: 'utf8',
      }).trim();
    const tokyo = pack('Asia/Tokyo');
    expect(tokyo).toMatch(/^[0-9a-f]{64}$/);
    expect(pack('America/New_York')).toBe(tokyo);
  });
});
