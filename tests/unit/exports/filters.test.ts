import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { ExportRequest, SftRecord, TrlDpoRecord } from '../../../shared/index.ts';
import { about, runBatch, seedAnnotations, seedGate, seedSuggestion } from './seed.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

const sentIds = (records: { metadata: { provenance: { annotations: { id: string }[] } } }[]) =>
  records.map((r) => r.metadata.provenance.annotations[0]!.id).sort();

describe('filters', () => {
  it('passedGate keeps only annotations the gate saw and kept; minWeight compares the weight (1 when not run)', async () => {
    const s = await seedSuggestion(store.db);
    const kept = about(s, 'adoption', { outcome: 'verbatim', sentText: 'a', similarity: 1 });
    const half = about(s, 'adoption', { outcome: 'verbatim', sentText: 'b', similarity: 1 });
    const aside = about(s, 'adoption', { outcome: 'verbatim', sentText: 'c', similarity: 1 });
    const unseen = about(s, 'adoption', { outcome: 'verbatim', sentText: 'd', similarity: 1 });
    await seedAnnotations(store.db, [kept, half, aside, unseen]);
    await seedGate(store.db, kept.id, 1);
    await seedGate(store.db, half.id, 0.5, [{ rule: 'position_bias', detail: 'left 95% of 40' }]);
    await seedGate(store.db, aside.id, 0, [{ rule: 'rapid_fire', detail: 'burst' }]);

    const all = (await runBatch(store.db, { kinds: ['sft'] })).jsonl('sft.openai.jsonl.gz').map((r) => SftRecord.parse(r));
    expect(all).toHaveLength(4);
    const halfRecord = all.find((r) => r.metadata.provenance.annotations[0]!.id === half.id)!;
    expect(halfRecord.metadata.provenance.annotations[0]!.gate).toEqual({
      status: 'passed',
      weight: 0.5,
      reasons: [{ rule: 'position_bias', detail: 'left 95% of 40' }],
    });

    const passed = await runBatch(store.db, { kinds: ['sft'], filters: { passedGate: true } });
    expect(sentIds(passed.jsonl('sft.openai.jsonl.gz').map((r) => SftRecord.parse(r)))).toEqual([kept.id, half.id].sort());
    expect(passed.manifest.counts['excluded.gate']).toBe(2);

    const heavy = await runBatch(store.db, { kinds: ['sft'], filters: { minWeight: 0.75 } });
    expect(sentIds(heavy.jsonl('sft.openai.jsonl.gz').map((r) => SftRecord.parse(r)))).toEqual([kept.id, unseen.id].sort());
  });

  it('excludeReasons leaves out the reply signals of a suggestion given such a reason, even when the rationale came later', async () => {
    const outdated = await seedSuggestion(store.db);
    const fine = await seedSuggestion(store.db);
    const edit = about(outdated, 'adoption', { outcome: 'edited', sentText: 'New policy: 30 days.', similarity: 0.6 });
    await seedAnnotations(
      store.db,
      [edit, about(outdated, 'preference'), about(outdated, 'relevance'), about(fine, 'preference')],
      '2026-11-20T09:00:00.000Z',
    );
    // The rationale arrives after the window: it still counts, as long as it came before the window's end… here it did not.
    await seedAnnotations(store.db, [about(outdated, 'rationale', { adoptionId: edit.id, reasons: ['outdated'] })], '2026-11-25T09:00:00.000Z');
    const window = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' };
    const before = await runBatch(store.db, { kinds: ['dpo'], filters: { excludeReasons: ['outdated'] } }, { window });
    expect(before.manifest.files[0]!.records).toBe(3);

    const later = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-26T00:00:00.000Z' };
    const run = await runBatch(store.db, { kinds: ['dpo', 'retrieval'], filters: { excludeReasons: ['outdated', 'wrong_tone'] } }, { window: later });
    const records = run.jsonl('dpo.trl.jsonl.gz').map((r) => TrlDpoRecord.parse(r));
    expect(records.map((r) => r.metadata.provenance.suggestionId)).toEqual([fine.id]);
    expect(run.manifest.counts['excluded.rationale']).toBe(3); // the edit, the preference and the rationale; the relevance label stays
  });

  it('a rationale received before the window still explains (and can exclude) the adoption in it', async () => {
    const s = await seedSuggestion(store.db);
    const edit = about(s, 'adoption', { outcome: 'edited', sentText: 'New policy: 30 days.', similarity: 0.6 });
    const why = about(s, 'rationale', { adoptionId: edit.id, reasons: ['outdated'], note: 'old policy' });
    await seedAnnotations(store.db, [why], '2026-11-19T09:00:00.000Z');
    await seedAnnotations(store.db, [edit], '2026-11-20T09:00:00.000Z');
    const window = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-21T00:00:00.000Z' };
    const run = await runBatch(store.db, { kinds: ['sft'] }, { window });
    const [record] = run.jsonl('sft.openai.jsonl.gz').map((r) => SftRecord.parse(r));
    expect(record!.metadata.rationale).toEqual([{ id: why.id, agent: why.agent, reasons: ['outdated'], note: 'old policy' }]);
    expect(run.manifest.counts.read).toBe(1);
    const excluded = await runBatch(store.db, { kinds: ['sft'], filters: { excludeReasons: ['outdated'] } }, { window });
    expect(excluded.manifest.files[0]!.records).toBe(0);
  });

  it('minEditSimilarity drops heavily edited sends; verbatim counts as 1', async () => {
    const s = await seedSuggestion(store.db);
    const light = about(s, 'adoption', { outcome: 'edited', sentText: 'light edit', similarity: 0.9 });
    const heavy = about(s, 'adoption', { outcome: 'edited', sentText: 'heavy edit', similarity: 0.55 });
    const verbatim = about(s, 'adoption', { outcome: 'verbatim', sentText: 'as is', similarity: undefined });
    await seedAnnotations(store.db, [light, heavy, verbatim]);
    const run = await runBatch(store.db, { kinds: ['sft'], filters: { minEditSimilarity: 0.8 } });
    expect(sentIds(run.jsonl('sft.openai.jsonl.gz').map((r) => SftRecord.parse(r)))).toEqual([light.id, verbatim.id].sort());
    expect(run.manifest.counts['excluded.edit_similarity']).toBe(1);
  });

  it('reads only the window [from, to) and only the tenant asked for', async () => {
    const s = await seedSuggestion(store.db);
    const other = await seedSuggestion(store.db, { tenant: 'globex' });
    await seedAnnotations(store.db, [about(s, 'preference')], '2026-11-01T00:00:00.000Z');
    await seedAnnotations(store.db, [about(s, 'preference', { agent: 'agent-8' })], '2026-11-30T23:59:59.999Z');
    // Another agent's: the same agent's later preference would supersede the one inside the window (superseded.test.ts).
    await seedAnnotations(store.db, [about(s, 'preference', { agent: 'agent-9' })], '2026-12-01T00:00:00.000Z');
    await seedAnnotations(store.db, [about(other, 'preference', {}, 'globex')], '2026-11-15T00:00:00.000Z', 'globex');
    const run = await runBatch(store.db, { kinds: ['dpo'] });
    expect(run.manifest.counts.read).toBe(2);
    expect(run.manifest.files[0]!.records).toBe(2);
  });

  it('refuses bad requests naming the field', () => {
    const bad = ExportRequest.safeParse({
      kinds: ['dpo', 'csv'],
      filters: { minWeight: 2, extra: 1 },
      since: '2026-12-01T00:00:00Z',
      until: '2026-11-01T00:00:00Z',
    });
    expect(bad.success).toBe(false);
    const paths = bad.error!.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['kinds.1', 'filters.minWeight', 'filters']));
    const order = ExportRequest.safeParse({ kinds: ['dpo'], since: '2026-12-01T00:00:00Z', until: '2026-11-01T00:00:00Z' });
    expect(order.error!.issues.map((i) => i.path.join('.'))).toEqual(['until']);
  });
});
