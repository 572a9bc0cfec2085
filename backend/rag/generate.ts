/**
 * The built-in extractive generator: no model needed. It answers from the retrieved snippets by picking the
 * sentences that best match the query, so every sentence of a reply is quoted from a cited snippet. Two variants
 * differ in a way an agent can judge: a short direct answer, and a fuller step-by-step one.
 */
import type { Snippet } from '../../shared/index.ts';
import { splitSentences } from './sentences.ts';
import { tokenize } from './tokenize.ts';

export interface GenerationInput {
  queryTerms: Map<string, number>;
  idf: (term: string) => number;
  snippets: Snippet[];
  customerName?: string | undefined;
}

export interface Draft {
  variantId: string;
  text: string;
  citations: string[];
}

export interface Variant {
  id: string;
  /** Snippets (best first) the variant may quote from. */
  snippetPool: number;
  sentences: number;
  format: 'prose' | 'list';
}

export const VARIANTS: readonly [Variant, Variant] = [
  { id: 'extractive-concise@1', snippetPool: 2, sentences: 2, format: 'prose' },
  { id: 'extractive-detailed@1', snippetPool: 4, sentences: 4, format: 'list' },
];

interface Scored {
  text: string;
  snippetId: string;
  order: number;
  score: number;
}

export function generateDrafts(input: GenerationInput): Draft[] {
  if (input.snippets.length === 0) return [];
  return VARIANTS.map((variant) => draft(variant, input));
}

function draft(variant: Variant, input: GenerationInput): Draft {
  const chosen = pickSentences(variant, input);
  const greeting = `Hi ${input.customerName ?? 'there'},`;
  const closing = 'Let me know if there is anything else I can help with.';
  const body =
    variant.format === 'prose'
      ? chosen.map((s) => s.text).join(' ')
      : `Here is what you need to know:\n${chosen.map((s) => `- ${s.text}`).join('\n')}`;
  const citations = [...new Set(chosen.map((s) => s.snippetId))];
  return { variantId: variant.id, text: `${greeting}\n\n${body}\n\n${closing}`, citations };
}

/** The best-matching sentences from the variant's snippet pool, then put back in reading order. */
function pickSentences(variant: Variant, input: GenerationInput): Scored[] {
  const pool = input.snippets.slice(0, variant.snippetPool);
  const candidates: Scored[] = [];
  pool.forEach((snippet, snippetIndex) => {
    splitSentences(snippet.text).forEach((text, i) => {
      const terms = new Set(tokenize(text));
      let match = 0;
      for (const term of terms) match += (input.queryTerms.get(term) ?? 0) * input.idf(term);
      // Earlier snippets and earlier sentences are slightly preferred: articles state the point first.
      const prior = 1 / (1 + snippetIndex) + 0.5 / (1 + i);
      const score = match / Math.sqrt(Math.max(terms.size, 4)) + prior;
      candidates.push({ text, snippetId: snippet.snippetId, order: snippetIndex * 1000 + i, score });
    });
  });
  const seen = new Set<string>();
  const best = candidates
    .sort((a, b) => b.score - a.score)
    .filter((s) => !seen.has(s.text) && seen.add(s.text))
    .slice(0, variant.sentences);
  return best.sort((a, b) => a.order - b.order);
}
