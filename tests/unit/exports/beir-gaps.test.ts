import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadBeirQueries, loadQrels } from '../../../backend/eval/beir-queries.ts';
import { runEval } from '../../../backend/eval/run.ts';
import { csvField } from '../../../backend/exports/gaps.ts';
import { readSource } from '../../../backend/kb/sources.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { BeirCorpusRecord, BeirQueryRecord, GAP_CSV_COLUMNS, GapRecord } from '../../../shared/index.ts';
import { about, runBatch, seedAnnotations, seedSuggestion, snippets } from './seed.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

describe('beir', () => {
  it('writes a BEIR folder that the knowledge importer and aitl eval read: corpus of the snippets shown, queries with their conversation, graded qrels', async () => {
    const a = await seedSuggestion(store.db);
    const b = await seedSuggestion(store.db, { snippets: snippets(4, 'other') });
    const unjudged = await seedSuggestion(store.db, { snippets: snippets(3, 'third') });
    const label = (s: typeof a, rank: number, value: string, prefix = 'doc') =>
      about(s, 'relevance', { snippetId: `${prefix}-${rank}#part`, articleId: `${prefix}-${rank}`, rank, label: value });
    await seedAnnotations(store.db, [
      label(a, 1, 'relevant'),
      label(a, 2, 'partly'),
      label(a, 3, 'irrelevant'),
      label(b, 4, 'relevant', 'other'),
      about(unjudged, 'preference'),
    ]);
    const run = await runBatch(store.db, { kinds: ['beir'] });
    const dir = join(run.dir, 'beir');

    const corpus = run.jsonl('beir/corpus.jsonl').map((r) => BeirCorpusRecord.parse(r));
    expect(corpus).toHaveLength(12); // 8 + 4 snippets shown; the suggestion without a relevance check adds none
    const queries = run.jsonl('beir/queries.jsonl').map((r) => BeirQueryRecord.parse(r));
    expect(queries.map((q) => q._id).sort()).toEqual([a.id, b.id].sort());
    expect(run.text('beir/qrels/test.tsv').split('\n')[0]).toBe('query-id\tcorpus-id\tscore');

    // The repo's own readers.
    const source = await readSource(dir);
    expect(source.format).toBe('beir');
    expect(source.articles.map((x) => x.id)).toContain('doc-1#part');
    const qrels = loadQrels(dir, 'test');
    expect(Object.fromEntries(qrels.get(a.id)!)).toEqual({ 'doc-1#part': 2, 'doc-2#part': 1 }); // irrelevant is kept as 0 and skipped by the reader
    const evalQueries = loadBeirQueries(dir, 'test');
    const replayed = evalQueries.find((q) => q.id === a.id)!;
    expect(replayed.ticket.messages.map((m) => m.text)).toEqual([
      'My lamp arrived cracked.',
      'Sorry to hear that! Could you send a photo?',
      'Here it is. How do I get a refund?',
    ]);

    const { result } = await runEval(dir, 'test');
    expect(result.n).toBe(2);
    expect(result['recall@75']).toBe(1);
  });
});

describe('gaps', () => {
  it('writes the missing-knowledge queue, grouped, as JSONL and as CSV with every report', async () => {
    const s = await seedSuggestion(store.db);
    await seedAnnotations(store.db, [
      about(s, 'missing_knowledge', { description: 'No article on replacing lamp bulbs', proposedTitle: 'Replacing bulbs', agent: 'a1' }),
      about(s, 'missing_knowledge', { description: 'Missing: replacing lamp bulbs', proposedTitle: 'Replacing bulbs', agent: 'a2' }),
      about(s, 'missing_knowledge', { description: '=HYPERLINK("x") gift card, expiry "rules"', agent: 'a3' }),
    ]);
    const run = await runBatch(store.db, { kinds: ['gaps'] });
    const groups = run.jsonl('gaps.jsonl.gz').map((r) => GapRecord.parse(r));
    expect(groups.map((g) => g.count)).toEqual([2, 1]);
    expect(groups[0]!.title).toBe('Replacing bulbs');
    expect(groups[0]!.reports.map((r) => r.agent).sort()).toEqual(['a1', 'a2']);
    expect(groups[0]!.reports[0]!.query).toBe('lamp cracked refund');

    const csv = run.text('gaps.csv.gz').split('\r\n');
    expect(csv[0]).toBe(GAP_CSV_COLUMNS.join(','));
    expect(csv.filter((l) => l).length).toBe(4);
    expect(csv[3]).toContain(`"'=HYPERLINK(""x"") gift card, expiry ""rules"""`);
    expect(run.manifest.files.find((f) => f.path === 'gaps.csv.gz')!.records).toBe(3);
  });

  it('quotes CSV fields as RFC 4180 says and defuses formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"\nthen')).toBe('"say ""hi""\nthen"');
    expect(csvField('+1 555')).toBe("'+1 555");
    expect(csvField(0.5)).toBe('0.5');
    expect(csvField(null)).toBe('');
  });
});
