/**
 * What agents' relevance checks add to retrieval, built from the promoted ranking artefact over the same passages
 * as the knowledge index: small BM25 indexes of the queries agents judged each passage relevant to (doc2query
 * style expansions) and irrelevant to, and a prior per passage. Kept apart from the corpus index so a new artefact
 * is applied (or rolled back) without rebuilding the corpus index, and so the corpus features stay as they were.
 */
import type { RankingArtefact } from '../flywheel/artefacts.ts';
import type { PassageRow } from '../store/schema.ts';
import { Bm25Index } from './bm25.ts';

export interface FeedbackLayer {
  /** Registry id of the artefact (`ranking-default` for none). */
  versionId: string;
  artefact: RankingArtefact;
  /** Queries judged relevant, one document per passage (empty for most); undefined when there are none. */
  expansions: Bm25Index | undefined;
  /** Queries judged irrelevant, likewise. */
  rejections: Bm25Index | undefined;
  /** Prior per passage (doc number), −1..1; passages flagged outdated or misleading get at most −0.5. */
  priors: Float32Array;
}

/** Query texts of one passage become one document; at most this many characters of it are indexed. */
const MAX_TEXT = 20_000;
const FLAGGED_PRIOR = -0.5;

export function buildFeedbackLayer(passages: readonly PassageRow[], versionId: string, artefact: RankingArtefact): FeedbackLayer {
  const docOf = new Map(passages.map((p, i) => [p.id, i]));
  const priors = new Float32Array(passages.length);
  for (const [id, prior] of Object.entries(artefact.priors)) {
    const doc = docOf.get(id);
    if (doc !== undefined) priors[doc] = prior;
  }
  for (const id of Object.keys(artefact.flagged)) {
    const doc = docOf.get(id);
    if (doc !== undefined) priors[doc] = Math.min(priors[doc]!, FLAGGED_PRIOR);
  }
  return {
    versionId,
    artefact,
    expansions: queryIndex(passages, artefact.expansions),
    rejections: queryIndex(passages, artefact.rejections),
    priors,
  };
}

function queryIndex(passages: readonly PassageRow[], queries: Readonly<Record<string, readonly string[]>>): Bm25Index | undefined {
  if (Object.keys(queries).length === 0) return undefined;
  return new Bm25Index(passages.map((p) => ({ title: '', body: (queries[p.id] ?? []).join(' . ').slice(0, MAX_TEXT), meta: '' })));
}

/** How well one query matches each passage's judged queries: a view over the query index's scratch, valid until its next search. */
export interface SimilarQueries {
  /** Passages that match at all. */
  readonly size: number;
  /** The passage's score over the best in this query's results (0..1); 0 when it does not match. */
  score(doc: number): number;
  /** Passages scoring at least `min`, best first (ties: lower number first). */
  atLeast(min: number): number[];
}

const NO_MATCH: SimilarQueries = { size: 0, score: () => 0, atLeast: () => [] };

/**
 * How well a query matches the queries a passage was judged relevant (or irrelevant) to: the BM25 score over the
 * best in this query's results (0..1), for every passage that matches at all. Read from the index's scratch rather
 * than copied out: a common word touches thousands of passages, and only the candidates' scores are wanted.
 */
export function similarQueryScores(index: Bm25Index | undefined, terms: ReadonlyMap<string, number>): SimilarQueries {
  if (!index) return NO_MATCH;
  const acc = index.accumulate(terms);
  let max = 0;
  let size = 0;
  for (let i = 0; i < acc.count; i++) {
    const score = acc.scores[acc.touched[i]!]!;
    if (score > 0) size++;
    if (score > max) max = score;
  }
  if (max <= 0) return NO_MATCH;
  const { scores, touched, count } = acc;
  return {
    size,
    score: (doc) => scores[doc]! / max,
    atLeast(min) {
      const out: number[] = [];
      for (let i = 0; i < count; i++) if (scores[touched[i]!]! >= min * max) out.push(touched[i]!);
      return out.sort((a, b) => scores[b]! - scores[a]! || a - b);
    },
  };
}
