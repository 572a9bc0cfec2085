/**
 * Facets: the short, repeated strings a knowledge base labels its documents with — any string metadata field whose
 * values are shared by several documents (a product, an entity, a category, a section), and a title prefix shared
 * by several documents ("Acme Router X2: How do I reset it?"). Nothing here knows a field name: which fields count
 * is decided from the corpus itself.
 *
 * At query time the conversation is scanned for mentions of facet values (as phrases, forgiving case, punctuation,
 * apostrophes, plurals and "guest house"/"guesthouse" compounds, and a missing generic word such as "hotel"), newest
 * turn first, so a reply can be steered towards the documents about what the customer is talking about now even
 * when the last message only says "they" or "it".
 */
import { stem } from './tokenize.ts';

/** One value of one facet and the documents carrying it. */
export interface FacetValue {
  field: string;
  /** The value as first seen in the corpus. */
  label: string;
  /** Normalised name tokens, in order. */
  tokens: string[];
  /** How rare each token is among the field's values. */
  rarity: number[];
  /** Per token, the share of the documents using the word that carry this value (0.1..1): "hobsons" → 1, "two" → low. */
  specificity: number[];
  /** rarity × specificity: how much each token tells that this value is meant. */
  weights: number[];
  /** Per token, whether it is a content word (in the full-text index, not a number word), not a connective. */
  content: boolean[];
  docs: Int32Array;
  /** log(N / documents with this value): a mention of a value that few documents carry says more. */
  idf: number;
}

export interface Mention {
  value: number;
  /** Share of the value's token weight the best phrase in the turn covered, 0..1. */
  coverage: number;
  /**
   * How sure we are the words name the value and that naming it narrows the knowledge down, 0..1: a whole
   * multi-word name, or words found mostly in its documents, on a value few documents carry, count fully; an
   * everyday word that happens to be a tag counts little.
   */
  confidence: number;
  /** How many turns back (0 = newest). */
  turn: number;
  /** coverage × recency decay. */
  weight: number;
}

export interface Found {
  coverage: number;
  confidence: number;
}

export interface FacetLimits {
  /** Longest value, in characters, treated as a name. */
  maxChars: number;
  /** A field counts when its documents per distinct value reach this. */
  minDocsPerValue: number;
  /** Share of a value's token weight a phrase must cover to count as a mention. */
  minCoverage: number;
  /** Weight kept per turn of age. */
  recencyDecay: number;
}

export const DEFAULT_FACET_LIMITS: FacetLimits = { maxChars: 80, minDocsPerValue: 1.5, minCoverage: 0.6, recencyDecay: 0.75 };

const TITLE_PREFIX = /^(.{2,80}?)(?::\s|\s[-–—|]\s)/u;

export interface FacetSource {
  title: string;
  metadata: Record<string, unknown>;
}

/** What the facet index may ask of the full-text index: the documents (ascending) whose text has a term. */
export interface TermDocs {
  docsWith(term: string): Int32Array | undefined;
}

interface TokenRef {
  value: number;
  /** First and last value token positions covered (a compound covers two). */
  from: number;
  to: number;
}

/** Weight kept by a token known only from a misspelling one edit away. */
const FUZZY = 0.8;
/** Specificity of a name word the full-text index does not hold (a stop word: "the", "and", "a"). */
const CONNECTIVE = 0.1;
const MIN_FUZZY_CHARS = 5;
/** Turns looked at, newest first; older ones would weigh next to nothing. */
const MAX_TURNS = 12;
/** Number words are everyday speech ("two nights") even inside a name; they count like connectives. */
const COUNTING = new Set('one two three four five six seven eight nine ten eleven twelve first second third both half'.split(' ').map(stem));

