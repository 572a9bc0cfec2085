/**
 * Versioned prompt templates. Each asks for a short support reply grounded only in numbered snippets and cited as
 * [1], [2]; the numbers are mapped back to snippet ids by `parseCitations`. Changing a template's wording means a new
 * version, so preference signals never mix two prompts under one variant id.
 */
import type { Snippet } from '../../shared/index.ts';
import type { ChatMessage } from '../llm/chat.ts';

export interface PromptVariant {
  id: string;
  /** Snippets (best first) shown to the model. */
  snippetPool: number;
  maxTokens: number;
  temperature: number;
  /** The extractive variant used when this one fails. */
  fallback: 'extractive-concise@2' | 'extractive-detailed@2';
  system: string;
}

const RULES = [
  'You write replies that a human support agent will review and send to a customer.',
  'Use ONLY facts stated in the numbered knowledge-base snippets. If they do not answer the question, say what you can and suggest the next step; never invent policies, prices, links or steps.',
  'After every sentence that uses a snippet, cite it by number in square brackets, e.g. [1] or [2][3]. Cite only numbers that appear in the list.',
  'Do not mention the snippets, the knowledge base or that you are an AI. Write plain text, no markdown headings.',
].join('\n');

export const PROMPT_VARIANTS: readonly [PromptVariant, PromptVariant] = [
  {
    id: 'llm-concise@1',
    snippetPool: 4,
    maxTokens: 220,
    temperature: 0.2,
    fallback: 'extractive-concise@2',
    system: `${RULES}\nStyle: a short, direct answer of two to four sentences, with a one-line greeting and a one-line closing.`,
  },
  {
    id: 'llm-detailed@1',
    snippetPool: 6,
    maxTokens: 450,
    temperature: 0.3,
    fallback: 'extractive-detailed@2',
    system: `${RULES}\nStyle: a fuller answer: a greeting, then the steps as a short "- " list, then a one-line closing.`,
  },
];

export function buildMessages(
  variant: PromptVariant,
  input: { conversation: string; snippets: readonly Snippet[]; customerName?: string | undefined },
): ChatMessage[] {
  const shown = input.snippets.slice(0, variant.snippetPool);
  const numbered = shown.map((s, i) => `[${i + 1}] ${s.title}\n${s.text}`).join('\n\n');
  const user = [
    `Customer's first name: ${input.customerName ?? 'unknown (greet neutrally)'}`,
    '',
    'Conversation so far:',
    input.conversation,
    '',
    'Knowledge-base snippets:',
    numbered,
    '',
    'Write the reply now.',
  ].join('\n');
  return [
    { role: 'system', content: variant.system },
    { role: 'user', content: user },
  ];
}

export interface ParsedCitations {
  /** Snippet ids cited, in first-cited order, no repeats. */
  citations: string[];
  /** Numbers the model cited that name no shown snippet. */
  invalid: number[];
  /** The text with invalid markers removed. */
  text: string;
}

/** Finds [n] and [n, m] markers, maps them to the shown snippets' ids and removes markers that name none. */
export function parseCitations(text: string, shown: readonly Snippet[]): ParsedCitations {
  const citations: string[] = [];
  const invalid: number[] = [];
  const cleaned = text.replace(/\[(\d+(?:\s*,\s*\d+)*)\]/g, (_whole, list: string) => {
    const kept: number[] = [];
    for (const part of list.split(',')) {
      const n = Number(part.trim());
      const snippet = Number.isInteger(n) && n >= 1 ? shown[n - 1] : undefined;
      if (!snippet) {
        invalid.push(n);
        continue;
      }
      kept.push(n);
      if (!citations.includes(snippet.snippetId)) citations.push(snippet.snippetId);
    }
    return kept.length ? `[${kept.join(', ')}]` : '';
  });
  return {
    citations,
    invalid,
    text: cleaned
      .replace(/[ \t]+([.,;:!?])/g, '$1')
      .replace(/[ \t]{2,}/g, ' ')
      .trim(),
  };
}
