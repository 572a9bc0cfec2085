import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBeirQueries } from '../../../backend/eval/beir-queries.ts';
import { meanMetrics, ndcgAt, percentile, precisionAt, queryMetrics, recallAt, reciprocalRank } from '../../../backend/eval/metrics.ts';
import { EvalError, runEval } from '../../../backend/eval/run.ts';

const rel = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('metrics', () => {
  const relevant = rel({ a: 1, b: 1, c: 2 });

  it('recall@k: share of the relevant documents in the first k, each counted once', () => {
    expect(recallAt(['x', 'a', 'a', 'y', 'c'], relevant, 3)).toBeCloseTo(1 / 3);
    expect(recallAt(['x', 'a', 'a', 'y', 'c'], relevant, 5)).toBeCloseTo(2 / 3);
    expect(recallAt([], relevant, 75)).toBe(0);
  });

  it('precision@k: relevant documents in the first k over k, a repeated article counting once, a short list not excused', () => {
    expect(precisionAt(['a', 'a', 'b', 'x'], relevant, 8)).toBe(2 / 8);
    expect(precisionAt(['a', 'b', 'c'], relevant, 2)).toBe(1);
  });

  it('MRR: the reciprocal rank of the first relevant entry, 0 when none', () => {
    expect(reciprocalRank(['x', 'y', 'b', 'a'], relevant)).toBeCloseTo(1 / 3);
    expect(reciprocalRank(['x'], relevant)).toBe(0);
  });

  it('nDCG@10 with linear gains: 1 for the ideal order, lower otherwise, duplicates earn nothing', () => {
    expect(ndcgAt(['c', 'a', 'b'], relevant, 10)).toBeCloseTo(1);
    const ideal = 2 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(ndcgAt(['a', 'c'], relevant, 10)).toBeCloseTo((1 + 2 / Math.log2(3)) / ideal);
    expect(ndcgAt(['c', 'c', 'c'], relevant, 10)).toBeCloseTo(2 / ideal);
    expect(ndcgAt(['x', 'c'], relevant, 1)).toBe(0);
  });

  it('averages per-query metrics and takes nearest-rank percentiles', () => {
    const mean = meanMetrics([queryMetrics(['a'], rel({ a: 1 })), queryMetrics(['x'], rel({ a: 1 }))]);
    expect(mean.mrr).toBe(0.5);
    expect(mean['recall@75']).toBe(0.5);
    expect(mean['precision@8']).toBe(1 / 16);
    expect(percentile([5, 1, 3, 2, 4], 50)).toBe(3);
    expect(percentile([5, 1, 3, 2, 4], 95)).toBe(5);
    expect(percentile([], 50)).toBe(0);
  });
});