export class FacetIndex {
  readonly values: FacetValue[] = [];
  /** Per document, the facet values it carries. */
  readonly valuesOfDoc: Int32Array[];
  private readonly refs = new Map<string, TokenRef[]>();
  /** Single-character deletions of value tokens → the tokens (for one-edit misspellings). */
  private readonly deletes = new Map<string, string[]>();
  private readonly limits: FacetLimits;
  private readonly text: TermDocs | undefined;
  private readonly fullIdf: number;

  constructor(docs: readonly FacetSource[], text?: TermDocs, limits: FacetLimits = DEFAULT_FACET_LIMITS) {
    this.limits = limits;
    this.text = text;
    const fields = new Map<string, Map<string, { label: string; docs: number[] }>>();
    // Labels repeat across documents: normalise each distinct one once ('' when it cannot be a name).
    const keys = new Map<string, string>();
    const keyOf = (label: string) => {
      let key = keys.get(label);
      if (key === undefined) {
        const words = nameWords(label);
        key = words.some((t) => /\p{L}/u.test(t)) ? words.join(' ') : '';
        keys.set(label, key);
      }
      return key;
    };
    const note = (field: string, raw: unknown, doc: number) => {
      if (typeof raw !== 'string') return;
      const label = raw.trim();
      if (!label || label.length > limits.maxChars) return;
      const key = keyOf(label);
      if (!key) return;
      let values = fields.get(field);
      if (!values) fields.set(field, (values = new Map()));
      let entry = values.get(key);
      if (!entry) values.set(key, (entry = { label, docs: [] }));
      if (entry.docs[entry.docs.length - 1] !== doc) entry.docs.push(doc);
    };
    docs.forEach((d, doc) => {
      for (const [field, value] of Object.entries(d.metadata)) {
        if (Array.isArray(value)) for (const v of value) note(field, v, doc);
        else note(field, value, doc);
      }
      const prefix = TITLE_PREFIX.exec(d.title)?.[1];
      if (prefix) note('\u0000title-prefix', prefix, doc);
    });

    const seen = new Set<string>();
    for (const [field, values] of fields) {
      const withValue = new Set<number>();
      let shared = 0;
      for (const v of values.values()) {
        for (const d of v.docs) withValue.add(d);
        if (v.docs.length > 1) shared++;
      }
      // A label field, not an identifier or free text: values repeat across documents.
      if (values.size < 2 || shared === 0 || withValue.size / values.size < limits.minDocsPerValue) continue;
      const df = new Map<string, number>();
      for (const key of values.keys()) for (const t of new Set(key.split(' '))) df.set(t, (df.get(t) ?? 0) + 1);
      for (const [key, v] of values) {
        if (v.docs.length < 2) continue;
        // The same grouping under another field (an entity that is also the title prefix) is one value.
        const signature = `${key}\u0000${v.docs.length}:${v.docs[0]}:${v.docs[v.docs.length - 1]}`;
        if (seen.has(signature)) continue;
        seen.add(signature);
        const raw = key.split(' ');
        this.values.push({
          field: field === '\u0000title-prefix' ? 'title' : field,
          label: v.label,
          tokens: raw.map(stem),
          rarity: raw.map((t) => Math.log(1 + values.size / df.get(t)!)),
          specificity: [],
          weights: [],
          content: [],
          docs: Int32Array.from(v.docs),
          idf: Math.log(docs.length / v.docs.length),
        });
      }
    }

    const perDoc: number[][] = docs.map(() => []);
    this.values.forEach((v, i) => {
      for (const d of v.docs) perDoc[d]!.push(i);
    });
    this.valuesOfDoc = perDoc.map((list) => Int32Array.from(list));

    // A name word says more the more of the documents using it carry the value ("hobsons" → all of them; "two"
    // or "worth" → few, they are everyday words), and the rarer it is among the field's names.
    const specificity = this.specificities();
    // A value carried by at most 1% of the knowledge base (or 2 documents of a small one) narrows it down fully.
    this.fullIdf = Math.min(Math.log(100), Math.log(Math.max(2, docs.length) / 2)) || 1;
    this.values.forEach((v, i) => {
      // Without the full text to ask, every word but a number word is taken as telling.
      v.specificity = v.tokens.map((t) => (COUNTING.has(t) ? CONNECTIVE : (specificity.get(`${i} ${t}`) ?? (this.text ? CONNECTIVE : 1))));
      v.weights = v.rarity.map((r, p) => r * v.specificity[p]!);
      v.content = v.tokens.map((t) => !COUNTING.has(t) && (!this.text || this.text.docsWith(t) !== undefined));
      const add = (term: string, from: number, to: number) => {
        let list = this.refs.get(term);
        if (!list) this.refs.set(term, (list = []));
        list.push({ value: i, from, to });
      };
      const raw = nameWords(v.label);
      v.tokens.forEach((t, p) => {
        add(t, p, p);
        if (p + 1 < raw.length) add(stem(raw[p]! + raw[p + 1]!), p, p + 1);
      });
    });
    for (const term of this.refs.keys()) {
      if (term.length < MIN_FUZZY_CHARS || /\d/.test(term)) continue;
      for (const d of deletions(term)) {
        const list = this.deletes.get(d);
        if (!list) this.deletes.set(d, [term]);
        else if (!list.includes(term)) list.push(term);
      }
    }
  }

