/**
 * The built-in extractive generator: no model needed. It answers the newest customer message by quoting sentences
 * of the retrieved snippets, so every sentence of a reply is traceable to a snippet it cites.
 *
 * A sentence scores by how much of the question it covers: rarer words count more, a word the snippets all share
 * (the product they are all about) less, and a word also partly matches its longer or shorter form. A little
 * comes from the rest of the conversation, from how well its whole snippet matches the question (an FAQ answer
 * seldom repeats the question's words, its title does), from the snippet's rank and from its position (articles
 * state the point first). Questions, headings and lower-case list fragments are left out; very long sentences and
 * ones that lean on the sentence before ("Then …") are held back. Further sentences must also answer the question
 * and are chosen for what they add (maximal marginal relevance over the question's words not yet covered). The
 * two variants differ in ways an agent can judge and a preference can teach (length, sources, structure):
 *   - `extractive-concise@2`: one or two sentences (about 40 words) from the best one or two sources, as prose;
 *   - `extractive-detailed@2`: up to three sentences from up to three of the top five snippets, as a list;
 *   - `extractive-summary@2`: up to three sentences from up to three of the top four, as one paragraph.
 * The first two are shown until the flywheel's variant policy says otherwise (see `variantPair`).
 */
import type { Snippet } from '../../shared/index.ts';
import { type SentenceUnit, sentenceUnits } from './sentences.ts';
import { tokenize } from './tokenize.ts';

export interface GenerationInput {
  /** Term → weight over the whole conversation. */
  queryTerms: Map<string, number>;
  /**
   * The newest customer message: what is being asked now. Without it the whole conversation is the question.
   */
  question?: string | undefined;
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
  /** At most this many sentences… */
  sentences: number;
  /** …from at most this many snippets… */
  sources: number;
  /** …and a further sentence only while the body stays within this many words. */
  words: number;
  format: 'prose' | 'list';
  /** A further sentence must cover at least this share of what the first one covers of the question. */
  minShare: number;
}

/**
 * The pool the flywheel's variant policy draws from: the first two are shown until a policy is promoted; the
 * third waits to challenge whichever of them loses.
 */
export const VARIANTS: readonly Variant[] = [
  { id: 'extractive-concise@2', snippetPool: 3, sentences: 2, sources: 2, words: 40, format: 'prose', minShare: 0.5 },
  { id: 'extractive-detailed@2', snippetPool: 5, sentences: 3, sources: 3, words: 70, format: 'list', minShare: 0.25 },
  { id: 'extractive-summary@2', snippetPool: 4, sentences: 3, sources: 3, words: 60, format: 'prose', minShare: 0.35 },
];

/** The two variants to show, by id (champion first); unknown ids fall back to the first two of the pool. */
export function variantPair(ids?: readonly [string, string]): [Variant, Variant] {
  const byId = (id: string) => VARIANTS.find((v) => v.id === id);
  const chosen = ids && byId(ids[0]) && byId(ids[1]) && ids[0] !== ids[1] ? [byId(ids[0])!, byId(ids[1])!] : [VARIANTS[0]!, VARIANTS[1]!];
  return chosen as [Variant, Variant];
}

/** Weights of the score, on the scale of question coverage (0–1). Chosen on a training split; see the tests. */
const W = {
  /** Coverage of the rest of the conversation's terms. */
  context: 0.1,
  /** Coverage of the question by the sentence's whole snippet, title included. */
  snippet: 0.35,
  /** 1 / snippet rank. */
  rank: 0.1,
  /** 1 / position in the snippet. */
  position: 0.05,
  /** A longer sentence loses score in proportion to its excess words. */
  longWords: 30,
  /** A word matching a longer or shorter form of a question word ("decor", "decoration") counts this much. */
  partial: 0.6,
  /** A question word already covered by a chosen sentence counts this much for the next. */
  covered: 0.3,
  /** Penalty per unit of term overlap with a chosen sentence; above `duplicate`, a sentence is never added. */
  redundancy: 0.6,
  duplicate: 0.8,
  /** Weight of the newest message's other sentences when it asks a question, and when that question is short. */
  statement: 0.2,
  statementShortQuestion: 0.5,
  shortQuestionTerms: 3,
  /** A question term found in every snippet of the pool keeps 1 − common of its weight. */
  common: 0.5,
  /** Penalty for a sentence that continues the one before it ("Then …", "For example, …"). */
  continuation: 0.2,
};

const CONTINUATION =
  /^(?:then|next|also|and|but|or|so|however|otherwise|instead|additionally|furthermore|moreover|therefore|finally|for example|for instance|in addition|as a result)\b/i;

