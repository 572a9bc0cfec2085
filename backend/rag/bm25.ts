/**
 * BM25F over a few fields (title, body, metadata), with every posting's contribution computed at build time so a
 * query is a weighted sum over a handful of posting lists. Scores of untouched documents stay zero.
 *
 * Besides the score, one pass over the postings also records, per document, how much of the query's weight it
 * holds (term coverage) — the reranker uses it — and title-only postings tell which query terms a title holds.
 */
import { runInSlices } from '../event-loop.ts';
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

/** Per-query scratch space, sized to the corpus and reused, so a query allocates next to nothing. */
export interface Accumulator {
  /** BM25F score per document (0 when untouched). */
  scores: Float64Array;
  /** Sum of the coverage weights of the query terms each document holds. */
  matched: Float64Array;
  /** 1 for a document among the candidates. */
  seen: Uint8Array;
  /** Candidate documents (seeded, then touched by a term), in the order they became candidates. */
  touched: Int32Array;
  count: number;
}

export interface AccumulateOptions {
  /** Each term's weight for the `matched` sums (defaults to the query weight). */
  coverage?: ReadonlyMap<string, number> | undefined;
  /** Documents that are candidates whatever the terms (e.g. those of a mentioned entity). */
  seeds?: Iterable<ArrayLike<number>> | undefined;
  /**
   * A term held by more than this share of the documents only adds to candidates already found by rarer terms
   * (or seeded), once there are at least `minCandidates` — the "continue" strategy: common terms still order the
   * candidates but never flood the candidate set. 1 (the default) lets every term add candidates.
   */
  openShare?: number | undefined;
  minCandidates?: number | undefined;
  /**
   * Terms held by more than this share of the documents are left out (they are as good as stop words) when their
   * posting lists are longer than `skipPostings` — a saving worth having only on a large corpus.
   */
  maxShare?: number | undefined;
  skipPostings?: number | undefined;
}

export class Bm25Index {
  readonly size: number;
  /** Body length in terms, per document. */
  readonly bodyLength: Uint32Array;
  readonly avgBodyLength: number;
  /** Term → term id. */
  private readonly ids: Map<string, number>;
  private readonly idfs: Float64Array;
  /** Postings of term t: docs/impacts[offsets[t] .. offsets[t + 1]), documents ascending. */
  private readonly offsets: Int32Array;
  private readonly postingDocs: Int32Array;
  private readonly impacts: Float32Array;
  /** Title term ids of document d: titleTerms[titleOffsets[d] .. titleOffsets[d + 1]). */
  private readonly titleOffsets: Int32Array;
  private readonly titleTerms: Int32Array;
  private scratch: Accumulator | undefined;

  /**
   * The same index, built in slices that let the event loop serve requests in between: for rebuilding a served
   * index inside the server (20,000 passages took 1.9 s in one piece).
   */
  static async build(docs: readonly FieldedDoc[], params: Bm25Params = DEFAULT_BM25): Promise<Bm25Index> {
    return new Bm25Index(docs, params, await runInSlices(buildParts(docs, params)));
  }

  /** @param parts the index already computed (`build`); computed here, in one piece, when absent */
  constructor(docs: readonly FieldedDoc[], params: Bm25Params = DEFAULT_BM25, parts?: Bm25Parts) {
    const built = parts ?? runToEnd(buildParts(docs, params));
    this.size = docs.length;
    this.ids = built.ids;
    this.bodyLength = built.bodyLength;
    this.avgBodyLength = built.avgBodyLength;
    this.idfs = built.idfs;
    this.offsets = built.offsets;
    this.postingDocs = built.postingDocs;
    this.impacts = built.impacts;
    this.titleOffsets = built.titleOffsets;
    this.titleTerms = built.titleTerms;
  }

  /** Inverse document frequency of a term; 0 for a term no document has. */
  idf(term: string): number {
    const id = this.ids.get(term);
    return id === undefined ? 0 : this.idfs[id]!;
  }

  /** The idf a term held by no document would have: the most a term can weigh. */
  maxIdf(): number {
    return Math.log(1 + (this.size + 0.5) / 0.5);
  }

  /** Documents (ascending) holding a term in any field. */
  docsWith(term: string): Int32Array | undefined {
    const id = this.ids.get(term);
    return id === undefined ? undefined : this.postingDocs.subarray(this.offsets[id]!, this.offsets[id + 1]!);
  }