  /** `value token` → share of the documents with the token in their text that carry the value. */
  private specificities(): Map<string, number> {
    const out = new Map<string, number>();
    if (!this.text) return out;
    const valuesWithToken = new Map<string, number[]>();
    this.values.forEach((v, i) => {
      for (const t of new Set(v.tokens)) {
        const list = valuesWithToken.get(t);
        if (list) list.push(i);
        else valuesWithToken.set(t, [i]);
      }
    });
    for (const [token, values] of valuesWithToken) {
      const docs = this.text.docsWith(token);
      if (!docs || docs.length === 0) continue;
      const wanted = new Set(values);
      const inValue = new Map<number, number>();
      for (const d of docs) for (const v of this.valuesOfDoc[d]!) if (wanted.has(v)) inValue.set(v, (inValue.get(v) ?? 0) + 1);
      for (const v of values) out.set(`${v} ${token}`, Math.max(CONNECTIVE, (inValue.get(v) ?? 0) / docs.length));
    }
    return out;
  }

  /** Values mentioned in one text: the share of each value's weight its best phrase covers, and how sure that is. */
  mentionsIn(text: string): Map<number, Found> {
    const found = new Map<number, Found>();
    const spans = new Map<number, number>();
    const raw = nameWords(text);
    const words = raw.map(stem);
    // Each text position (a word, or two words written as one value token) → value token spans it matches.
    const hits = new Map<number, { pos: number; end: number; from: number; to: number; factor: number }[]>();
    const look = (term: string, pos: number, end: number, factor: number) => {
      const refs = this.refs.get(term);
      if (!refs) return false;
      for (const r of refs) {
        let list = hits.get(r.value);
        if (!list) hits.set(r.value, (list = []));
        list.push({ pos, end, from: r.from, to: r.to, factor });
      }
      return true;
    };
    for (let i = 0; i < words.length; i++) {
      const word = words[i]!;
      if (!look(word, i, i, 1) && word.length >= MIN_FUZZY_CHARS && !/\d/.test(word) && !this.text?.docsWith(word)) {
        // An unknown word one edit away from a name word is taken as a misspelling of it.
        const near = new Set<string>();
        for (const d of [word, ...deletions(word)]) for (const t of this.deletes.get(d) ?? []) near.add(t);
        if (this.refs.has(word.slice(0, -1))) near.add(word.slice(0, -1));
        for (const t of near) look(t, i, i, FUZZY);
      }
      if (i + 1 < raw.length) look(stem(raw[i]! + raw[i + 1]!), i, i + 1, 1);
    }
    for (const [value, list] of hits) {
      const v = this.values[value]!;
      const total = v.weights.reduce((a, b) => a + b, 0);
      if (total <= 0) continue;
      // Best phrase: a run of adjacent text words, each matching some token of the value.
      list.sort((a, b) => a.pos - b.pos || a.end - b.end);
      let best = 0;
      let bestSpan = 0;
      let bestSpecific = 0;
      let bestContent = false;
      let covered = new Map<number, number>();
      let runEnd = -2;
      const score = () => {
        let w = 0;
        let specific = 0;
        let content = false;
        for (const [p, factor] of covered) {
          w += v.weights[p]! * factor;
          specific = Math.max(specific, v.specificity[p]! * factor);
          content ||= v.content[p]!;
        }
        if (w > best) [best, bestSpan, bestSpecific, bestContent] = [w, covered.size, specific, content];
      };
      let lastPos = -1;
      for (const h of list) {
        if (h.pos > runEnd + 1) {
          score();
          covered = new Map();
        }
        // One word stands for one token of the value ("two" is not "Two Two").
        if (h.pos === lastPos && h.from === h.to) continue;
        if (h.from === h.to && covered.has(h.from) && list.some((o) => o.pos === h.pos && o.from === o.to && !covered.has(o.from))) continue;
        for (let p = h.from; p <= h.to; p++) covered.set(p, Math.max(covered.get(p) ?? 0, h.factor));
        if (h.from === h.to) lastPos = h.pos;
        runEnd = Math.max(runEnd, h.end);
      }
      score();
      const coverage = best / total;
      if (coverage >= this.limits.minCoverage) {
        // A whole name of two words or more, one of them a content word, is a name ("how to" is not); otherwise
        // trust the phrase as far as its most specific word is found only in the value's documents ("the
        // Gonville" → yes, "worth the money" → hardly).
        const phrase = coverage >= 0.95 && bestSpan >= 2 && bestContent ? 1 : bestSpecific;
        const narrowing = Math.min(1, v.idf / this.fullIdf);
        found.set(value, { coverage, confidence: phrase * narrowing });
        spans.set(value, bestSpan);
      }
    }
    // A value whose words all belong to a longer value matched by a longer phrase ("Nandos" inside "Nandos City
    // Centre") is not a mention of its own.
    for (const a of [...found.keys()]) {
      for (const b of found.keys()) {
        if (a !== b && spans.get(b)! > spans.get(a)! && contains(this.values[b]!.tokens, this.values[a]!.tokens)) {
          found.delete(a);
          break;
        }
      }
    }
    return found;
  }

