/**
 * BM25F over a few fields (title, body, metadata), with every posting's contribution computed at build time so a
 * query is a weighted sum over a handful of posting lists. Scores of untouched documents stay zero.
 */
import { tokenize } from './tokenize.ts';

export interface FieldedDoc {
  title: string;
  body: string;
  /** Short metadata strings (section heading, tags, entity names). */
  meta: string;
}

type Field = keyof FieldedDoc;
const FIELDS: Field[] = ['title', 'body', 'meta'];

export interface Bm25Params {
  k1: number;
  weights: Record<Field, number>;
  b: Record<Field, number>;
}

export const DEFAULT_BM25: Bm25Params = {
  k1: 1.2,
  weights: { title: 2, body: 1, meta: 1.5 },
  b: { title: 0.5, body: 0.75, meta: 0.5 },
};

interface Postings {
  docs: Int32Array;
  impacts: Float32Array;
}

export interface Hit {
  doc: number;
  score: number;
}

export class Bm25Index {
  readonly size: number;
  private readonly postings = new Map<string, Postings>();
  private readonly idfs = new Map<string, number>();

  constructor(docs: FieldedDoc[], params: Bm25Params = DEFAULT_BM25) {
    this.size = docs.length;
    const termFreqs = docs.map((doc) => FIELDS.map((f) => countTerms(tokenize(doc[f]))));
    const avgLen = FIELDS.map((_, fi) => average(termFreqs.map((tf) => tf[fi]!.length)) || 1);
    const lists = new Map<string, { docs: number[]; tf: number[] }>();
    termFreqs.forEach((fields, doc) => {
      const combined = new Map<string, number>();
      fields.forEach(({ counts, length }, fi) => {
        const f = FIELDS[fi]!;
        const norm = 1 - params.b[f] + (params.b[f] * length) / avgLen[fi]!;
        for (const [term, n] of counts) combined.set(term, (combined.get(term) ?? 0) + (params.weights[f] * n) / norm);
      });
      for (const [term, tf] of combined) {
        let list = lists.get(term);
        if (!list) lists.set(term, (list = { docs: [], tf: [] }));
        list.docs.push(doc);
        list.tf.push(tf);
      }
    });
    for (const [term, list] of lists) {
      const idf = Math.log(1 + (this.size - list.docs.length + 0.5) / (list.docs.length + 0.5));
      this.idfs.set(term, idf);
      const impacts = Float32Array.from(list.tf, (tf) => (idf * tf) / (params.k1 + tf));
      this.postings.set(term, { docs: Int32Array.from(list.docs), impacts });
    }
  }

  /** Inverse document frequency of a term; 0 for a term no document has. */
  idf(term: string): number {
    return this.idfs.get(term) ?? 0;
  }

  /** The k best documents for weighted query terms, best first. */
  search(query: Map<string, number>, k: number): Hit[] {
    const scores = new Float64Array(this.size);
    const touched: number[] = [];
    for (const [term, weight] of query) {
      const list = this.postings.get(term);
      if (!list) continue;
      for (let i = 0; i < list.docs.length; i++) {
        const doc = list.docs[i]!;
        if (scores[doc] === 0) touched.push(doc);
        scores[doc]! += weight * list.impacts[i]!;
      }
    }
    return touched
      .map((doc) => ({ doc, score: scores[doc]! }))
      .sort((a, b) => b.score - a.score || a.doc - b.doc)
      .slice(0, k);
  }
}

function countTerms(terms: string[]): { counts: Map<string, number>; length: number } {
  const counts = new Map<string, number>();
  for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
  return { counts, length: terms.length };
}

function average(values: number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;
}