  /** Whether a document's title holds a term. */
  titleHas(doc: number, term: string): boolean {
    const id = this.ids.get(term);
    if (id === undefined) return false;
    for (let i = this.titleOffsets[doc]!; i < this.titleOffsets[doc + 1]!; i++) if (this.titleTerms[i] === id) return true;
    return false;
  }

  /** Scores the candidate documents of weighted query terms into the shared accumulator (valid until the next call). */
  accumulate(query: ReadonlyMap<string, number>, options: AccumulateOptions = {}): Accumulator {
    const acc = this.reset();
    const { scores, matched, seen, touched } = acc;
    for (const docs of options.seeds ?? []) {
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        if (!seen[doc]) {
          seen[doc] = 1;
          touched[acc.count++] = doc;
        }
      }
    }
    const { postingDocs, impacts, offsets } = this;
    const terms: { id: number; weight: number; cover: number; df: number }[] = [];
    for (const [term, weight] of query) {
      const id = this.ids.get(term);
      if (id === undefined || weight <= 0) continue;
      const cover = options.coverage ? (options.coverage.get(term) ?? 0) : weight;
      terms.push({ id, weight, cover, df: offsets[id + 1]! - offsets[id]! });
    }
    // Rarest first, so the telling terms pick the candidates.
    terms.sort((a, b) => a.df - b.df || a.id - b.id);
    const openDf = (options.openShare ?? 1) * this.size;
    const minCandidates = options.minCandidates ?? 0;
    const maxDf = Math.max((options.maxShare ?? 1) * this.size, options.skipPostings ?? 10_000);
    for (const { id, weight, cover, df } of terms) {
      if (df > maxDf) continue;
      const end = offsets[id + 1]!;
      if (df <= openDf || acc.count < minCandidates) {
        for (let i = offsets[id]!; i < end; i++) {
          const doc = postingDocs[i]!;
          if (!seen[doc]) {
            seen[doc] = 1;
            touched[acc.count++] = doc;
          }
          scores[doc]! += weight * impacts[i]!;
          matched[doc]! += cover;
        }
      } else {
        for (let i = offsets[id]!; i < end; i++) {
          const doc = postingDocs[i]!;
          if (!seen[doc]) continue;
          scores[doc]! += weight * impacts[i]!;
          matched[doc]! += cover;
        }
      }
    }
    return acc;
  }

  /** The k best documents for weighted query terms, best first (ties: lower document number first). */
  search(query: ReadonlyMap<string, number>, k: number): Hit[] {
    const acc = this.accumulate(query);
    return topK(acc.touched.subarray(0, acc.count), acc.scores, k);
  }

  /** Clears the shared accumulator, touching only what the last query touched. */
  private reset(): Accumulator {
    if (!this.scratch) {
      this.scratch = {
        scores: new Float64Array(this.size),
        matched: new Float64Array(this.size),
        seen: new Uint8Array(this.size),
        touched: new Int32Array(this.size),
        count: 0,
      };
      return this.scratch;
    }
    const s = this.scratch;
    for (let i = 0; i < s.count; i++) {
      const doc = s.touched[i]!;
      s.scores[doc] = 0;
      s.matched[doc] = 0;
      s.seen[doc] = 0;
    }
    s.count = 0;
    return s;
  }
}

/** What an index is made of; computed by `buildParts`. */
interface Bm25Parts {
  ids: Map<string, number>;
  bodyLength: Uint32Array;
  avgBodyLength: number;
  idfs: Float64Array;
  offsets: Int32Array;
  postingDocs: Int32Array;
  impacts: Float32Array;
  titleOffsets: Int32Array;
  titleTerms: Int32Array;
}

/** Documents handled between two points where a slice may end. */
const STEP_DOCS = 256;