  /** Mentions across a conversation's turns (oldest first), the newest counting most. One entry per value. */
  detect(turns: readonly string[]): Mention[] {
    const best = new Map<number, Mention>();
    for (let age = 0; age < Math.min(turns.length, MAX_TURNS); age++) {
      const decay = this.limits.recencyDecay ** age;
      for (const [value, { coverage, confidence }] of this.mentionsIn(turns[turns.length - 1 - age]!)) {
        const weight = coverage * decay;
        const prev = best.get(value);
        if (!prev || weight > prev.weight) best.set(value, { value, coverage, confidence, turn: age, weight });
      }
    }
    return [...best.values()].sort((a, b) => b.weight - a.weight || a.value - b.value);
  }
}

/** Words of a name: accents folded, lower case, apostrophes dropped; stop words kept (names use them). */
export function nameWords(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/['’]/g, '')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** Name tokens (lightly stemmed words) of a text. Two adjacent words also meet their compound ("guest house"). */
export function nameTokens(text: string): string[] {
  return nameWords(text).map(stem);
}

function contains(longer: readonly string[], shorter: readonly string[]): boolean {
  const set = new Set(longer);
  return shorter.every((t) => set.has(t));
}

function deletions(word: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < word.length; i++) out.push(word.slice(0, i) + word.slice(i + 1));
  return out;
}
