/** Dense retrieval fused into the pipeline: what it adds, and that without it (or when it fails) nothing changes. */
import { describe, expect, it, vi } from 'vitest';
import type { EmbeddingsClient } from '../../../backend/llm/embeddings.ts';
import { LlmError } from '../../../backend/llm/http.ts';
import { createQueryEmbedder, DenseIndex, normalise } from '../../../backend/rag/dense.ts';
import { buildIndex, indexVersion, RETRIEVAL_VERSION } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER, loadReranker } from '../../../backend/models/reranker.ts';
import { retrieve, suggest, suggestReplies, suggestWithRetrieval } from '../../../backend/rag/suggest.ts';
import type { PassageRow } from '../../../backend/store/schema.ts';
import type { SuggestionRequest, SuggestionResponse } from '../../../shared/index.ts';
import { passage } from '../../helpers/passages.ts';

const PASSAGES: PassageRow[] = [
  passage('kettle-care', 'Kettle care', 'Descale the kettle every month with vinegar to keep it working.'),
  passage('kettle-warranty', 'Kettle warranty', 'Every kettle carries a two year warranty against faults.'),
  // Shares no word with the question below: only its embedding finds it.
  passage('money-back', 'Money back', 'Faulty appliances can be sent back within 30 days for a full refund.'),
  passage('gift-cards', 'Gift cards', 'Gift cards never expire.'),
  // No vector at all: found lexically, dense feature 0.
  passage('kettle-colours', 'Kettle colours', 'The kettle comes in red, blue and white.'),
];
const QUERY = [1, 0, 0, 0];
const VECTORS = new Map<string, number[]>([
  ['kettle-care', [0, 1, 0, 0]],
  ['kettle-warranty', [0.3, 1, 0, 0]],
  ['money-back', [0.95, 0.1, 0, 0]],
  ['gift-cards', [0, 0, 1, 0]],
]);

const lexical = buildIndex(PASSAGES, 'imp');
const dense = buildIndex(PASSAGES, 'imp', DEFAULT_RERANKER, { model: 'fake-emb', vectors: VECTORS });
const REQUEST: SuggestionRequest = {
  ticket: { host: 'demo', ticketId: 't', messages: [{ role: 'customer', text: 'My kettle stopped heating, what now?' }] },
};
const now = new Date('2026-02-01T00:00:00Z');
const ids = (ranked: { doc: number }[]) => ranked.map((h) => PASSAGES[h.doc]!.id);
/** A response without its random suggestion id, to compare two runs. */
const stable = (r: SuggestionResponse) => JSON.parse(JSON.stringify(r).replaceAll(r.suggestionId, 'ID')) as SuggestionResponse;

function client(embed: EmbeddingsClient['embed']): EmbeddingsClient & { embed: ReturnType<typeof vi.fn> } {
  return { model: 'fake-emb', embed: vi.fn(embed) };
}