/** Computes an index, pausing (yielding) every STEP_DOCS documents of each pass so a caller may slice the work. */
function* buildParts(docs: readonly FieldedDoc[], params: Bm25Params): Generator<void, Bm25Parts> {
  const n = docs.length;
  const ids = new Map<string, number>();
  const bodyLength = new Uint32Array(n);
  // Pass 1: every field of every document as term ids; field lengths.
  const fieldTerms: Int32Array[][] = FIELDS.map(() => new Array<Int32Array>(n));
  const lengthSums = FIELDS.map(() => 0);
  const intern = (term: string) => {
    let id = ids.get(term);
    if (id === undefined) ids.set(term, (id = ids.size));
    return id;
  };
  const bodyField = FIELDS.indexOf('body');
  for (let d = 0; d < n; d++) {
    if (d % STEP_DOCS === STEP_DOCS - 1) yield;
    for (let fi = 0; fi < FIELDS.length; fi++) {
      const terms = tokenize(docs[d]![FIELDS[fi]!]);
      const arr = new Int32Array(terms.length);
      for (let i = 0; i < terms.length; i++) arr[i] = intern(terms[i]!);
      fieldTerms[fi]![d] = arr;
      lengthSums[fi]! += terms.length;
      if (fi === bodyField) bodyLength[d] = terms.length;
    }
  }
  const avgLen = lengthSums.map((sum) => (n ? sum / n : 0) || 1);
  const vocabulary = ids.size;

  // Pass 2: combined BM25F term frequency per (document, term), counted, then laid out term by term.
  const tf = new Float64Array(vocabulary);
  const inDoc: number[] = [];
  const weights = FIELDS.map((f) => params.weights[f]);
  const bs = FIELDS.map((f) => params.b[f]);
  function* eachDoc(visit: (d: number, term: number, weight: number) => void): Generator<void> {
    for (let d = 0; d < n; d++) {
      if (d % STEP_DOCS === STEP_DOCS - 1) yield;
      for (let fi = 0; fi < FIELDS.length; fi++) {
        const terms = fieldTerms[fi]![d]!;
        const w = weights[fi]! / (1 - bs[fi]! + (bs[fi]! * terms.length) / avgLen[fi]!);
        for (let i = 0; i < terms.length; i++) {
          const t = terms[i]!;
          if (tf[t] === 0) inDoc.push(t);
          tf[t]! += w;
        }
      }
      for (let i = 0; i < inDoc.length; i++) {
        const t = inDoc[i]!;
        visit(d, t, tf[t]!);
        tf[t] = 0;
      }
      inDoc.length = 0;
    }
  }
  const df = new Int32Array(vocabulary);
  yield* eachDoc((_d, t) => df[t]!++);
  const offsets = new Int32Array(vocabulary + 1);
  for (let t = 0; t < vocabulary; t++) offsets[t + 1] = offsets[t]! + df[t]!;
  const postingDocs = new Int32Array(offsets[vocabulary]!);
  const impacts = new Float32Array(offsets[vocabulary]!);
  const idfs = new Float64Array(vocabulary);
  for (let t = 0; t < vocabulary; t++) idfs[t] = Math.log(1 + (n - df[t]! + 0.5) / (df[t]! + 0.5));
  const fill = Int32Array.from(offsets.subarray(0, vocabulary));
  yield* eachDoc((d, t, freq) => {
    const at = fill[t]!++;
    postingDocs[at] = d;
    impacts[at] = (idfs[t]! * freq) / (params.k1 + freq);
  });

  const titleField = FIELDS.indexOf('title');
  const titleOffsets = new Int32Array(n + 1);
  for (let d = 0; d < n; d++) titleOffsets[d + 1] = titleOffsets[d]! + fieldTerms[titleField]![d]!.length;
  const titleTerms = new Int32Array(titleOffsets[n]!);
  for (let d = 0; d < n; d++) titleTerms.set(fieldTerms[titleField]![d]!, titleOffsets[d]!);
  return { ids, bodyLength, avgBodyLength: avgLen[bodyField]!, idfs, offsets, postingDocs, impacts, titleOffsets, titleTerms };
}

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/** The k documents of `docs` with the highest `scores`, best first; ties go to the lower document number. */
export function topK(docs: ArrayLike<number>, scores: ArrayLike<number>, k: number): Hit[] {
  if (k <= 0 || docs.length === 0) return [];
  const better = (a: number, b: number) => scores[a]! > scores[b]! || (scores[a] === scores[b] && a < b);
  // A min-heap (worst on top) of the best k seen so far.
  const heap: number[] = [];
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    if (heap.length < k) {
      heap.push(doc);
      let c = heap.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!better(heap[p]!, heap[c]!)) break;
        [heap[p], heap[c]] = [heap[c]!, heap[p]!];
        c = p;
      }
    } else if (better(doc, heap[0]!)) {
      heap[0] = doc;
      let p = 0;
      for (;;) {
        const l = 2 * p + 1;
        const r = l + 1;
        let worst = p;
        if (l < heap.length && better(heap[worst]!, heap[l]!)) worst = l;
        if (r < heap.length && better(heap[worst]!, heap[r]!)) worst = r;
        if (worst === p) break;
        [heap[p], heap[worst]] = [heap[worst]!, heap[p]!];
        p = worst;
      }
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : 1)).map((doc) => ({ doc, score: scores[doc]! }));
}
