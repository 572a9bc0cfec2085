import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../backend/cli/main.ts';

let dir: string;

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err: err.join('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-eval-cli-'));
  mkdirSync(join(dir, 'qrels'));
  const docs = [
    { _id: 'refunds', title: 'Refunds', text: 'Refunds reach your card within five business days.' },
    { _id: 'delivery', title: 'Delivery', text: 'Standard delivery takes three to five days.' },
    { _id: 'gift-cards', title: 'Gift cards', text: 'Gift cards never expire.' },
  ];
  writeFileSync(join(dir, 'corpus.jsonl'), `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
  const queries = [
    { _id: 'q1', text: 'When will my refund arrive?' },
    { _id: 'q2', text: 'How long is delivery?', metadata: { conversation: [{ role: 'user', text: 'How long is delivery?' }] } },
  ];
  writeFileSync(join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\trefunds\t1\nq2\tdelivery\t1\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('aitl eval', () => {
  it('prints a summary, then the metrics as one JSON object on the last line', async () => {
    const { code, out, err } = await run(['eval', '--dataset', dir]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.length).toBeGreaterThan(1);
    const result = JSON.parse(out[out.length - 1]!) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['dataset', 'split', 'n', 'recall@75', 'precision@8', 'recall@8', 'mrr', 'ndcg@10', 'ms_p50', 'ms_p95']);
    expect(result).toMatchObject({ dataset: dir, split: 'test', n: 2, 'recall@75': 1, mrr: 1, 'precision@8': 0.125, 'ndcg@10': 1 });
  });

  it('prints only the JSON line with --json', async () => {
    const { code, out } = await run(['eval', '--dataset', dir, '--split', 'test', '--json']);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ n: 2, mrr: 1 });
  });

  it('explains a missing dataset, split or flag', async () => {
    expect((await run(['eval'])).code).toBe(2);
    expect((await run(['eval', '--dataset', dir, '--bogus'])).code).toBe(2);
    const noSplit = await run(['eval', '--dataset', dir, '--split', 'dev']);
    expect(noSplit.code).toBe(1);
    expect(noSplit.err).toMatch(/No qrels for split "dev"/);
    const noFolder = await run(['eval', '--dataset', join(dir, 'missing')]);
    expect(noFolder.code).toBe(1);
    expect(noFolder.err).toMatch(/corpus\.jsonl is missing/);
  });

  it('is listed in the help', async () => {
    const { out } = await run(['help']);
    expect(out.join('\n')).toMatch(/eval --dataset DIR/);
  });
});
