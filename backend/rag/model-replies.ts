/**
 * Candidate replies from an OpenAI-compatible model: champion and challenger prompt variants (optionally on two
 * models) run in parallel. Any failure of one (timeout, HTTP error, malformed answer, no valid citation) falls back to
 * the built-in extractive draft for that slot, labelled with `fallbackFrom`, so the agent never sees a blank.
 */
import type { Logger } from 'pino';
import type { Candidate, Snippet } from '../../shared/index.ts';
import type { LlmConfig } from '../config.ts';
import type { Draft } from './generate.ts';
import { type ChatClient, createChatClient } from '../llm/chat.ts';
import { LlmError } from '../llm/http.ts';
import { buildMessages, PROMPT_VARIANTS, parseCitations, type PromptVariant } from './prompts.ts';

export interface ReplyInput {
  conversation: string;
  snippets: readonly Snippet[];
  customerName?: string | undefined;
  /** The extractive drafts, one per slot, used as fallbacks. */
  extractive: readonly Draft[];
}

export type ReplyDraft = Omit<Candidate, 'candidateId'>;

export interface ReplyGenerator {
  /** Label recorded as the response's modelVersion. */
  modelVersion: string;
  generate(input: ReplyInput): Promise<ReplyDraft[]>;
}

type MinimalLogger = Pick<Logger, 'warn'>;

export function createLlmReplyGenerator(
  config: LlmConfig,
  options: { logger?: MinimalLogger | undefined; fetch?: typeof fetch; backoffMs?: number } = {},
): ReplyGenerator {
  const client: ChatClient = createChatClient({
    baseUrl: config.baseUrl,
    apiKey: config.apiKey,
    timeoutMs: config.timeoutMs,
    backoffMs: options.backoffMs,
    fetch: options.fetch,
  });
  const models = [config.model, config.modelB ?? config.model] as const;
  const logger = options.logger;
  return {
    modelVersion: models[0] === models[1] ? `llm:${models[0]}` : `llm:${models[0]}|${models[1]}`,
    async generate(input) {
      if (input.snippets.length === 0) return [];
      return Promise.all(
        PROMPT_VARIANTS.map(async (variant, slot): Promise<ReplyDraft> => {
          const fallback = input.extractive.find((d) => d.variantId === variant.fallback) ?? input.extractive[slot];
          // Two models: the variant id says which, so preferences compare model and prompt together.
          const label = models[0] === models[1] ? variant.id : `${variant.id}+${models[slot]!}`;
          try {
            return { ...(await llmDraft(client, models[slot]!, variant, input, logger)), variantId: label };
          } catch (error) {
            const kind = error instanceof LlmError ? error.kind : 'error';
            logger?.warn({ variant: label, kind, err: (error as Error).message }, 'LLM reply failed; using the extractive reply');
            if (!fallback) throw error;
            return { variantId: fallback.variantId, text: fallback.text, citations: fallback.citations, fallbackFrom: label };
          }
        }),
      );
    },
  };
}

async function llmDraft(client: ChatClient, model: string, variant: PromptVariant, input: ReplyInput, logger?: MinimalLogger): Promise<ReplyDraft> {
  const shown = input.snippets.slice(0, variant.snippetPool);
  const content = await client.complete({
    model,
    messages: buildMessages(variant, input),
    temperature: variant.temperature,
    max_tokens: variant.maxTokens,
  });
  const parsed = parseCitations(content, shown);
  if (parsed.invalid.length)
    logger?.warn({ variant: variant.id, invalid: parsed.invalid, shown: shown.length }, 'dropped citations that name no shown snippet');
  if (parsed.citations.length === 0) throw new LlmError('malformed', 'the reply cites no shown snippet');
  return { variantId: variant.id, text: parsed.text, citations: parsed.citations };
}
