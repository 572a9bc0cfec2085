/**
 * The optional LLM judge of relevance labels, for when a provider is configured (AITL_LLM_*): the model sees the
 * query, the snippet and the agent's label and answers strict JSON `{"verdict":"agree"|"disagree","reason":"…"}`.
 * Its verdicts go into runGate as `judgements`; a "disagree" lowers the label's weight (rule `llm_judge`).
 *
 *   const judged = await judgeRelevance(createChatClient(config.llm), { items, suggestions }, { model: config.llm.model });
 *   const report = runGate({ items, suggestions, judgements: judged.verdicts });
 *
 * Bounded: at most `maxItems` labels a run (the first in key order), `concurrency` requests at a time. A provider
 * error or an answer that is not the JSON asked for leaves the label as it was and is counted; the run never fails.
 */
import { z } from 'zod';
import type { ChatClient } from '../llm/chat.ts';
import { type GateInput, type JudgeVerdict, gateKey } from './gate/index.ts';
import { compare, suggestionOf } from './gate/types.ts';

export interface JudgeOptions {
  model: string;
  /** Most labels judged in one run (200). */
  maxItems?: number | undefined;
  /** Requests in flight at once (4). */
  concurrency?: number | undefined;
  /** Longest snippet text sent, in characters (2,000). */
  maxSnippetChars?: number | undefined;
}

export interface JudgeCounts {
  /** Relevance labels whose query and snippet are known. */
  eligible: number;
  /** Eligible labels left out by maxItems. */
  overCap: number;
  agreed: number;
  disagreed: number;
  /** Answers that were not the JSON asked for. */
  malformed: number;
  /** Requests the provider failed (timeouts, HTTP errors, …). */
  failed: number;
}

export interface JudgeRun {
  /** By gateKey, in key order. */
  verdicts: Map<string, JudgeVerdict>;
  counts: JudgeCounts;
}

const SYSTEM =
  'You check relevance labels that support agents gave to knowledge-base snippets. Given a customer query, a ' +
  "snippet and the agent's label (relevant, partly or irrelevant), decide whether the label is right: does the " +
  'snippet help answer the query to the degree the label says? Answer with one JSON object and nothing else: ' +
  '{"verdict":"agree"|"disagree","reason":"<one short sentence>"}';

const Verdict = z.object({
  verdict: z.enum(['agree', 'disagree']),
  reason: z
    .string()
    .trim()
    .min(1)
    .transform((s) => s.slice(0, 300)),
});

/** The verdict in a model's answer, or undefined when it is not the JSON asked for (a ```json fence is tolerated). */
export function parseVerdict(text: string): JudgeVerdict | undefined {
  const body = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/i, '$1');
  try {
    const parsed = Verdict.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

interface Task {
  key: string;
  prompt: string;
}

export async function judgeRelevance(client: ChatClient, input: Pick<GateInput, 'items' | 'suggestions'>, options: JudgeOptions): Promise<JudgeRun> {
  const maxItems = options.maxItems ?? 200;
  const maxChars = options.maxSnippetChars ?? 2_000;
  const tasks = new Map<string, Task>();
  for (const { annotation: a } of input.items) {
    if (a.kind !== 'relevance') continue;
    const s = suggestionOf(input, a);
    const snippet = s?.snippets.find((x) => x.snippetId === a.snippetId);
    if (!s || !snippet) continue;
    const key = gateKey(a.tenant, a.id);
    const prompt = `Query:\n${s.query}\n\nSnippet (${snippet.title}):\n${snippet.text.slice(0, maxChars)}\n\nAgent's label: ${a.label}`;
    tasks.set(key, { key, prompt });
  }
  // Newest first (ids are UUID v7): each run spends its budget on the labels earlier runs did not reach.
  const eligible = [...tasks.values()].sort(
    (a, b) => compare(b.key.slice(b.key.indexOf('\u0000')), a.key.slice(a.key.indexOf('\u0000'))) || compare(a.key, b.key),
  );
  const queue = eligible.slice(0, Math.max(0, maxItems));
  const counts: JudgeCounts = {
    eligible: eligible.length,
    overCap: eligible.length - queue.length,
    agreed: 0,
    disagreed: 0,
    malformed: 0,
    failed: 0,
  };
  const results: (JudgeVerdict | undefined)[] = new Array(queue.length);

  let next = 0;
  const worker = async () => {
    while (next < queue.length) {
      const i = next++;
      let answer: string;
      try {
        answer = await client.complete({
          model: options.model,
          messages: [
            { role: 'system', content: SYSTEM },
            { role: 'user', content: queue[i]!.prompt },
          ],
          temperature: 0,
          max_tokens: 120,
        });
      } catch {
        counts.failed += 1;
        continue;
      }
      const verdict = parseVerdict(answer);
      if (!verdict) counts.malformed += 1;
      else if (verdict.verdict === 'agree') counts.agreed += 1;
      else counts.disagreed += 1;
      results[i] = verdict;
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, options.concurrency ?? 4), queue.length) }, worker));

  const verdicts = new Map<string, JudgeVerdict>();
  queue.forEach((task, i) => {
    if (results[i]) verdicts.set(task.key, results[i]!);
  });
  return { verdicts, counts };
}
