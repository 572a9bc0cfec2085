import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROMPT_VARIANTS } from '../../../backend/rag/prompts.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { BgeRecord, ExportManifest, KtoRecord, NTupleRecord, OpenAiDpoRecord, SftRecord, TrlDpoRecord } from '../../../shared/index.ts';
import { about, runBatch, seedAnnotations, seedGate, seedSuggestion } from './seed.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

describe('dpo', () => {
  it('writes a pair per left/right choice in both TRL and OpenAI form, with strength and shown position', async () => {
    const s = await seedSuggestion(store.db);
    const pref = about(s, 'preference', { choice: 'right', strength: 'strong' });
    await seedAnnotations(store.db, [
      pref,
      about(s, 'preference', { choice: 'tie', agent: 'agent-8' }),
      about(s, 'preference', { choice: 'both_bad', agent: 'agent-9' }),
    ]);
    const run = await runBatch(store.db, { kinds: ['dpo'] });

    const trl = run.jsonl('dpo.trl.jsonl.gz').map((r) => TrlDpoRecord.parse(r));
    const openai = run.jsonl('dpo.openai.jsonl.gz').map((r) => OpenAiDpoRecord.parse(r));
    expect(trl).toHaveLength(1);
    expect(openai).toHaveLength(1);
    const [t] = trl;
    expect(t!.chosen[0].content).toContain('Steps:');
    expect(t!.rejected[0].content).toBe('Hi! Please send a photo and we will refund you.');
    expect(t!.metadata).toMatchObject({
      source: 'preference',
      strength: 'strong',
      chosenPosition: 'right',
      chosenCandidateId: s.candidates[1],
      chosenVariantId: 'extractive-detailed@1',
    });
    expect(t!.metadata.provenance).toMatchObject({
      tenant: 'acme',
      suggestionId: s.id,
      annotations: [{ id: pref.id, agent: 'agent-7', gate: { status: 'not_run', weight: 1, reasons: [] } }],
    });
    // The same pair in OpenAI's form, the same prompt.
    expect(openai[0]!.input.messages).toEqual(t!.prompt);
    expect(openai[0]!.preferred_output).toEqual(t!.chosen);
    expect(openai[0]!.non_preferred_output).toEqual(t!.rejected);
    expect(run.manifest.counts).toMatchObject({ 'skipped.dpo.tie': 1, 'skipped.dpo.both_bad': 1, 'read.preference': 3 });
  });

  it('builds the prompt from the champion system prompt, the snippets shown and the conversation as turns (no notes)', async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [about(s, 'preference')]);
    const [record] = (await runBatch(store.db, { kinds: ['dpo'] })).jsonl('dpo.trl.jsonl.gz').map((r) => TrlDpoRecord.parse(r));
    const [system, ...turns] = record!.prompt;
    expect(system!.role).toBe('system');
    expect(system!.content.startsWith(PROMPT_VARIANTS[0].system)).toBe(true);
    expect(system!.content).toContain('[1] Article doc 1\nPassage 1 of doc');
    expect(system!.content).toContain('[8] Article doc 8');
    expect(turns).toEqual([
      { role: 'user', content: 'Subject: Lamp arrived broken\n\nMy lamp arrived cracked.' },
      { role: 'assistant', content: 'Sorry to hear that! Could you send a photo?' },
      { role: 'user', content: 'Here it is. How do I get a refund?' },
    ]);
    expect(JSON.stringify(record)).not.toContain('VIP');
  });

  it('makes a pair from an edit: what the agent sent beats the suggestion it edited', async () => {
    const s = await seedSuggestion(store.db);
    const edit = about(s, 'adoption', {
      outcome: 'edited',
      candidateId: s.candidates[0],
      sentText: 'Hi Ada! Please send a photo; we refund within 5 days.',
      similarity: 0.7,
    });
    const why = about(s, 'rationale', { adoptionId: edit.id, reasons: ['incomplete'], note: 'no timing' });
    await seedAnnotations(store.db, [
      edit,
      why,
      about(s, 'adoption', { outcome: 'verbatim', sentText: 'Hi! Please send a photo and we will refund you.' }),
    ]);
    const [pair, ...rest] = (await runBatch(store.db, { kinds: ['dpo'] })).jsonl('dpo.trl.jsonl.gz').map((r) => TrlDpoRecord.parse(r));
    expect(rest).toHaveLength(0);
    expect(pair!.chosen[0].content).toBe('Hi [name]! Please send a photo; we refund within 5 days.'); // the greeted name is redacted (shared/names.ts)
    expect(pair!.rejected[0].content).toBe('Hi! Please send a photo and we will refund you.');
    expect(pair!.metadata).toMatchObject({
      source: 'edit',
      similarity: 0.7,
      candidateId: s.candidates[0],
      rationale: [{ id: why.id, reasons: ['incomplete'], note: 'no timing' }],
    });
  });

  it('falls back to the retrieval query as the user turn for a suggestion stored without its ticket', async () => {
    const s = await seedSuggestion(store.db, { ticket: null });
    await seedAnnotations(store.db, [about(s, 'preference')]);
    const [record] = (await runBatch(store.db, { kinds: ['dpo'] })).jsonl('dpo.trl.jsonl.gz').map((r) => TrlDpoRecord.parse(r));
    expect(record!.prompt.slice(1)).toEqual([{ role: 'user', content: 'lamp cracked refund' }]);
  });
});

