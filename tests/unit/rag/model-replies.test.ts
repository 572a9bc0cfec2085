import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../backend/config.ts';
import { DEMO_HELP_CENTRE, demoTickets } from '../../../backend/demo/tickets.ts';
import { importKnowledge } from '../../../backend/kb/import.ts';
import { createChatClient } from '../../../backend/llm/chat.ts';
import { LlmError } from '../../../backend/llm/http.ts';
import { parseCitations } from '../../../backend/rag/prompts.ts';
import { createLlmReplyGenerator } from '../../../backend/rag/model-replies.ts';
import { type KnowledgeIndex, loadIndex } from '../../../backend/rag/knowledge-index.ts';
import { MODEL_VERSION, suggest, suggestReplies } from '../../../backend/rag/suggest.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';
import { type Snippet, SuggestionResponse, type SuggestionRequest } from '../../../shared/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../helpers/fake-openai.ts';

let store: Store;
let index: KnowledgeIndex;
let fake: FakeOpenAI;

beforeAll(async () => {
  store = await openStore(':memory:');
  await importKnowledge(store.db, DEMO_HELP_CENTRE);
  index = await loadIndex(store.db, { tenant: 'default' });
  fake = await startFakeOpenAI();
});
afterAll(async () => {
  await fake?.close();
  await store?.close();
});
beforeEach(() => {
  fake.reset();
});

function request(ticketId = '1003'): SuggestionRequest {
  const t = demoTickets().find((x) => x.ticketId === ticketId)!;
  return { ticket: { host: 'demo', ticketId: t.ticketId, subject: t.subject, requester: t.requester, messages: t.messages } };
}

const warnings: unknown[] = [];
const logger = { warn: (obj: unknown) => void warnings.push(obj) } as never;

function generator(extra: Record<string, string> = {}) {
  const config = loadConfig({ AITL_LLM_BASE_URL: fake.baseUrl, AITL_LLM_API_KEY: 'sk-test', AITL_LLM_TIMEOUT_MS: '300', ...extra });
  return createLlmReplyGenerator(config.llm!, { logger, backoffMs: 10 });
}

describe('model-backed candidate replies', () => {
  it('two candidates from the two prompt variants, citations mapped to shown snippet ids', async () => {
    const response = await suggestReplies(index, request(), { generator: generator(), now: new Date('2026-01-01T00:00:00Z') });
    expect(SuggestionResponse.parse(response)).toEqual(response);
    expect(response.candidates.map((c) => c.variantId)).toEqual(['llm-concise@1', 'llm-detailed@1']);
    expect(response.candidates.every((c) => c.fallbackFrom === undefined)).toBe(true);
    expect(response.modelVersion).toBe('llm:gpt-4o-mini');
    for (const c of response.candidates) {
      expect(c.citations).toEqual([response.snippets[0]!.snippetId, response.snippets[1]!.snippetId]);
      expect(c.text).toContain('[1]');
    }
    expect(fake.requests).toHaveLength(2);
    const sent = fake.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', temperature: expect.any(Number), max_tokens: expect.any(Number) });
    expect(sent.body.messages[1].content).toContain(`[1] ${response.snippets[0]!.title}`);
  });

  it('a challenger model when AITL_LLM_MODEL_B is set', async () => {
    const response = await suggestReplies(index, request(), { generator: generator({ AITL_LLM_MODEL: 'champ', AITL_LLM_MODEL_B: 'chall' }) });
    expect(response.candidates.map((c) => c.variantId)).toEqual(['llm-concise@1+champ', 'llm-detailed@1+chall']);
    expect(fake.requests.map((r) => r.body.model).sort()).toEqual(['chall', 'champ']);
  });

  it.each(['http500', 'http429', 'timeout', 'malformed', 'wrong-shape', 'no-citations', 'out-of-range'] as const)(
    'fault %s → the extractive reply, labelled',
    async (fault) => {
      fake.fault = fault;
      const started = Date.now();
      const response = await suggestReplies(index, request(), { generator: generator() });
      const extractive = suggest(index, request());
      expect(response.candidates.map((c) => [c.variantId, c.fallbackFrom])).toEqual([
        ['extractive-concise@2', 'llm-concise@1'],
        ['extractive-detailed@2', 'llm-detailed@1'],
      ]);
      expect(response.candidates.map((c) => c.text)).toEqual(extractive.candidates.map((c) => c.text));
      expect(response.candidates.every((c) => c.text.length > 0 && c.citations.length > 0)).toBe(true);
      expect(response.modelVersion).toBe(MODEL_VERSION);
      // Bounded: at most one retry per candidate, none after a timeout; the 300 ms timeout is respected.
      const perCandidate = fault === 'http500' || fault === 'http429' ? 2 : 1;
      expect(fake.requests).toHaveLength(2 * perCandidate);
      expect(Date.now() - started).toBeLessThan(fault === 'timeout' ? 1500 : 1000);
    },
  );

  it('one failing variant falls back alone', async () => {
    fake.faultByModel = { chall: 'http500' };
    const response = await suggestReplies(index, request(), { generator: generator({ AITL_LLM_MODEL: 'champ', AITL_LLM_MODEL_B: 'chall' }) });
    expect(response.candidates.map((c) => [c.variantId, c.fallbackFrom])).toEqual([
      ['llm-concise@1+champ', undefined],
      ['extractive-detailed@2', 'llm-detailed@1+chall'],
    ]);
    expect(response.modelVersion).toBe('llm:champ|chall');
  });

  it('a 500 then success is retried once and succeeds', async () => {
    fake.faultQueue = ['http500'];
    const response = await suggestReplies(index, request(), { generator: generator() });
    expect(response.candidates.filter((c) => c.fallbackFrom)).toHaveLength(0);
    expect(fake.requests).toHaveLength(3);
  });

  it('without a generator the response is exactly the extractive one', async () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const a = await suggestReplies(index, request(), { now });
    const b = suggest(index, request(), { now });
    expect({ ...a, suggestionId: '', candidates: a.candidates.map((c) => ({ ...c, candidateId: '' })) }).toEqual({
      ...b,
      suggestionId: '',
      candidates: b.candidates.map((c) => ({ ...c, candidateId: '' })),
    });
    expect(fake.requests).toHaveLength(0);
  });
});