interface Weighted {
  term: string;
  /** The weights of a list sum to 1. */
  weight: number;
}

interface Candidate {
  text: string;
  terms: Set<string>;
  words: number;
  snippetIndex: number;
  position: number;
  /** How far (0–1) the sentence contains each question term: [index into the question's terms, degree]. */
  hits: [number, number][];
  /** Share of the question the sentence covers. */
  match: number;
  /** The rest of its score: conversation, snippet match and rank, position, length. */
  prior: number;
}

export function generateDrafts(input: GenerationInput, variants: readonly [Variant, Variant] = variantPair()): Draft[] {
  if (input.snippets.length === 0) return [];
  const pool = input.snippets.slice(0, Math.max(...variants.map((v) => v.snippetPool))).map(readSnippet);
  const question = weigh(questionTerms(input.question, input.queryTerms), input.idf, pool);
  let candidates = scoreCandidates(input, question, pool, false);
  // Snippets of nothing but questions, headings or fragments: quote those rather than nothing.
  if (candidates.length === 0) candidates = scoreCandidates(input, question, pool, true);
  if (candidates.length === 0) return [];
  return variants.map((variant) => draft(variant, input, question, candidates));
}

interface ReadSnippet {
  units: { unit: SentenceUnit; terms: Set<string> }[];
  /** Terms of the title and every unit. */
  terms: Set<string>;
}

function readSnippet(snippet: Snippet): ReadSnippet {
  const units = sentenceUnits(snippet.text).map((unit) => ({ unit, terms: new Set(tokenize(unit.text)) }));
  const terms = new Set(tokenize(snippet.title));
  for (const unit of units) for (const t of unit.terms) terms.add(t);
  return { units, terms };
}

function draft(variant: Variant, input: GenerationInput, question: Weighted[], candidates: Candidate[]): Draft {
  const chosen = pick(
    variant,
    question,
    candidates.filter((c) => c.snippetIndex < variant.snippetPool),
  );
  const greeting = `Hi ${input.customerName ?? 'there'},`;
  const closing = 'Let me know if there is anything else I can help with.';
  const body =
    variant.format === 'prose'
      ? chosen.map((c) => c.text).join(' ')
      : `Here is what you need to know:\n${chosen.map((c) => `- ${c.text}`).join('\n')}`;
  const citations = [...new Set(chosen.map((c) => input.snippets[c.snippetIndex]!.snippetId))];
  return { variantId: variant.id, text: `${greeting}\n\n${body}\n\n${closing}`, citations };
}

/**
 * The best sentence, then sentences that also answer the question and add to what is chosen, within the
 * variant's budgets; grouped by source (best source first), each source's sentences in reading order.
 */
function pick(variant: Variant, question: Weighted[], candidates: Candidate[]): Candidate[] {
  const open = question.map(() => 1);
  const chosen: Candidate[] = [];
  const sources: number[] = [];
  const remaining = [...candidates];
  let words = 0;
  while (chosen.length < variant.sentences && remaining.length) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < remaining.length; i++) {
      const c = remaining[i]!;
      if (sources.length >= variant.sources && !sources.includes(c.snippetIndex)) continue;
      if (chosen.length && (c.match === 0 || c.match < chosen[0]!.match * variant.minShare || words + c.words > variant.words)) continue;
      let value = c.prior;
      for (const [t, degree] of c.hits) value += question[t]!.weight * degree * open[t]!;
      if (chosen.length) value -= W.redundancy * overlap(c, chosen);
      if (value > bestValue) [best, bestValue] = [i, value];
    }
    if (best < 0) break;
    const next = remaining.splice(best, 1)[0]!;
    if (overlap(next, chosen) > W.duplicate) continue;
    chosen.push(next);
    for (const [t, degree] of next.hits) open[t]! *= 1 - degree * (1 - W.covered);
    if (!sources.includes(next.snippetIndex)) sources.push(next.snippetIndex);
    words += next.words;
  }
  return chosen.sort((a, b) => sources.indexOf(a.snippetIndex) - sources.indexOf(b.snippetIndex) || a.position - b.position);
}

