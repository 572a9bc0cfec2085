/** The model-backed replies end to end: the real app and CLI against the local fake OpenAI-compatible server. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import { main } from '../../backend/cli/main.ts';
import { loadConfig } from '../../backend/config.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import { createDeps, createLogger } from '../../backend/deps.ts';
import { findSuggestion } from '../../backend/store/suggestions.ts';
import { SuggestionResponse } from '../../shared/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../helpers/fake-openai.ts';

let fake: FakeOpenAI;
let dir: string;
let deps: AppDeps;
let app: Hono;

const TICKET = {
  ticket: {
    host: 'demo',
    ticketId: '1003',
    messages: [{ role: 'customer', text: 'I forgot my password and the reset email never arrives. How do I get back into my account?' }],
  },
};

beforeAll(async () => {
  fake = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), 'aitl-llm-'));
  const config = loadConfig({
    AITL_DATABASE_URL: join(dir, 'aitl.db'),
    AITL_LOG_LEVEL: 'silent',
    AITL_LLM_BASE_URL: fake.baseUrl,
    AITL_LLM_MODEL: 'fake-model',
    AITL_LLM_TIMEOUT_MS: '300',
  });
  deps = await createDeps(config, createLogger(config));
  app = createApp(deps);
});
afterAll(async () => {
  await deps?.store.close();
  await fake?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  fake.reset();
});

const post = () => app.request('/v1/suggestions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TICKET) });

describe('POST /v1/suggestions with AITL_LLM_BASE_URL', () => {
  it('answers with the two model candidates, cited by shown snippet ids, and records them', async () => {
    const res = await post();
    expect(res.status).toBe(200);
    const body = SuggestionResponse.parse(await res.json());
    expect(body.modelVersion).toBe('llm:fake-model');
    expect(body.candidates.map((c) => c.variantId)).toEqual(['llm-concise@1', 'llm-detailed@1']);
    const shown = new Set(body.snippets.map((s) => s.snippetId));
    for (const c of body.candidates) expect(c.citations.every((id) => shown.has(id))).toBe(true);
    expect(fake.requests).toHaveLength(2);
    expect((await findSuggestion(deps.store.db, body.suggestionId))?.candidates).toEqual(body.candidates);
  });

  it('a provider that never answers: extractive replies labelled with fallbackFrom, within the timeout', async () => {
    fake.fault = 'timeout';
    const started = Date.now();
    const res = await post();
    expect(Date.now() - started).toBeLessThan(2000);
    const body = SuggestionResponse.parse(await res.json());
    expect(body.candidates.map((c) => [c.variantId, c.fallbackFrom])).toEqual([
      ['extractive-concise@2', 'llm-concise@1'],
      ['extractive-detailed@2', 'llm-detailed@1'],
    ]);
    expect(body.candidates.every((c) => c.text.length > 0)).toBe(true);
    expect((await findSuggestion(deps.store.db, body.suggestionId))?.candidates[0]?.fallbackFrom).toBe('llm-concise@1');
  });
});

describe('aitl eval --replies', () => {
  let data: string;
  beforeAll(() => {
    data = mkdtempSync(join(tmpdir(), 'aitl-llm-eval-'));
    mkdirSync(join(data, 'qrels'));
    const docs = [
      { _id: 'refunds', title: 'Refunds', text: 'Refunds reach your card within five business days.' },
      { _id: 'delivery', title: 'Delivery', text: 'Standard delivery takes three to five days.' },
    ];
    writeFileSync(join(data, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
    const queries = [
      { _id: 'q1', text: 'When will my refund arrive?', metadata: { gold_response: 'Refunds reach your card within five business days.' } },
      { _id: 'q2', text: 'How long is delivery?' },
    ];
    writeFileSync(join(data, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
    writeFileSync(join(data, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\trefunds\t1\nq2\tdelivery\t1\n');
  });
  afterAll(() => rmSync(data, { recursive: true, force: true }));

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

  it('adds reply metrics for the extractive replies', async () => {
    const { code, err, last } = await run(['eval', '--dataset', data, '--replies', '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(last.n_replies).toBe(1);
    expect(last.reply_f1).toBeGreaterThan(0.3);
    expect(last.reply_rougeL).toBeGreaterThan(0.2);
    expect(last.citation_precision).toBeGreaterThanOrEqual(0.5);
    expect(last.reply_fallbacks).toBe(0);
    const plain = await run(['eval', '--dataset', data, '--json']);
    expect(plain.last).not.toHaveProperty('reply_f1');
  });

  it('uses the model when AITL_LLM_BASE_URL is set, and counts fallbacks', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { AITL_LLM_BASE_URL: fake.baseUrl, AITL_LLM_TIMEOUT_MS: '300' });
    try {
      const ok = await run(['eval', '--dataset', data, '--replies', '--json']);
      expect(ok.code).toBe(0);
      expect(ok.last.reply_fallbacks).toBe(0);
      expect(fake.requests.filter((r) => r.path === '/v1/chat/completions').length).toBeGreaterThanOrEqual(4);
      fake.fault = 'http500';
      const failing = await run(['eval', '--dataset', data, '--replies', '--json']);
      expect(failing.last.reply_fallbacks).toBe(4);
      process.env.AITL_LLM_TIMEOUT_MS = 'soon';
      const bad = await run(['eval', '--dataset', data, '--replies', '--json']);
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/AITL_LLM_TIMEOUT_MS/);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('aitl kb import with AITL_EMBED_BASE_URL', () => {
  it('stores a vector per passage, once; an unreachable API leaves the import standing', async () => {
    const { DEMO_HELP_CENTRE } = await import('../../backend/demo/tickets.ts');
    const { openStore } = await import('../../backend/store/connect.ts');
    const { loadPassageVectors } = await import('../../backend/store/passage-vectors.ts');
    const db = join(dir, 'import.db');
    const saved = { ...process.env };
    const run = async () => {
      const out: string[] = [];
      const code = await main(
        ['kb', 'import', DEMO_HELP_CENTRE],
        (l) => out.push(l),
        (l) => out.push(l),
      );
      return { code, out: out.join('\n') };
    };
    try {
      Object.assign(process.env, { AITL_DATABASE_URL: db, AITL_EMBED_BASE_URL: fake.baseUrl, AITL_EMBED_MODEL: 'emb', AITL_LLM_TIMEOUT_MS: '300' });
      fake.fault = 'http500';
      const failed = await run();
      expect(failed.code).toBe(0);
      expect(failed.out).toMatch(/Embeddings not stored/);
      fake.fault = 'none';
      const first = await run();
      expect(first.out).toMatch(/Embedded \d+ passages with emb/);
      const again = await run();
      expect(again.out).toMatch(/Embedded 0 passages/);
      const store = await openStore(db);
      try {
        expect((await loadPassageVectors(store.db, SHARED_KNOWLEDGE, 'emb')).size).toBeGreaterThan(40);
      } finally {
        await store.close();
      }
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
