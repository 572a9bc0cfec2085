import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { gateKey } from '../../../backend/flywheel/gate/index.ts';
import { judgeRelevance, parseVerdict } from '../../../backend/flywheel/judge.ts';
import { type ChatClient, createChatClient } from '../../../backend/llm/chat.ts';
import type { Annotation } from '../../../shared/index.ts';
import { type FakeOpenAI, startFakeOpenAI } from '../../helpers/fake-openai.ts';
import { decisionOf, gate, signal, suggestion } from './gate-fixtures.ts';

let fake: FakeOpenAI;
let client: ChatClient;
beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = createChatClient({ baseUrl: fake.baseUrl, timeoutMs: 2_000, backoffMs: 1 });
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(() => {
  fake.reset();
  // The fake judge doubts every "irrelevant" label and agrees with the rest.
  fake.reply = (body) => {
    const prompt = String(body.messages.at(-1).content);
    return prompt.includes("Agent's label: irrelevant")
      ? '{"verdict":"disagree","reason":"The snippet explains exactly this refund."}'
      : '{"verdict":"agree","reason":"The snippet answers the question."}';
  };
});

const S = suggestion('sugg-1', { query: 'cracked lamp refund', snippets: 4 });
let minute = 0;
const label = (snippetId: string, value: string, suggestionId = 'sugg-1'): Annotation =>
  signal('relevance', 'ann', ++minute * 60_000, { suggestionId, snippetId, label: value });
const input = (annotations: Annotation[]) => ({
  items: annotations.map((annotation) => ({ annotation, receivedAt: annotation.clientTime })),
  suggestions: new Map([[S.suggestionId, S]]),
});

describe('LLM judge', () => {
  it('asks the model about each label with the query, snippet and label, and lowers the weight where it disagrees', async () => {
    const [good, doubted] = [label('k1', 'relevant'), label('k2', 'irrelevant')];
    const run = await judgeRelevance(client, input([good, doubted]), { model: 'judge-model' });
    expect(run.counts).toEqual({ eligible: 2, overCap: 0, agreed: 1, disagreed: 1, malformed: 0, failed: 0 });
    expect(fake.requests).toHaveLength(2);
    const body = fake.requests[0]!.body;
    expect(body.model).toBe('judge-model');
    expect(body.temperature).toBe(0);
    expect(body.messages[0].content).toContain('"verdict":"agree"|"disagree"');
    expect(fake.requests.map((r) => r.body.messages[1].content).join('\n')).toContain(
      'Query:\ncracked lamp refund\n\nSnippet (Article 2):\nPassage 2 of the help centre.',
    );

    const report = gate([good, doubted], [S], {}, run.verdicts);
    expect(decisionOf(report, good)).toEqual({ weight: 1, reasons: [] });
    expect(decisionOf(report, doubted)).toEqual({
      weight: 0.5,
      reasons: [{ rule: 'llm_judge', detail: 'the model disagrees with the label irrelevant: The snippet explains exactly this refund.' }],
    });
    expect(report.counts.byRule.llm_judge).toBe(1);
  });

  it('counts malformed answers and provider errors, leaves those labels as they were, and never fails', async () => {
    const labels = [label('k1', 'irrelevant'), label('k2', 'irrelevant'), label('k3', 'irrelevant')];
    let n = 0;
    fake.reply = () => (++n === 1 ? 'Sure! That label looks wrong to me.' : '{"verdict":"disagree","reason":"no"}');
    fake.faultQueue = ['http500', 'http500']; // the first request and its one retry
    const run = await judgeRelevance(client, input(labels), { model: 'm', concurrency: 1 });
    expect(run.counts).toMatchObject({ eligible: 3, failed: 1, malformed: 1, disagreed: 1 });
    expect(run.verdicts.size).toBe(1);
    const report = gate(labels, [S], {}, run.verdicts);
    expect(labels.map((a) => decisionOf(report, a).weight).sort()).toEqual([0.5, 1, 1]);
  });

  it('judges at most maxItems labels, newest first, and only labels whose snippet was shown', async () => {
    const labels = ['k1', 'k2', 'k3', 'k4'].map((k) => label(k, 'relevant'));
    const unknown = [label('k9', 'relevant'), label('k1', 'relevant', 'sugg-unknown')];
    const run = await judgeRelevance(client, input([...labels, ...unknown]), { model: 'm', maxItems: 2 });
    expect(run.counts).toMatchObject({ eligible: 4, overCap: 2, agreed: 2 });
    // Ids are UUID v7, so the highest are the newest: a run spends its budget where earlier runs did not reach.
    const newest = [...labels].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, 2);
    expect([...run.verdicts.keys()].sort()).toEqual(newest.map((a) => gateKey(a.tenant, a.id)).sort());
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const slow: ChatClient = {
      async complete() {
        peak = Math.max(peak, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return '{"verdict":"agree","reason":"fine"}';
      },
    };
    const labels = Array.from({ length: 12 }, (_, i) => label(`k${(i % 4) + 1}`, 'relevant'));
    const run = await judgeRelevance(slow, input(labels), { model: 'm', concurrency: 3 });
    expect(run.counts.agreed).toBe(12);
    expect(peak).toBe(3);
  });

  it('reads strict JSON, tolerating a ```json fence, and nothing else', () => {
    expect(parseVerdict('{"verdict":"agree","reason":"ok"}')).toEqual({ verdict: 'agree', reason: 'ok' });
    expect(parseVerdict('```json\n{"verdict":"disagree","reason":"off topic"}\n```')).toEqual({ verdict: 'disagree', reason: 'off topic' });
    for (const bad of [
      'agree',
      '{"verdict":"maybe","reason":"x"}',
      '{"verdict":"agree"}',
      '{"verdict":"agree","reason":"  "}',
      'The answer: {"verdict":"agree","reason":"x"}',
    ]) {
      expect(parseVerdict(bad)).toBeUndefined();
    }
  });
});
