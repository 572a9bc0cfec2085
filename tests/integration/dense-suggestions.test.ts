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
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import { createDeps, createLogger } from '../../backend/deps.ts';
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
  const res = await createApp(d).request('/v1/suggestions', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(TICKET),
  });
  expect(res.status).toBe(200);
  return SuggestionResponse.parse(await res.json());
}
const health = async (d: AppDeps) => HealthResponse.parse(await (await createApp(d).request('/v1/health')).json());
/** An article link without its signature (`t`, `exp`, `sig`), whose expiry moves with the clock. */
const unsigned = (url: string) => url.replace(/\?[^#]*/, '');
/** What two runs of one request share (ids, times and the links' expiry differ). */
const shown = (r: SuggestionResponse) => ({
  ...r,
  suggestionId: undefined,
  createdAt: undefined,
  snippets: r.snippets.map((s) => ({ ...s, url: unsigned(s.url) })),
  candidates: r.candidates.map((c) => ({ ...c, candidateId: undefined })),
});
/** The index serving requests without a key: the default tenant's. */
const served = (d: AppDeps) => d.knowledge.of(d.config.defaultTenant);
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
  it('embedded the demo help centre at start and names dense retrieval in the index version', async () => {
    const index = await served(dense);
    expect(index.dense?.docs.length).toBe(index.passages.length);
    expect(index.version).toMatch(/^bm25f-facets@2\+dense-fake-emb\+rerank-linear-1@/);
    expect((await served(lexical)).version).toBe(index.lexicalVersion);
  });

  it('embeds the query once and fuses the dense list into the 75 the reranker orders', async () => {
    const body = await suggest(dense);
    expect(body.indexVersion).toBe((await served(dense)).version);
    expect(embeddingCalls().map((r) => r.body.input)).toEqual([[body.query]]);
    const plain = await suggest(lexical);
    // A short question matches few passages lexically; the dense list fills the 75.
    expect(plain.retrieved).toBeLessThan(75);
    expect(body.retrieved).toBe(75);
    expect((await findSuggestion(dense.store.db, body.suggestionId))?.indexVersion).toBe(body.indexVersion);
  });

  it('/v1/health reports the model replies, the embeddings model and the dense index version', async () => {
    expect(await health(withLlm)).toMatchObject({
      modelVersion: 'llm:fake-model',
      embeddings: 'fake-emb',
      indexVersion: (await served(dense)).version,
    });
    expect(await health(dense)).toMatchObject({ modelVersion: 'builtin-extractive@1', embeddings: 'fake-emb' });
    const plain = await health(lexical);
    expect(plain).toMatchObject({ modelVersion: 'builtin-extractive@1', indexVersion: (await served(lexical)).version });
    expect(plain).not.toHaveProperty('embeddings');
  });

  it('starts lexical-only when the embeddings API fails at start; a reload picks the vectors up later', async () => {
    fake.fault = 'http500';
    const d = await deps(EMBED, 'down.db');
    expect((await served(d)).dense).toBeUndefined();
    expect((await served(d)).version).not.toMatch(/dense/);
    fake.fault = 'none';
    expect((await suggest(d)).indexVersion).toBe((await served(d)).version);
    expect(embeddingCalls()).toHaveLength(2); // the failed start (and its retry), none per suggestion
    await embedMissingPassages(d.store.db, createEmbeddingsClient(d.config.embed!), SHARED_KNOWLEDGE);
    await d.knowledge.reload(d.config.defaultTenant);
    expect((await served(d)).version).toMatch(/\+dense-fake-emb\+/);
  });

  // Last: a failure starts the embedder's cool-down, during which the dense app stays lexical.
  it('an embeddings API failing at query time gives exactly the lexical suggestion', async () => {
    fake.faultByModel = { 'fake-emb': 'timeout' };
    const started = Date.now();
    const body = await suggest(dense);
    expect(Date.now() - started).toBeLessThan(2000);
    const plain = await suggest(lexical);
    expect(shown(body)).toEqual(shown(plain));
    expect(body.indexVersion).toBe((await served(dense)).lexicalVersion);
  });
});