describe('dense retrieval in the pipeline', () => {
  it('fuses in a passage lexical search misses, with its cosine as the dense feature', () => {
    expect(ids(retrieve(lexical, REQUEST.ticket).ranked)).not.toContain('money-back');
    const result = retrieve(dense, REQUEST.ticket, { queryVector: normalise(QUERY) });
    expect(result.dense).toBe(true);
    expect(ids(result.ranked)).toContain('money-back');
    const features = (id: string) => result.ranked.find((h) => PASSAGES[h.doc]!.id === id)!.features;
    expect(features('money-back').dense).toBeCloseTo(0.95 / Math.hypot(0.95, 0.1), 6);
    expect(features('kettle-colours').dense).toBe(0);
    expect(features('money-back').lexical).toBe(0);
    // The default model does not weigh it; a model that lists 'dense' can put it first.
    const model = loadReranker({
      version: 'dense-heavy',
      features: [...DEFAULT_RERANKER.features, 'dense'],
      weights: [...DEFAULT_RERANKER.weights, 5],
    });
    expect(ids(retrieve(dense, REQUEST.ticket, { queryVector: normalise(QUERY), reranker: model }).ranked)[0]).toBe('money-back');
  });

  it('is lexical, exactly, without a query vector (or with one of another size)', () => {
    const plain = retrieve(lexical, REQUEST.ticket);
    expect(retrieve(dense, REQUEST.ticket)).toEqual(plain);
    expect(retrieve(dense, REQUEST.ticket, { queryVector: normalise([1, 0, 0]) })).toEqual(plain);
    expect(retrieve(lexical, REQUEST.ticket, { queryVector: normalise(QUERY) })).toEqual(plain);
    for (const hit of plain.ranked) expect(Object.keys(hit.features).sort()).toEqual([...DEFAULT_RERANKER.features].sort());
    expect(stable(suggest(dense, REQUEST, { now }))).toEqual(stable(suggest(lexical, REQUEST, { now })));
  });

  it('names dense retrieval in the index version only when it ranked the suggestion', () => {
    expect(lexical.version).toBe(`${RETRIEVAL_VERSION}+rerank-${DEFAULT_RERANKER.version}@imp`);
    expect(dense.version).toBe(`${RETRIEVAL_VERSION}+dense-fake-emb+rerank-${DEFAULT_RERANKER.version}@imp`);
    expect(dense.lexicalVersion).toBe(lexical.version);
    expect(suggestWithRetrieval(dense, REQUEST, { now, queryVector: normalise(QUERY) }).response.indexVersion).toBe(dense.version);
    expect(suggest(dense, REQUEST, { now }).indexVersion).toBe(lexical.version);
    // A long model name is shortened so the version still fits a feedback signal (128 characters).
    const long = indexVersion('01a21637-49f8-7c23-a31a-75bb644f18db', DEFAULT_RERANKER, `org/${'x'.repeat(150)}`);
    expect(long.length).toBeLessThanOrEqual(128);
    expect(long).not.toBe(indexVersion('01a21637-49f8-7c23-a31a-75bb644f18db', DEFAULT_RERANKER, `org/${'x'.repeat(149)}y`));
  });

  it('suggestReplies embeds the query once per suggestion and fuses the dense list', async () => {
    const embeddings = client(async (texts) => texts.map(() => QUERY));
    const embedder = createQueryEmbedder(embeddings);
    const response = await suggestReplies(dense, REQUEST, { now, embedder });
    expect(embeddings.embed).toHaveBeenCalledTimes(1);
    expect(embeddings.embed.mock.calls[0]![0]).toEqual([response.query]);
    expect(response.indexVersion).toBe(dense.version);
    expect(response.snippets.map((s) => s.snippetId)).toContain('money-back');
    // No vectors of the embedder's model in the index: no call, lexical.
    await suggestReplies(lexical, REQUEST, { now, embedder });
    expect(embeddings.embed).toHaveBeenCalledTimes(1);
  });

  it('an embeddings failure at query time gives exactly the lexical result, logged once per run of failures', async () => {
    let fail = true;
    const embeddings = client(async (texts) => {
      if (fail) throw new LlmError('timeout', 'no answer within 300 ms');
      return texts.map(() => QUERY);
    });
    const logger = { warn: vi.fn(), info: vi.fn() };
    const embedder = createQueryEmbedder(embeddings, { logger, cooldownMs: 0 });
    const expected = stable(suggest(lexical, REQUEST, { now }));
    for (let i = 0; i < 3; i++) expect(stable(await suggestReplies(dense, REQUEST, { now, embedder }))).toEqual(expected);
    expect(embeddings.embed).toHaveBeenCalledTimes(3);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn.mock.calls[0]![0]).toMatchObject({ model: 'fake-emb', kind: 'timeout' });
    fail = false;
    expect((await suggestReplies(dense, REQUEST, { now, embedder })).indexVersion).toBe(dense.version);
    expect(logger.info).toHaveBeenCalledTimes(1);
    fail = true;
    await suggestReplies(dense, REQUEST, { now, embedder });
    expect(logger.warn).toHaveBeenCalledTimes(2);
  });

  it('after a failure, skips the call for the cool-down instead of waiting on a dead API each time', async () => {
    const embeddings = client(async () => {
      throw new LlmError('http', 'answered 500', 500);
    });
    const embedder = createQueryEmbedder(embeddings, { cooldownMs: 60_000 });
    expect(await embedder.embedQuery('a')).toBeUndefined();
    expect(await embedder.embedQuery('b')).toBeUndefined();
    expect(embeddings.embed).toHaveBeenCalledTimes(1);
  });
});

describe('DenseIndex', () => {
  it('aligns rows to document numbers and leaves out missing, zero and wrong-sized vectors', () => {
    const index = DenseIndex.build(
      'm',
      ['a', 'b', 'c', 'd', 'e'],
      new Map([
        ['a', [1, 0]],
        ['b', [0, 0]],
        ['c', [1, 1, 1]],
        ['e', [3, 4]],
      ]),
    )!;
    expect(index.dims).toBe(2);
    expect([...index.docs]).toEqual([0, 4]);
    const hits = index.search(normalise([0, 1])!, 5);
    expect(hits.map((h) => h.doc)).toEqual([4, 0]);
    expect(hits[0]!.score).toBeCloseTo(0.8, 6);
    expect(index.similarity(4)).toBeCloseTo(0.8, 6);
    expect(index.similarity(2)).toBe(0);
    expect(DenseIndex.build('m', ['a'], new Map())).toBeUndefined();
  });

  it('agrees with brute-force cosine', () => {
    // Six numbers: both the four-at-a-time loop and the rest.
    const vectors = new Map(
      Array.from(
        { length: 50 },
        (_, i) => [`p${String(i).padStart(2, '0')}`, [Math.sin(i), Math.cos(i * 1.7), (i % 7) - 3, i / 10, Math.sin(i * 0.3), -1]] as const,
      ),
    );
    const query = [0.2, -1, 0.5, 0.1, 2, 0.3];
    const cos = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));
    const expected = [...vectors]
      .map(([id, v]) => ({ id, score: cos(query, v) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10);
    const ids = [...vectors.keys()];
    const got = DenseIndex.build('m', ids, vectors)!
      .search(normalise(query)!, 10)
      .map((hit) => ({ passageId: ids[hit.doc]!, score: hit.score }));
    expect(got.map((h) => h.passageId)).toEqual(expected.map((e) => e.id));
    got.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
  });
});