describe('sft', () => {
  it('keeps the history with weight 0 and trains on the sent reply with weight 1, from verbatim and edited sends only', async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [
      about(s, 'adoption', { outcome: 'verbatim', sentText: 'Hi! Please send a photo and we will refund you.', similarity: 1 }),
      about(s, 'adoption', { outcome: 'edited', sentText: 'Hi Ada, send a photo please.', similarity: 0.6 }),
      about(s, 'adoption', { outcome: 'rejected', sentText: 'Call us.', similarity: 0.1 }),
      about(s, 'adoption', { outcome: 'ignored', candidateId: undefined, sentText: 'Done.' }),
    ]);
    const records = (await runBatch(store.db, { kinds: ['sft'] })).jsonl('sft.openai.jsonl.gz').map((r) => SftRecord.parse(r));
    expect(records.map((r) => r.metadata.outcome).sort()).toEqual(['edited', 'verbatim']);
    const messages = records.find((r) => r.metadata.outcome === 'edited')!.messages;
    expect(messages.map((m) => [m.role, m.weight])).toEqual([
      ['system', undefined],
      ['user', undefined],
      ['assistant', 0],
      ['user', undefined],
      ['assistant', 1],
    ]);
    expect(messages.at(-1)!.content).toBe('Hi [name], send a photo please.');
  });
});

describe('kto', () => {
  it('labels the suggestion true when sent verbatim, false when edited or rejected, and the edited send true', async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [
      about(s, 'adoption', { outcome: 'verbatim', candidateId: s.candidates[1], sentText: 'x', similarity: 1 }),
      about(s, 'adoption', { outcome: 'edited', sentText: 'Hi Ada, send a photo please.', similarity: 0.6 }),
      about(s, 'adoption', { outcome: 'rejected', sentText: 'Call us.', similarity: 0.1 }),
      about(s, 'adoption', { outcome: 'ignored', candidateId: undefined, sentText: 'Done.' }),
    ]);
    const records = (await runBatch(store.db, { kinds: ['kto'] })).jsonl('kto.trl.jsonl.gz').map((r) => KtoRecord.parse(r));
    // Annotations received together come in id order, which is random within a millisecond: compare sorted.
    expect(records.map((r) => [r.metadata.outcome, r.metadata.completionSource, r.label]).sort()).toEqual(
      [
        ['verbatim', 'suggestion', true],
        ['edited', 'suggestion', false],
        ['edited', 'sent', true],
        ['rejected', 'suggestion', false],
      ].sort(),
    );
    expect(records.find((r) => r.metadata.outcome === 'verbatim')!.completion[0].content).toContain('Steps:');
    expect(records.find((r) => r.metadata.completionSource === 'sent')!.completion[0].content).toBe('Hi [name], send a photo please.');
  });
});

