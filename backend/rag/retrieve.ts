/**
 * Retrieval: conversation query → first stage (BM25F blended with facet mentions) → the best RETRIEVE_K → with a
 * query embedding, fused by reciprocal rank with the dense top RETRIEVE_K → reranked by the index's reranker model.
 * Pure over the in-memory index; per query it walks only the postings of the query's terms and the documents of the
 * facet values the conversation mentions (and, dense, one dot product per passage vector).
 */
import { type Hit, topK } from './bm25.ts';
import { DEFAULT_VERSION_ID } from '../models/artefacts.ts';
import { reciprocalRankFusion } from './dense.ts';
import type { Mention } from './facets.ts';
import { questionTerms } from './question-memory.ts';
import type { KnowledgeIndex } from './knowledge-index.ts';
import type { RetrievalQuery } from './query.ts';
import { type FeatureVector, rerank, type RerankerModel } from '../models/reranker.ts';

export interface RetrievalOptions {
  /** Passages the first stage keeps (and the reranker orders). */
  k: number;
  /** Weight of the facet score against the lexical score in the first stage (both scaled to 0..1). */
  facetWeight: number;
  /** Mentions at least this share of the strongest one's weight are used. */
  activeRatio: number;
  /** At most this many mentioned values are used. */
  maxMentions: number;
  /** Use facet mentions at all. */
  facets: boolean;
  /** Terms held by more than this share of the passages only reorder candidates found otherwise (see accumulate). */
  openShare: number;
  /** Terms held by more than this share of the passages are ignored. */
  maxShare: number;

  /** Reranker model; undefined keeps the first-stage order. */
  reranker?: RerankerModel | undefined;
  /**
   * Unit-length embedding of the query's text by the model of the index's vectors. With it the first stage's list is
   * fused with the dense list; without it (or with an index without vectors) retrieval is lexical only.
   */
  queryVector?: Float32Array | undefined;
}

export const DEFAULT_RETRIEVAL: Omit<RetrievalOptions, 'k' | 'reranker'> = {
  facetWeight: 1,
  activeRatio: 0.5,
  maxMentions: 6,
  facets: true,
  openShare: 0.05,
  maxShare: 0.5,
};

export interface RankedHit {
  doc: number;
  score: number;
  features: FeatureVector;
}

export interface FirstStage {
  mentions: Mention[];
  hits: RankedHit[];
  /** Whether the dense list was fused in. */
  dense: boolean;
}

export function retrievePassages(index: KnowledgeIndex, query: RetrievalQuery, options: RetrievalOptions): FirstStage {
  const { bm25, facets } = index;
  // A mention's pull: its weight (coverage, recency) times how sure it is times how few documents carry the value
  // — naming one hotel says more than saying "hotel".
  const pull = (m: Mention) => m.weight * m.confidence * facets.values[m.value]!.idf;
  const all = options.facets ? facets.detect(query.turns).sort((a, b) => pull(b) - pull(a) || a.value - b.value) : [];
  const strongest = all[0] ? pull(all[0]) : 0;
  const mentions = strongest > 0 ? all.filter((m) => pull(m) >= options.activeRatio * strongest).slice(0, options.maxMentions) : [];
  // Facet scores are scaled so the documents of the strongest mentions score as much as the conversation is sure
  // of them.
  const sureness = mentions.reduce((c, m) => Math.max(c, m.confidence), 0);

  const scratch = index.scratch;
  const { facet, combined } = scratch;
  let maxFacet = 0;
  for (const m of mentions) {
    const value = facets.values[m.value]!;
    const add = pull(m);
    for (const doc of value.docs) {
      const f = (facet[doc]! += add);
      if (f > maxFacet) maxFacet = f;
    }
  }
  const acc = bm25.accumulate(query.terms, {
    coverage: query.focus,
    seeds: mentions.map((m) => facets.values[m.value]!.docs),
    openShare: options.openShare,
    maxShare: options.maxShare,
    minCandidates: options.k * 4,
  });
  const docs = acc.touched.subarray(0, acc.count);
  let maxLexical = 0;
  for (let i = 0; i < docs.length; i++) if (acc.scores[docs[i]!]! > maxLexical) maxLexical = acc.scores[docs[i]!]!;
  const lexScale = maxLexical > 0 ? 1 / maxLexical : 0;
  const facetNorm = maxFacet > 0 ? sureness / maxFacet : 0;
  const facetScale = options.facetWeight * facetNorm;
  for (let i = 0; i < docs.length; i++) {
    const doc = docs[i]!;
    combined[doc] = acc.scores[doc]! * lexScale + facet[doc]! * facetScale;
  }
  const lexical = topK(docs, combined, options.k);
  const vector = options.queryVector;
  const dense = vector && vector.length === index.dense?.dims ? index.dense : undefined;
  const fused = dense && vector ? fuse(lexical, dense.search(vector, options.k), options.k) : lexical;
  // Feedback: what agents judged for earlier questions close to this one (the newest customer message).
  const { feedback } = index;
  const memory = feedback.memory
    ? feedback.memory.recall(feedback.memory.neighbours(questionTerms(query.focus.keys(), query.terms.keys())), feedback.threshold)
    : NO_MEMORY;
  const first = memory.size > 0 ? withMemoryHits(fused, memory, options.k) : fused;

  const focusTotal = sum(query.focus.values());
  const candidates = first.map((hit) => {
    const doc = hit.doc;
    let titleMatched = 0;
    for (const [term, w] of query.focus) if (bm25.titleHas(doc, term)) titleMatched += w;
    const features: FeatureVector = {
      lexical: acc.scores[doc]! * lexScale,
      facet: facet[doc]! * facetNorm,
      coverage: focusTotal > 0 ? acc.matched[doc]! / focusTotal : 0,
      title: focusTotal > 0 ? titleMatched / focusTotal : 0,
      length: clamp(Math.log2((1 + bm25.bodyLength[doc]!) / (1 + bm25.avgBodyLength)) / 2, -1, 1),
    };
    if (dense) features.dense = dense.similarity(doc);
    if (feedback.versionId !== DEFAULT_VERSION_ID.ranking) {
      features.prior = feedback.priors[doc]!;
    }
    return { doc, score: hit.score, features };
  });
  if (feedback.versionId !== DEFAULT_VERSION_ID.ranking) {
    const topFacet = strongestFacet(candidates);
    for (const c of candidates) Object.assign(c.features, remembered(memory.get(c.doc) ?? 0, c.features.facet, topFacet));
  }
  scratch.clear(docs);
  return { mentions, hits: options.reranker ? rerank(options.reranker, candidates) : candidates, dense: dense !== undefined };
}

