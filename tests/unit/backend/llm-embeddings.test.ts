import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../backend/config.ts';
import { createEmbeddingsClient } from '../../../backend/llm/embeddings.ts';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../../helpers/fake-openai.ts';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.reset();
});

const client = (batchSize = 96) =>
  createEmbeddingsClient(
    loadConfig({ AITL_EMBED_BASE_URL: fake.baseUrl, AITL_EMBED_API_KEY: 'sk-e', AITL_EMBED_MODEL: 'emb', AITL_LLM_TIMEOUT_MS: '300' }).embed!,
    {
      batchSize,
      backoffMs: 10,
    },
  );

describe('embeddings client', () => {
  it('posts {model, input} and returns data[].embedding in input order, in batches', async () => {
    const texts = ['reset your password', 'track an order', 'cancel a subscription'];
    const vectors = await client(2).embed(texts);
    expect(vectors).toEqual(texts.map((t) => fakeEmbedding(t)));
    expect(fake.requests.map((r) => [r.path, r.body.model, r.body.input.length])).toEqual([
      ['/v1/embeddings', 'emb', 2],
      ['/v1/embeddings', 'emb', 1],
    ]);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-e');
  });

  it('retries a 429 once, then gives up on a second', async () => {
    fake.faultQueue = ['http429'];
    await expect(client().embed(['a'])).resolves.toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
    fake.requests.length = 0;
    fake.fault = 'http429';
    await expect(client().embed(['a'])).rejects.toMatchObject({ kind: 'http', status: 429 });
    expect(fake.requests).toHaveLength(2);
  });

  it('times out at the configured timeout and rejects malformed answers', async () => {
    fake.fault = 'timeout';
    const started = Date.now();
    await expect(client().embed(['a'])).rejects.toMatchObject({ kind: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1000);
    fake.fault = 'malformed';
    await expect(client().embed(['a'])).rejects.toMatchObject({ kind: 'malformed' });
    fake.fault = 'wrong-shape';
    await expect(client().embed(['a'])).rejects.toMatchObject({ kind: 'malformed' });
  });
});
