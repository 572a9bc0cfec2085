/**
 * What agents' relevance checks add to retrieval, built from the promoted ranking artefact over the same passages
 * as the knowledge index: a memory of the questions agents checked (which passages were relevant or irrelevant to
 * each, rag/question-memory.ts) and a prior per passage. Kept apart from the corpus index so a new artefact is
 * applied (or rolled back) without rebuilding the corpus index, and so the corpus features stay as they were.
 */
import type { RankingArtefact } from '../models/artefacts.ts';
import type { PassageRow } from '../store/schema.ts';
import type { Bm25Index } from './bm25.ts';
import { QuestionMemory } from './question-memory.ts';

export interface FeedbackLayer {
  /** Registry id of the artefact (`ranking-default` for none). */
  versionId: string;
  artefact: RankingArtefact;
  /** Questions agents checked and what they judged, by passage; undefined when there are none. */
  memory: QuestionMemory | undefined;
  /** Similarity (cosine) from which a checked question counts as the same question asked again. */
  threshold: number;
  /**
   * Prior per passage (doc number), 0..1 from checks (never below 0: "irrelevant here" is local evidence, kept by
   * the memory); passages flagged outdated or misleading by rationales get −0.5, a property of the passage itself.
   */
  priors: Float32Array;
}

const FLAGGED_PRIOR = -0.5;
/** Threshold of artefacts that predate the memory's own setting. */
export const DEFAULT_MEMORY_THRESHOLD = 0.2;

export function buildFeedbackLayer(
  base: { passages: readonly PassageRow[]; bm25: Bm25Index },
  versionId: string,
  artefact: RankingArtefact,
): FeedbackLayer {
  const { passages, bm25 } = base;
  const docOf = new Map(passages.map((p, i) => [p.id, i]));
  const priors = new Float32Array(passages.length);
  for (const [id, prior] of Object.entries(artefact.priors)) {
    const doc = docOf.get(id);
    if (doc !== undefined) priors[doc] = Math.max(0, prior);
  }
  for (const id of Object.keys(artefact.flagged)) {
    const doc = docOf.get(id);
    if (doc !== undefined) priors[doc] = FLAGGED_PRIOR;
  }
  return {
    versionId,
    artefact,
    memory: questionMemory(docOf, artefact, bm25),
    threshold: artefact.memory?.threshold ?? DEFAULT_MEMORY_THRESHOLD,
    priors,
  };
}

function questionMemory(docOf: ReadonlyMap<string, number>, artefact: RankingArtefact, bm25: Bm25Index): QuestionMemory | undefined {
  const ids = new Set([...Object.keys(artefact.expansions), ...Object.keys(artefact.rejections)]);
  const judged: { doc: number; relevant: readonly string[]; irrelevant: readonly string[] }[] = [];
  for (const id of [...ids].sort()) {
    const doc = docOf.get(id);
    if (doc !== undefined) judged.push({ doc, relevant: artefact.expansions[id] ?? [], irrelevant: artefact.rejections[id] ?? [] });
  }
  if (judged.length === 0) return undefined;
  // Words the knowledge base lacks are as telling as its rarest ones.
  const maxIdf = bm25.maxIdf();
  return new QuestionMemory(judged, (term) => bm25.idf(term) || maxIdf);
}
