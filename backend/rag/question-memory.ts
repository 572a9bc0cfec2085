/**
 * Memory of checked questions: when a new ticket asks what an earlier checked one asked, in other words, the
 * passages judged there speak for it — judged relevant come first, judged irrelevant go down — and for no other
 * question.
 *
 * Closeness is absolute: the cosine of the two questions' idf-weighted term sets, mapped to 0..1 above a threshold.
 * A score normalised by the best match of the moment would call the best of poor matches perfect, and a single
 * "irrelevant" would then push its passage down for every question that shares a word with the judged one.
 *
 * A passage's memory is closest × (support − contradiction) / (support + contradiction + CAUTION), where support sums
 * the closeness of the near questions that judged it relevant, contradiction those that judged it irrelevant, and
 * closest is the closeness of the nearest of them: one clear check on a close match is enough, a loose match only
 * nudges, agreement raises it, contradicting checks cancel it.
 */
import type { TicketContext } from '../../shared/index.ts';
import { tokenize } from './tokenize.ts';

/** Evidence a single close check is worth against: one check at closeness 1 gives memory 0.8. */
const CAUTION = 0.25;
/**
 * Weight of the conversation around the question (earlier turns, subject) against the question itself: enough that
 * "is breakfast included?" about one hotel is not the same question about another, not so much that a shared
 * greeting makes two questions alike.
 */
const CONTEXT_WEIGHT = 0.5;
/**
 * Closeness from which "irrelevant" counts. A loose match may lift a passage a little, never sink it: "irrelevant"
 * for a question about another hotel would otherwise sink this hotel's own answer.
 */
const NEAR = 0.5;
/** Questions less alike than this (cosine) are never neighbours: the lowest threshold the flywheel tries. */
export const MIN_SIMILARITY = 0.1;
/** Questions the question's words may find before its commoner words only add to them. */
const DISCOVER = 1024;
/** Questions the other words are added to: the closest on the words that found them. */
const CANDIDATES = 256;
/** Neighbours kept per question: the memory is a vote of the closest, not of everyone sharing a word. */
const MAX_NEIGHBOURS = 64;
/** Sets the question apart from its context in a remembered text (tokenize drops it). */
const CONTEXT_MARK = '¶';

/**
 * How a checked question is remembered: its newest customer message, then after a pilcrow the rest of the
 * conversation (what "they" or "it" refers to), at most `max` characters.
 */
export function rememberedText(ticket: TicketContext, question: string, max = 600): string {
  const spoken = ticket.messages.filter((m) => m.role !== 'note' && m.text !== question).map((m) => m.text);
  const context = [ticket.subject ?? '', ...spoken].filter(Boolean).join(' ').replace(/\s+/g, ' ');
  const line = question.replace(/\s+/g, ' ').replaceAll(CONTEXT_MARK, ' ').trim();
  return context ? `${line} ${CONTEXT_MARK} ${context}`.slice(0, Math.max(max, line.length)) : line;
}

/** Term weights of a remembered text: the question's terms 1, the context's CONTEXT_WEIGHT. */
export function rememberedTerms(text: string): Map<string, number> {
  const cut = text.indexOf(CONTEXT_MARK);
  return questionTerms(tokenize(cut < 0 ? text : text.slice(0, cut)), cut < 0 ? [] : tokenize(text.slice(cut + 1)));
}

/** Term weights of a question asked now: its terms 1, the rest of the conversation's CONTEXT_WEIGHT. */
export function questionTerms(question: Iterable<string>, context: Iterable<string>): Map<string, number> {
  const terms = new Map<string, number>();
  for (const term of context) terms.set(term, CONTEXT_WEIGHT);
  for (const term of question) terms.set(term, 1);
  return terms;
}

/** One remembered question: its unit term vector and its votes per passage (+1 relevant, −1 irrelevant). */
interface Remembered {
  /** The first text remembered as this question. */
  text: string;
  terms: Map<string, number>;
  votes: Map<number, number>;
}

/** The questions near one query, with their cosine similarity; reused for several thresholds. */
export interface Neighbours {
  questions: readonly number[];
  similarities: readonly number[];
}

export class QuestionMemory {
  private readonly questions: Remembered[] = [];
  /** Term → the questions holding it and the term's weight in each, packed for speed. */
  private readonly postings = new Map<string, { questions: Int32Array; weights: Float64Array }>();
  private readonly termWeight: (term: string) => number;
  /** Per-query dot products, reused: only the questions touched are reset. */
  private readonly dots: Float64Array;

  /**
   * @param judged per passage (doc number): the question texts it was judged relevant to and irrelevant to
   * @param termWeight weight of a term (its corpus idf), so rare words decide closeness
   */
  constructor(judged: Iterable<{ doc: number; relevant: readonly string[]; irrelevant: readonly string[] }>, termWeight: (term: string) => number) {
    this.termWeight = termWeight;
    // A question judged for several passages is read once; texts that differ only in stop words or case are one question.
    const byText = new Map<string, number | undefined>();
    const byTerms = new Map<string, number>();
    const lists = new Map<string, number[]>();
    const questionOf = (text: string): number | undefined => {
      if (byText.has(text)) return byText.get(text);
      const terms = rememberedTerms(text);
      const key = [...terms]
        .map(([t, w]) => `${t}:${w}`)
        .sort()
        .join(' ');
      let q = terms.size === 0 ? undefined : byTerms.get(key);
      if (q === undefined && terms.size > 0) {
        q = this.questions.length;
        byTerms.set(key, q);
        this.questions.push({ text, terms: unitVector(terms, termWeight), votes: new Map() });
        for (const term of this.questions[q]!.terms.keys()) {
          const list = lists.get(term);
          if (list) list.push(q);
          else lists.set(term, [q]);
        }
      }
      byText.set(text, q);
      return q;
    };
    const remember = (text: string, doc: number, vote: number) => {
      const q = questionOf(text);
      if (q === undefined) return;
      const votes = this.questions[q]!.votes;
      votes.set(doc, (votes.get(doc) ?? 0) + vote);
    };
    for (const { doc, relevant, irrelevant } of judged) {
      for (const text of relevant) remember(text, doc, 1);
      for (const text of irrelevant) remember(text, doc, -1);
    }
    for (const [term, list] of lists) {
      this.postings.set(term, { questions: Int32Array.from(list), weights: Float64Array.from(list, (q) => this.questions[q]!.terms.get(term)!) });
    }
    this.dots = new Float64Array(this.questions.length);
  }

