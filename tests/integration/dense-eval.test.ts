/** `aitl eval` with AITL_EMBED_BASE_URL (dense, embeddings in batches), and --replies running queries concurrently. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../backend/cli/main.ts';
import { runEval } from '../../backend/eval/run.ts';
import type { ReplyGenerator } from '../../backend/rag/model-replies.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/fake-openai.ts';

let fake: FakeOpenAI;
let data: string;
const TOPICS = ['refund', 'delivery', 'warranty', 'password', 'voucher', 'parcel', 'invoice', 'kettle'];

beforeAll(async () => {
  fake = await startFakeOpenAI();
  data = mkdtempSync(join(tmpdir(), 'aitl-dense-eval-'));
  mkdirSync(join(data, 'qrels'));
  const docs = TOPICS.map((t) => ({ _id: t, title: `About ${t}s`, text: `Everything about your ${t}: how the ${t} works and what to do.` }));
  writeFileSync(join(data, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
  const queries = TOPICS.map((t, i) => ({
    _id: `q${i}`,
    text: `A question about my ${t}`,
    metadata: { gold_response: `Everything about your ${t}.` },
  }));
  writeFileSync(join(data, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
  writeFileSync(join(data, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...TOPICS.map((t, i) => `q${i}\t${t}\t1`)].join('\n'));
});
afterAll(async () => {
  await fake?.close();
  if (data) rmSync(data, { recursive: true, force: true });
});

async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err: err.join('\n'), last: JSON.parse(out[out.length - 1] ?? '{}') as Record<string, number> };
}

describe('aitl eval with AITL_EMBED_BASE_URL', () => {
  it('retrieves densely too, embedding passages and queries in batches', async () => {
    fake.requests.length = 0;
    const env = { AITL_EMBED_BASE_URL: fake.baseUrl, AITL_EMBED_MODEL: 'fake-emb', AITL_LLM_TIMEOUT_MS: '300' };
    const dense = await withEnv(env, () => run(['eval', '--dataset', data]));
    expect(dense.err).toBe('');
    expect(dense.code).toBe(0);
    expect(dense.out[0]).toMatch(/\(bm25f-facets@2\+dense-fake-emb\+rerank-/);
    expect(fake.requests.map((r) => r.body.input.length)).toEqual([TOPICS.length, TOPICS.length]);
    expect(dense.last['recall@75']).toBe(1);
    const plain = await run(['eval', '--dataset', data]);
    expect(plain.out[0]).not.toMatch(/\+dense-/);

    fake.fault = 'http500';
    const failing = await withEnv(env, () => run(['eval', '--dataset', data, '--json']));
    fake.fault = 'none';
    expect(failing.code).toBe(1);
    expect(failing.err).toMatch(/Embeddings with fake-emb failed/);
  });
});

describe('aitl eval --replies', () => {
  it('runs at most 4 queries at a time and keeps the scores in query order', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: ReplyGenerator = {
      modelVersion: 'slow',
      async generate(input) {
        most = Math.max(most, ++inFlight);
        // Later queries answer sooner, so completion order is the reverse of query order.
        await new Promise((resolve) => setTimeout(resolve, 5 * (TOPICS.length - TOPICS.findIndex((t) => input.conversation.includes(t)))));
        inFlight--;
        return input.extractive.map((d) => ({ variantId: d.variantId, text: d.text, citations: d.citations }));
      },
    };
    const concurrent = await runEval(data, 'test', { replies: true, generator: slow });
    const extractive = await runEval(data, 'test', { replies: true });
    expect(most).toBe(4);
    const replyKeys = (r: object) =>
      Object.fromEntries(Object.entries(r).filter(([k]) => k.startsWith('reply_') || k.startsWith('citation') || k === 'n_replies'));
    expect(replyKeys(concurrent.result)).toEqual(replyKeys(extractive.result));
    expect(concurrent.result.n_replies).toBe(TOPICS.length);
  });
});