/** A tiny BEIR folder whose answers are known by construction. */
let dir: string;
const filler = (word: string, n: number) => Array.from({ length: n }, (_, i) => `${word}${i % 7 === 0 ? '.' : ''}`).join(' ');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-eval-test-'));
  mkdirSync(join(dir, 'qrels'));
  const docs = [
    // "parking" twice: lexically the best parking answer, but about the other inn.
    {
      _id: 'harbour-parking',
      title: 'Harbour Inn: parking',
      text: 'Parking at Harbour Inn: free parking for all guests.',
      metadata: { entity: 'Harbour Inn' },
    },
    { _id: 'harbour-breakfast', title: 'Harbour Inn: breakfast', text: 'Breakfast is served from 7 to 10.', metadata: { entity: 'Harbour Inn' } },
    {
      _id: 'maple-parking',
      title: 'Maple Lodge: parking',
      text: 'There is no parking on site; use the public car park.',
      metadata: { entity: 'Maple Lodge' },
    },
    { _id: 'maple-breakfast', title: 'Maple Lodge: breakfast', text: 'A continental breakfast is included.', metadata: { entity: 'Maple Lodge' } },
    // Long enough to be split into two passages, both of which count for this one document.
    {
      _id: 'cancellation',
      title: 'Cancellation policy',
      text: `Cancellation refund deadline rules. ${filler('policy', 150)}\n\nCancellation refund deadline details. ${filler('terms', 150)}`,
    },
  ];
  writeFileSync(join(dir, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
  const queries = [
    {
      _id: 'q-carry-over',
      text: 'Is there parking?',
      metadata: {
        conversation: [
          { role: 'customer', text: 'I booked Maple Lodge for two nights.' },
          { role: 'agent', text: 'Lovely, how can I help?' },
          { role: 'customer', text: 'Is there parking?' },
        ],
      },
    },
    { _id: 'q-no-metadata', text: 'What is the cancellation refund deadline?' },
    { _id: 'q-nothing-matches', text: 'xylophone zeppelin' },
    { _id: 'q-train-only', text: 'breakfast' },
  ];
  writeFileSync(join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(
    join(dir, 'qrels', 'test.tsv'),
    [
      'query-id\tcorpus-id\tscore',
      'q-carry-over\tmaple-parking\t1',
      'q-carry-over\tharbour-breakfast\t0',
      'q-no-metadata\tcancellation\t2',
      'q-nothing-matches\tmaple-breakfast\t1',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'qrels', 'train.tsv'), ['query-id\tcorpus-id\tscore', 'q-train-only\tharbour-breakfast\t1'].join('\n'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadBeirQueries', () => {
  it('reads the split’s queries with relevant documents, skipping the header and grade-0 lines', () => {
    const queries = loadBeirQueries(dir, 'test');
    expect(queries.map((q) => q.id)).toEqual(['q-carry-over', 'q-no-metadata', 'q-nothing-matches']);
    expect([...queries[0]!.relevant]).toEqual([['maple-parking', 1]]);
    expect(loadBeirQueries(dir, 'train').map((q) => q.id)).toEqual(['q-train-only']);
  });

  it('turns a conversation into the ticket’s messages, and a bare query into one customer message', () => {
    const [carry, bare] = loadBeirQueries(dir, 'test');
    expect(carry!.ticket.messages.map((m) => m.role)).toEqual(['customer', 'agent', 'customer']);
    expect(bare!.ticket.messages).toEqual([{ role: 'customer', text: 'What is the cancellation refund deadline?' }]);
  });

  it('names a missing split', () => {
    expect(() => loadBeirQueries(dir, 'dev')).toThrow(/No qrels for split "dev"/);
  });
});

describe('runEval on a tiny BEIR folder', () => {
  it('scores the pipeline against known answers', async () => {
    const run = await runEval(dir, 'test');
    expect(run.passages).toBe(6);
    const byId = new Map(run.perQuery.map((q) => [q.id, q]));
    // The earlier turn names Maple Lodge: its parking answer comes first, not the inn with more "parking".
    expect(byId.get('q-carry-over')!.ranked[0]).toBe('maple-parking');
    expect(byId.get('q-no-metadata')!.ranked.slice(0, 2)).toEqual(['cancellation', 'cancellation']);
    expect(byId.get('q-nothing-matches')!.ranked).toEqual([]);
    const { result } = run;
    expect(result).toMatchObject({ dataset: dir, split: 'test', n: 3 });
    expect(result['recall@75']).toBeCloseTo(2 / 3, 4);
    expect(result['recall@8']).toBeCloseTo(2 / 3, 4);
    expect(result['precision@8']).toBeCloseTo((1 / 8 + 1 / 8 + 0) / 3, 4);
    expect(result.mrr).toBeCloseTo(2 / 3, 4);
    expect(result['ndcg@10']).toBeCloseTo(2 / 3, 4);
    expect(result.ms_p50).toBeGreaterThanOrEqual(0);
    expect(result.ms_p95).toBeGreaterThanOrEqual(result.ms_p50);
    expect(Object.keys(result)).toEqual(['dataset', 'split', 'n', 'recall@75', 'precision@8', 'recall@8', 'mrr', 'ndcg@10', 'ms_p50', 'ms_p95']);
  });

  it('says what is wrong with a folder it cannot evaluate', async () => {
    await expect(runEval(join(dir, 'nope'), 'test')).rejects.toThrow(EvalError);
    await expect(runEval(dir, 'dev')).rejects.toThrow(/No qrels for split "dev"/);
  });
});