describe('parseCitations', () => {
  const shown = [{ snippetId: 'a' }, { snippetId: 'b' }] as Snippet[];
  it('maps numbers to ids and drops the ones out of range', () => {
    const parsed = parseCitations('Reset it here [2]. Then sign in [1, 3]. Done [0].', shown);
    expect(parsed.citations).toEqual(['b', 'a']);
    expect(parsed.invalid).toEqual([3, 0]);
    expect(parsed.text).toBe('Reset it here [2]. Then sign in [1]. Done.');
  });
  it('logs dropped citations while keeping the valid ones', async () => {
    const original = fake.reply;
    fake.reply = () => 'Hi, do this [1]. And this [7].';
    warnings.length = 0;
    try {
      const response = await suggestReplies(index, request(), { generator: generator() });
      expect(response.candidates[0]!.variantId).toBe('llm-concise@1');
      expect(response.candidates[0]!.text).toBe('Hi, do this [1]. And this.');
      expect(response.candidates[0]!.citations).toEqual([response.snippets[0]!.snippetId]);
      expect(warnings).toContainEqual(expect.objectContaining({ invalid: [7] }));
    } finally {
      fake.reply = original;
    }
  });
});

describe('chat client', () => {
  it('parses choices[0].message.content and names the failure kind', async () => {
    const client = createChatClient({ baseUrl: fake.baseUrl, timeoutMs: 300, backoffMs: 10 });
    await expect(client.complete({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).resolves.toContain('[1]');
    fake.fault = 'http500';
    await expect(client.complete({ model: 'm', messages: [] })).rejects.toMatchObject({ kind: 'http', status: 500 });
    fake.fault = 'timeout';
    await expect(client.complete({ model: 'm', messages: [] })).rejects.toBeInstanceOf(LlmError);
    fake.fault = 'none';
    const down = createChatClient({ baseUrl: 'http://127.0.0.1:9/v1', timeoutMs: 300, backoffMs: 10 });
    await expect(down.complete({ model: 'm', messages: [] })).rejects.toMatchObject({ kind: 'network' });
  });
});

describe('LLM configuration', () => {
  it('is off unless AITL_LLM_BASE_URL is set, with defaults otherwise', () => {
    expect(loadConfig({}).llm).toBeUndefined();
    expect(loadConfig({ AITL_LLM_BASE_URL: 'http://127.0.0.1:1234/v1' }).llm).toEqual({
      baseUrl: 'http://127.0.0.1:1234/v1',
      model: 'gpt-4o-mini',
      modelB: undefined,
      apiKey: undefined,
      timeoutMs: 8000,
    });
  });
  it('names the bad variable', () => {
    expect(() => loadConfig({ AITL_LLM_BASE_URL: 'not a url' })).toThrow(/AITL_LLM_BASE_URL/);
    expect(() => loadConfig({ AITL_LLM_BASE_URL: 'ftp://x/v1' })).toThrow(/AITL_LLM_BASE_URL/);
    expect(() => loadConfig({ AITL_LLM_TIMEOUT_MS: 'soon' })).toThrow(/AITL_LLM_TIMEOUT_MS/);
    expect(() => loadConfig({ AITL_EMBED_BASE_URL: 'nope' })).toThrow(/AITL_EMBED_BASE_URL/);
  });
});