  get size(): number {
    return this.questions.length;
  }

  /** The text question `q` was first remembered by. */
  textOf(q: number): string {
    return this.questions[q]!.text;
  }

  /**
   * The remembered questions nearest a question (its term weights, `questionTerms`): at most MAX_NEIGHBOURS, each at
   * least MIN_SIMILARITY alike (cosine), closest first.
   */
  neighbours(terms: ReadonlyMap<string, number>): Neighbours {
    const query = unitVector(terms, this.termWeight);
    const dots = this.dots;
    const touched: number[] = [];
    // The question's own words find neighbours, those fewest questions hold first, while they find at most DISCOVER
    // questions; every other word only adds to questions found. "The same question asked again" shares a telling word of the question,
    // and walking the lists of every word (a greeting, the product's name) would make a cycle quadratic in its checks.
    const present = [...query].filter(([term]) => this.postings.has(term));
    const length = (term: string) => this.postings.get(term)!.questions.length;
    const finders = present.filter(([term]) => terms.get(term)! >= 1).sort((x, y) => length(x[0]) - length(y[0]));
    const adders = present.filter(([term]) => terms.get(term)! < 1);
    for (const [term, w] of finders) {
      if (touched.length > 0 && touched.length + length(term) > DISCOVER) {
        adders.push([term, w]);
        continue;
      }
      const { questions, weights } = this.postings.get(term)!;
      for (let j = 0; j < questions.length; j++) {
        const q = questions[j]!;
        if (dots[q] === 0) touched.push(q);
        dots[q] = dots[q]! + w * weights[j]!;
      }
    }
    // The other words then add to the questions closest so far, among those that can still reach MIN_SIMILARITY
    // (what they add is at most the norm of their part of the query).
    const reach = Math.sqrt(adders.reduce((sum, [, w]) => sum + w * w, 0));
    const found = touched.filter((q) => dots[q]! + reach >= MIN_SIMILARITY);
    // The CANDIDATES-th largest by a native numeric sort: a comparator sort of thousands per query is what cost most.
    const cutoff = found.length <= CANDIDATES ? -Infinity : Float64Array.from(found, (q) => dots[q]!).sort()[found.length - CANDIDATES]!;
    const candidates = cutoff === -Infinity ? found : found.filter((q) => dots[q]! >= cutoff);
    for (const q of candidates) {
      const own = this.questions[q]!.terms;
      for (const [term, w] of adders) dots[q] = dots[q]! + w * (own.get(term) ?? 0);
    }
    const near = candidates
      .filter((q) => dots[q]! >= MIN_SIMILARITY)
      .sort((a, b) => dots[b]! - dots[a]! || a - b)
      .slice(0, MAX_NEIGHBOURS);
    const similarities = near.map((q) => dots[q]!);
    for (const q of touched) dots[q] = 0;
    return { questions: near, similarities };
  }

  /** Passage (doc) → memory in −1..1 from the neighbours at least `threshold` similar; passages without any are absent. */
  recall(neighbours: Neighbours, threshold: number): Map<number, number> {
    const support = new Map<number, { for: number; against: number; closest: number }>();
    neighbours.questions.forEach((q, i) => {
      const similarity = neighbours.similarities[i]!;
      // A hair's tolerance: the same words give a cosine of 1 only up to rounding.
      if (similarity < threshold - 1e-9) return;
      const closeness = threshold >= 1 ? 1 : Math.min(1, (similarity - threshold) / (1 - threshold));
      if (closeness <= 0) return;
      for (const [doc, vote] of this.questions[q]!.votes) {
        if (vote === 0) continue;
        const s = support.get(doc) ?? { for: 0, against: 0, closest: 0 };
        // A vote counts as often as it was cast: texts that differ only in stop words or case are one question.
        if (vote > 0) s.for += closeness * vote;
        else if (closeness >= NEAR) s.against -= closeness * vote;
        else continue;
        s.closest = Math.max(s.closest, closeness);
        support.set(doc, s);
      }
    });
    const memory = new Map<number, number>();
    for (const [doc, s] of support) memory.set(doc, (s.closest * (s.for - s.against)) / (s.for + s.against + CAUTION));
    return memory;
  }
}

function unitVector(terms: ReadonlyMap<string, number>, weight: (term: string) => number): Map<string, number> {
  const vector = new Map<string, number>();
  for (const [term, w] of terms) vector.set(term, w * weight(term));
  let norm = 0;
  for (const w of vector.values()) norm += w * w;
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [term, w] of vector) vector.set(term, w / norm);
  return vector;
}
