import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../backend/config.ts';
import { DEMO_HELP_CENTRE } from '../../../backend/demo/tickets.ts';
import { importKnowledge } from '../../../backend/kb/import.ts';
import { createEmbeddingsClient } from '../../../backend/llm/embeddings.ts';
import { DenseIndex, embedMissingPassages, normalise, reciprocalRankFusion } from '../../../backend/rag/dense.ts';
import { SHARED_KNOWLEDGE } from '../../../backend/rag/knowledge-bases.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { loadPassageVectors } from '../../../backend/store/passage-vectors.ts';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../../helpers/fake-openai.ts';

let fake: FakeOpenAI;
let store: Store;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  store = await openStore(':memory:');
  await importKnowledge(store.db, DEMO_HELP_CENTRE);
});
afterAll(async () => {
  await store?.close();
  await fake?.close();
});

describe('dense retrieval', () => {
  it('embeds passages once, stores them per model and finds the closest', async () => {
    const client = createEmbeddingsClient(loadConfig({ AITL_EMBED_BASE_URL: fake.baseUrl, AITL_EMBED_MODEL: 'emb-1' }).embed!, { batchSize: 16 });
    const embedded = await embedMissingPassages(store.db, client, SHARED_KNOWLEDGE);
    expect(embedded).toBeGreaterThan(40);
    const requests = fake.requests.length;
    expect(requests).toBe(Math.ceil(embedded / 16));
    expect(await embedMissingPassages(store.db, client, SHARED_KNOWLEDGE)).toBe(0);
    expect(fake.requests.length).toBe(requests);
    const vectors = await loadPassageVectors(store.db, SHARED_KNOWLEDGE, 'emb-1');
    expect(vectors.size).toBe(embedded);
    expect((await loadPassageVectors(store.db, SHARED_KNOWLEDGE, 'other')).size).toBe(0);
    const [someId, someVector] = [...vectors][0]!;
    const ids = [...vectors.keys()];
    const index = DenseIndex.build('m', ids, vectors)!;
    const [best] = index.search(normalise(someVector)!, 3);
    expect({ passageId: ids[best!.doc], score: best!.score }).toEqual({ passageId: someId, score: expect.closeTo(1, 6) });
    expect(index.search(normalise(fakeEmbedding('anything'))!, 5)).toHaveLength(5);
  });

  it('reciprocal rank fusion favours documents high in both lists', () => {
    const fused = reciprocalRankFusion([
      ['a', 'b', 'c'],
      ['b', 'c', 'd'],
    ]);
    expect(fused.map((f) => f.id)).toEqual(['b', 'c', 'a', 'd']);
    expect(fused[0]!.score).toBeCloseTo(1 / 62 + 1 / 61);
  });
});
