import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { ExportManifest, TrlDpoRecord } from '../../../shared/index.ts';
import { about, runBatch, seedAnnotations, seedGate, seedSuggestion } from './seed.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

const pairs = (run: Awaited<ReturnType<typeof runBatch>>) => run.jsonl('dpo.trl.jsonl.gz').map((r) => TrlDpoRecord.parse(r));

describe('an agent changing their mind', () => {
  it('exports only the latest preference of an agent on a suggestion, and the manifest counts the superseded one', async () => {
    const s = await seedSuggestion(store.db);
    const left = about(s, 'preference', { choice: 'left', clientTime: '2026-11-20T09:00:00.000Z' });
    const right = about(s, 'preference', { choice: 'right', clientTime: '2026-11-20T09:05:00.000Z' });
    // Received in the other order (the later one synced first): client time decides, not arrival.
    await seedAnnotations(store.db, [right], '2026-11-20T09:06:00.000Z');
    await seedAnnotations(store.db, [left], '2026-11-20T09:07:00.000Z');
    const run = await runBatch(store.db, { kinds: ['dpo'] });

    const trl = pairs(run);
    expect(trl).toHaveLength(1);
    expect(trl[0]!.metadata).toMatchObject({ chosenPosition: 'right', chosenCandidateId: s.candidates[1] });
    expect(trl[0]!.metadata.provenance.annotations.map((a) => a.id)).toEqual([right.id]);
    expect(run.jsonl('dpo.openai.jsonl.gz')).toHaveLength(1);
    expect(run.manifest.files.find((f) => f.path === 'dpo.trl.jsonl.gz')!.records).toBe(1);
    expect(run.manifest.superseded).toBe(1);
    expect(run.manifest.counts['read.preference']).toBe(2);
    expect(run.manifest.counts).not.toHaveProperty('superseded');
    expect(ExportManifest.parse(JSON.parse(run.text('manifest.json'))).superseded).toBe(1);
  });

  it("leaves other agents' preferences alone", async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [
      about(s, 'preference', { agent: 'ann', choice: 'left', clientTime: '2026-11-20T09:00:00.000Z' }),
      about(s, 'preference', { agent: 'bob', choice: 'right', clientTime: '2026-11-20T09:05:00.000Z' }),
    ]);
    const run = await runBatch(store.db, { kinds: ['dpo'] });
    expect(pairs(run)).toHaveLength(2);
    expect(run.manifest.superseded).toBeUndefined();
  });

  it('supersedes a relevance label by the later one on the same snippet only', async () => {
    const s = await seedSuggestion(store.db);
    const relevance = { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1 };
    const old = about(s, 'relevance', { ...relevance, label: 'irrelevant', clientTime: '2026-11-20T09:00:00.000Z' });
    const now = about(s, 'relevance', { ...relevance, label: 'relevant', clientTime: '2026-11-20T09:01:00.000Z' });
    const other = about(s, 'relevance', {
      snippetId: 'doc-2#part',
      articleId: 'doc-2',
      rank: 2,
      label: 'irrelevant',
      clientTime: '2026-11-20T08:00:00.000Z',
    });
    await seedAnnotations(store.db, [old, now, other]);
    const run = await runBatch(store.db, { kinds: ['beir'] });
    expect(run.manifest.superseded).toBe(1);
    // Only the latest label grades doc-1 (relevant: 2), not a mean with the one taken back; doc-2 keeps its own.
    const qrels = run.text('beir/qrels/test.tsv').trim().split('\n').slice(1);
    expect(qrels.sort()).toEqual([`${s.id}\tdoc-1#part\t2`, `${s.id}\tdoc-2#part\t0`]);
  });

  it('does not fall back to a taken-back preference when the filters leave out the latest one', async () => {
    const s = await seedSuggestion(store.db);
    const left = about(s, 'preference', { choice: 'left', clientTime: '2026-11-20T09:00:00.000Z' });
    const right = about(s, 'preference', { choice: 'right', clientTime: '2026-11-20T09:05:00.000Z' });
    await seedAnnotations(store.db, [left, right]);
    await seedGate(store.db, left.id, 1);
    await seedGate(store.db, right.id, 0, [{ rule: 'rapid_fire', detail: 'x' }]);
    const run = await runBatch(store.db, { kinds: ['dpo'], filters: { passedGate: true } });
    expect(pairs(run)).toHaveLength(0);
    expect(run.manifest.superseded).toBe(1);
    expect(run.manifest.counts['excluded.gate']).toBe(1);
  });

  it('writes a manifest without the field when nothing is superseded', async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [about(s, 'preference', { choice: 'left' })]);
    const run = await runBatch(store.db, { kinds: ['dpo'] });
    expect(pairs(run)).toHaveLength(1);
    expect(readFileSync(join(run.dir, 'manifest.json'), 'utf8')).not.toContain('superseded');
  });

  describe('across windows', () => {
    const W1 = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-15T00:00:00.000Z' };
    const W2 = { from: '2026-11-15T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

    it('does not export a preference that arrived late when the later one it was changed to is already out (synced first)', async () => {
      const s = await seedSuggestion(store.db);
      const left = about(s, 'preference', { choice: 'left', clientTime: '2026-11-10T09:00:00.000Z' });
      const right = about(s, 'preference', { choice: 'right', clientTime: '2026-11-10T09:05:00.000Z' });
      await seedAnnotations(store.db, [right], '2026-11-10T09:06:00.000Z');
      await seedAnnotations(store.db, [left], '2026-11-20T09:00:00.000Z');
      const first = await runBatch(store.db, { kinds: ['dpo'] }, { window: W1 });
      expect(pairs(first).map((p) => p.metadata.provenance.annotations[0]!.id)).toEqual([right.id]);
      const second = await runBatch(store.db, { kinds: ['dpo'] }, { window: W2 });
      expect(pairs(second)).toHaveLength(0);
      expect(second.manifest.superseded).toBe(1);
      expect(second.manifest.counts['read.preference']).toBe(1);
    });

    it('leaves out a preference the agent changed after the window ended, and the next window exports the change', async () => {
      const s = await seedSuggestion(store.db);
      const relevance = { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1 };
      const left = about(s, 'preference', { choice: 'left', clientTime: '2026-11-10T09:00:00.000Z' });
      const wrong = about(s, 'relevance', { ...relevance, label: 'irrelevant', clientTime: '2026-11-10T09:00:00.000Z' });
      const right = about(s, 'preference', { choice: 'right', clientTime: '2026-11-20T09:00:00.000Z' });
      const fixed = about(s, 'relevance', { ...relevance, label: 'relevant', clientTime: '2026-11-20T09:00:00.000Z' });
      await seedAnnotations(store.db, [left, wrong], '2026-11-10T09:01:00.000Z');
      await seedAnnotations(store.db, [right, fixed], '2026-11-20T09:01:00.000Z');
      const first = await runBatch(store.db, { kinds: ['dpo', 'beir'] }, { window: W1 });
      expect(pairs(first)).toHaveLength(0);
      expect(first.manifest.superseded).toBe(2);
      expect(first.text('beir/qrels/test.tsv').trim().split('\n')).toHaveLength(1); // the header only
      const second = await runBatch(store.db, { kinds: ['dpo', 'beir'] }, { window: W2 });
      expect(pairs(second).map((p) => p.metadata.provenance.annotations[0]!.id)).toEqual([right.id]);
      expect(second.text('beir/qrels/test.tsv').trim().split('\n').slice(1)).toEqual([`${s.id}\tdoc-1#part\t2`]);
      expect(second.manifest.superseded).toBeUndefined();
    });
  });
});
