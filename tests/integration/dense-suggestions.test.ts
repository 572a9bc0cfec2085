/** Dense retrieval end to end: the real app with AITL_EMBED_BASE_URL against the local fake OpenAI-compatible server. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import { loadConfig } from '../../backend/config.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createEmbeddingsClient } from '../../backend/llm/embeddings.ts';
import { embedMissingPassages } from '../../backend/rag/dense.ts';
import { createDeps, createLogger } from '../../backend/server.ts';
import { findSuggestion } from '../../backend/store/suggestions.ts';
import { HealthResponse, SuggestionResponse } from '../../shared/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/fake-openai.ts';

let fake: FakeOpenAI;
let dir: string;
const opened: AppDeps[] = [];

const TICKET = { ticket: { host: 'demo', ticketId: '1004', messages: [{ role: 'customer', text: 'Where is my parcel?' }] } };
const EMBED = { AITL_EMBED_BASE_URL: '', AITL_EMBED_MODEL: 'fake-emb', AITL_LLM_TIMEOUT_MS: '300' };

async function deps(env: Record<string, string>, db = 'aitl.db'): Promise<AppDeps> {
  const config = loadConfig({ AITL_DATABASE_URL: join(dir, db), AITL_LOG_LEVEL: 'silent', ...env });
  const d = await createDeps(config, createLogger(config));
  opened.push(d);
  return d;
}
async function suggest(d: AppDeps): Promise<SuggestionResponse> {
  const res = await createApp(d).request('/v1/suggestions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TICKET) });
  expect(res.status).toBe(200);
  return SuggestionResponse.parse(await res.json());
}
const health = async (d: AppDeps) => HealthResponse.parse(await (await createApp(d).request('/v1/health')).json());
/** What two runs of one request share (ids and times differ). */
const shown = (r: SuggestionResponse) => ({ ...r, suggestionId: undefined, createdAt: undefined, candidates: r.candidates.map((c) => ({ ...c, candidateId: undefined })) });
const embeddingCalls = () => fake.requests.filter((r) => r.path === '/v1/embeddings');

let dense: AppDeps;
let lexical: AppDeps;
let withLlm: AppDeps;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  EMBED.AITL_EMBED_BASE_URL = fake.baseUrl;
  dir = mkdtempSync(join(tmpdir(), 'aitl-dense-'));
  dense = await deps(EMBED);
  lexical = await deps({});
  withLlm = await deps({ ...EMBED, AITL_LLM_BASE_URL: fake.baseUrl, AITL_LLM_MODEL: 'fake-model' });
});
afterAll(async () => {
  for (const d of opened) await d.store.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
});

describe('POST /v1/suggestions with AITL_EMBED_BASE_URL', () => {
  it('embedded the demo help centre at start and names dense retrieval in the index version', () => {
    const index = dense.knowledge.index;
    expect(index.dense?.docs.length).toBe(index.passages.length);
    expect(index.version).toMatch(/^bm25f-facets@2\+dense-fake-emb\+rerank-linear-1@/);
    expect(lexical.knowledge.index.version).toBe(index.lexicalVersion);
  });

  it('embeds the query once and fuses the dense list into the 75 the reranker orders', async () => {
    const body = await suggest(dense);
    expect(body.indexVersion).toBe(dense.knowledge.index.version);
    expect(embeddingCalls().map((r) => r.body.input)).toEqual([[body.query]]);
    const plain = await suggest(lexical);
    // A short question matches few passages lexically; the dense list fills the 75.
    expect(plain.retrieved).toBeLessThan(75);
    expect(body.retrieved).toBe(75);
    expect((await findSuggestion(dense.store.db, body.suggestionId))?.indexVersion).toBe(body.indexVersion);
  });

  it('/v1/health reports the model replies, the embeddings model and the dense index version', async () => {
    expect(await health(withLlm)).toMatchObject({ modelVersion: 'llm:fake-model', embeddings: 'fake-emb', indexVersion: dense.knowledge.index.version });
    expect(await health(dense)).toMatchObject({ modelVersion: 'builtin-extractive@1', embeddings: 'fake-emb' });
    const plain = await health(lexical);
    expect(plain).toMatchObject({ modelVersion: 'builtin-extractive@1', indexVersion: lexical.knowledge.index.version });
    expect(plain).not.toHaveProperty('embeddings');
  });

  it('starts lexical-only when the embeddings API fails at start; a reload picks the vectors up later', async () => {
    fake.fault = 'http500';
    const d = await deps(EMBED, 'down.db');
    expect(d.knowledge.index.dense).toBeUndefined();
    expect(d.knowledge.index.version).not.toMatch(/dense/);
    fake.fault = 'none';
    expect((await suggest(d)).indexVersion).toBe(d.knowledge.index.version);
    expect(embeddingCalls()).toHaveLength(2); // the failed start (and its retry), none per suggestion
    await embedMissingPassages(d.store.db, createEmbeddingsClient(d.config.embed!));
    await d.knowledge.reload();
    expect(d.knowledge.index.version).toMatch(/\+dense-fake-emb\+/);
  });

  // Last: a failure starts the embedder's cool-down, during which the dense app stays lexical.
  it('an embeddings API failing at query time gives exactly the lexical suggestion', async () => {
    fake.faultByModel = { 'fake-emb': 'timeout' };
    const started = Date.now();
    const body = await suggest(dense);
    expect(Date.now() - started).toBeLessThan(2000);
    const plain = await suggest(lexical);
    expect(shown(body)).toEqual(shown(plain));
    expect(body.indexVersion).toBe(dense.knowledge.index.lexicalVersion);
  });
});