function scoreCandidates(input: GenerationInput, question: Weighted[], pool: ReadSnippet[], anyUnit: boolean): Candidate[] {
  const context = weigh(new Map([...input.queryTerms].filter(([t]) => !question.some((q) => q.term === t))), input.idf);
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  pool.forEach(({ units, terms: snippetTerms }, snippetIndex) => {
    const present = formsIn(question, snippetTerms);
    // Each term once, at its best degree (an exact form is listed before partial ones).
    const snippetMatch = share(
      question,
      present.filter((p, i) => present[i - 1]?.index !== p.index).map((p) => [p.index, p.degree]),
    );
    const snippetPrior = W.snippet * snippetMatch + W.rank / (1 + snippetIndex);
    for (const { unit, terms } of units) {
      if ((!anyUnit && (unit.question || unit.heading || unit.fragment)) || terms.size === 0 || seen.has(unit.text)) continue;
      seen.add(unit.text);
      const words = wordCount(unit.text);
      const hits: [number, number][] = [];
      for (const p of present) {
        if (hits.at(-1)?.[0] !== p.index && p.forms.some((f) => terms.has(f))) hits.push([p.index, p.degree]);
      }
      const prior =
        W.context * share(context, matches(context, terms)) +
        snippetPrior +
        W.position / (1 + unit.position) -
        Math.max(0, words - W.longWords) / W.longWords -
        (CONTINUATION.test(unit.text) ? W.continuation : 0);
      candidates.push({ text: unit.text, terms, words, snippetIndex, position: unit.position, hits, match: share(question, hits), prior });
    }
  });
  return candidates;
}

/**
 * Terms of the newest message, or of the conversation without one. When the message asks something (a sentence
 * ending in "?"), the question's own terms weigh most and the rest of the message less, though more when the
 * question has few words of its own ("Could that be why?").
 */
function questionTerms(message: string | undefined, conversation: Map<string, number>): Map<string, number> {
  const terms = new Map<string, number>();
  const sentences = (message ?? '').split(/(?<=[.!?])\s+|\n+/).map((text) => ({ terms: tokenize(text), asks: text.trim().endsWith('?') }));
  const asked = new Set(sentences.flatMap((s) => (s.asks ? s.terms : [])));
  const statement = asked.size === 0 ? 1 : asked.size < W.shortQuestionTerms ? W.statementShortQuestion : W.statement;
  for (const sentence of sentences) {
    const weight = sentence.asks ? 1 : statement;
    for (const t of sentence.terms) terms.set(t, Math.max(terms.get(t) ?? 0, weight));
  }
  return terms.size ? terms : new Map(conversation);
}

/**
 * Terms weighted by importance and rarity, normalised to sum to 1. Given the snippets, a term found in most of
 * them (the product or place they are all about) weighs less: it cannot tell their sentences apart.
 */
function weigh(terms: Map<string, number>, idf: (term: string) => number, pool: ReadSnippet[] = []): Weighted[] {
  const weighted: Weighted[] = [];
  for (const [term, w] of terms) {
    let weight = w * Math.max(idf(term), 0);
    if (pool.length > 1) weight *= 1 - (W.common * (pool.filter((s) => s.terms.has(term)).length - 1)) / (pool.length - 1);
    if (weight > 0) weighted.push({ term, weight });
  }
  const total = weighted.reduce((sum, t) => sum + t.weight, 0);
  for (const t of weighted) t.weight /= total;
  return weighted;
}

/** Which of the weighted terms occur in `terms`: [index, 1]. */
function matches(weights: Weighted[], terms: Set<string>): [number, number][] {
  const hits: [number, number][] = [];
  weights.forEach(({ term }, i) => {
    if (terms.has(term)) hits.push([i, 1]);
  });
  return hits;
}

/**
 * The question's terms found in a snippet, each with the forms it takes there: itself, or a longer or shorter
 * form ("decor", "decoration") that counts `W.partial`.
 */
function formsIn(question: Weighted[], terms: Set<string>): { index: number; forms: string[]; degree: number }[] {
  const found: { index: number; forms: string[]; degree: number }[] = [];
  question.forEach(({ term }, index) => {
    if (terms.has(term)) found.push({ index, forms: [term], degree: 1 });
    if (term.length < 4) return;
    const forms = [...terms].filter((t) => t !== term && t.length >= 4 && (t.startsWith(term) || term.startsWith(t)));
    if (forms.length) found.push({ index, forms, degree: W.partial });
  });
  return found;
}

function share(weights: Weighted[], hits: [number, number][]): number {
  let sum = 0;
  for (const [i, degree] of hits) sum += weights[i]!.weight * degree;
  return sum;
}

/** Largest share of the candidate's (or the other's, if smaller) terms found in a chosen sentence. */
function overlap(c: Candidate, chosen: Candidate[]): number {
  let max = 0;
  for (const other of chosen) {
    let shared = 0;
    for (const t of c.terms) if (other.terms.has(t)) shared++;
    max = Math.max(max, shared / Math.max(1, Math.min(c.terms.size, other.terms.size)));
  }
  return max;
}

function wordCount(text: string): number {
  let words = 1;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 32) words++;
  return words;
}