describe('retrieval', () => {
  it('puts agent-verified hard negatives first, then the other unjudged snippets shown, in rank order', async () => {
    const s = await seedSuggestion(store.db);
    const label = (rank: number, value: string, agent = 'agent-7') =>
      about(s, 'relevance', { snippetId: `doc-${rank}#part`, articleId: `doc-${rank}`, rank, label: value, agent });
    await seedAnnotations(store.db, [
      label(3, 'relevant'),
      label(7, 'irrelevant'),
      label(5, 'irrelevant'),
      label(1, 'partly'),
      label(2, 'irrelevant', 'agent-8'),
    ]);
    const run = await runBatch(store.db, { kinds: ['retrieval'] });
    const [row, ...more] = run.jsonl('retrieval.ntuple.jsonl.gz').map((r) => NTupleRecord.parse(r));
    expect(more).toHaveLength(0);
    expect(row!.anchor).toBe('Here it is. How do I get a refund?');
    expect(row!.positive).toBe('Article doc 3\nPassage 3 of doc: how returns and refunds work, step 3.');
    expect(row!.metadata).toMatchObject({ positiveId: 'doc-3#part', negativeIds: ['doc-2#part', 'doc-5#part', 'doc-7#part'], verifiedNegatives: 3 });
    expect(Object.keys(row!)).toEqual(['anchor', 'positive', 'negative_1', 'negative_2', 'negative_3', 'metadata']);
    // Every annotator's label is kept.
    expect((row!.metadata.labels as unknown[]).length).toBe(5);

    const [bge] = run.jsonl('retrieval.bge.jsonl.gz').map((r) => BgeRecord.parse(r));
    expect(bge!.pos).toHaveLength(1);
    // Verified negatives (ranks 2, 5, 7) first, then the unjudged ones (4, 6, 8); "partly" (1) is neither.
    expect(bge!.metadata.negIds).toEqual(['doc-2#part', 'doc-5#part', 'doc-7#part', 'doc-4#part', 'doc-6#part', 'doc-8#part']);
  });

  it('fills the n-tuple with unjudged snippets when fewer were marked irrelevant, and decides conflicting labels by gate weight', async () => {
    const s = await seedSuggestion(store.db);
    const label = (rank: number, value: string, agent: string) =>
      about(s, 'relevance', { snippetId: `doc-${rank}#part`, articleId: `doc-${rank}`, rank, label: value, agent });
    const low = label(2, 'relevant', 'agent-1');
    await seedAnnotations(store.db, [label(4, 'relevant', 'agent-2'), low, label(2, 'irrelevant', 'agent-3')]);
    await seedGate(store.db, low.id, 0.5, [{ rule: 'rapid_fire', detail: 'burst of 6 signals' }]);
    const [row] = (await runBatch(store.db, { kinds: ['retrieval'] })).jsonl('retrieval.ntuple.jsonl.gz').map((r) => NTupleRecord.parse(r));
    expect(row!.metadata).toMatchObject({ positiveId: 'doc-4#part', negativeIds: ['doc-2#part', 'doc-1#part', 'doc-3#part'], verifiedNegatives: 1 });
  });
});

describe('manifest', () => {
  it('lists every file with its record count, size and SHA-256, and the model versions', async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [about(s, 'preference'), about(s, 'adoption', { outcome: 'verbatim', sentText: 'ok', similarity: 1 })]);
    const run = await runBatch(store.db, { kinds: ['all'] });
    const manifest = ExportManifest.parse(JSON.parse(run.text('manifest.json')));
    expect(manifest.files.map((f) => f.path)).toEqual([
      'dpo.trl.jsonl.gz',
      'dpo.openai.jsonl.gz',
      'sft.openai.jsonl.gz',
      'kto.trl.jsonl.gz',
      'retrieval.ntuple.jsonl.gz',
      'retrieval.bge.jsonl.gz',
      'beir/corpus.jsonl',
      'beir/queries.jsonl',
      'beir/qrels/test.tsv',
      'gaps.jsonl.gz',
      'gaps.csv.gz',
    ]);
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    for (const f of manifest.files) {
      const bytes = readFileSync(`${run.dir}/${f.path}`);
      expect(f.bytes).toBe(bytes.length);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(manifest.files.find((f) => f.path === 'sft.openai.jsonl.gz')!.records).toBe(1);
    expect(manifest.modelVersions).toEqual(['builtin-extractive@1']);
    expect(manifest.indexVersions).toEqual(['bm25f@test']);
    expect(manifest.promptVariant).toBe(PROMPT_VARIANTS[0].id);
    expect(manifest.redaction.placeholders).toContain('[EMAIL]');
  });
});