const NO_MEMORY: ReadonlyMap<number, number> = new Map();

/** The strongest facet feature among candidates (0 when the conversation names no facet value). */
export function strongestFacet(candidates: readonly { features: FeatureVector }[]): number {
  let max = 0;
  for (const c of candidates) if (c.features.facet > max) max = c.features.facet;
  return max;
}

/**
 * The memory features of a passage. When the conversation names a facet value (a hotel, a product), a passage
 * remembered for a like question counts only if it carries what this conversation names: "is breakfast included?"
 * about one hotel says nothing about another hotel's breakfast passage.
 */
export function remembered(memory: number, facet: number, topFacet: number): { expansion: number; rejection: number } {
  const sameSubject = topFacet < FACET_NAMED || facet >= 0.5 * topFacet;
  return { expansion: sameSubject ? Math.max(0, memory) : 0, rejection: Math.max(0, -memory) };
}
/**
 * The strongest facet feature from which a conversation names a facet value. A conversation naming one scores
 * ≥ 0.7 (dstc11 test: 621 of 632); a faint one, a word shared with some product's name, scores < 0.2 (stackfaq
 * test: 57 of 375) and must not veto the memory.
 */
const FACET_NAMED = 0.5;
/** Passages remembered as relevant to a question this close join the candidates whatever their text. */
const MEMORY_HITS = 10;
const MEMORY_MIN = 0.3;

/** The first stage's list with the remembered passages it lacks in place of its tail (still at most k). */
export function withMemoryHits(first: readonly Hit[], memory: ReadonlyMap<number, number>, k: number): Hit[] {
  const have = new Set(first.map((h) => h.doc));
  const extra = [...memory]
    .filter(([doc, m]) => m >= MEMORY_MIN && !have.has(doc))
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, MEMORY_HITS)
    .map(([doc]) => ({ doc, score: 0 }));
  if (extra.length === 0) return [...first];
  return [...first.slice(0, Math.max(0, Math.min(first.length, k - extra.length))), ...extra];
}

/** The k best of two ranked lists by reciprocal rank fusion; a hit's score becomes its fused score. */
function fuse(lexical: readonly Hit[], dense: readonly Hit[], k: number): Hit[] {
  return reciprocalRankFusion([lexical.map((h) => h.doc), dense.map((h) => h.doc)])
    .slice(0, k)
    .map(({ id, score }) => ({ doc: id, score }));
}

function sum(values: Iterable<number>): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
