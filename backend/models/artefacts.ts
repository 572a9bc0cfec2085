/**
 * What the flywheel trains, as versioned artefacts kept in the registry (store/model_versions). Two kinds:
 *
 * - `ranking`  the reranker weights plus what relevance checks teach: the questions agents judged each passage
 *              relevant to (expansions) and irrelevant to (rejections), with their conversation — the memory of
 *              checked questions, and how close a new question must be to use it — and passages flagged by
 *              rationales as outdated or misleading. `priors` is read from older versions only (never below 0).
 * - `variants` which reply variants are shown: the champion, the challenger, their estimated strengths from
 *              preferences (position-corrected) and adoption rates.
 *
 * The built-in defaults are versions too (`ranking-default`, `variants-default`), so every suggestion can name the
 * versions that produced it and a rollback always has somewhere to go.
 */
import { z } from 'zod';
import { DEFAULT_RERANKER, RerankerModel } from './reranker.ts';

export const ARTEFACT_KINDS = ['ranking', 'variants'] as const;
export type ArtefactKind = (typeof ARTEFACT_KINDS)[number];

export const RankingArtefact = z.object({
  reranker: RerankerModel,
  /** Passage id → prior, used (never below 0) as the reranker's `prior` feature; new versions learn none. */
  priors: z.record(z.string(), z.number().min(-1).max(1)),
  /** Passage id → question texts judged relevant to it, each with its conversation after a pilcrow (question-memory.ts). */
  expansions: z.record(z.string(), z.array(z.string().max(2_000)).max(64)),
  /** Passage id → question texts judged irrelevant to it, likewise. */
  rejections: z.record(z.string(), z.array(z.string().max(2_000)).max(64)),
  /** Passage id → rationale codes (outdated, inaccurate…) agents gave when replies citing it were rejected. */
  flagged: z.record(z.string(), z.array(z.string()).min(1)),
  /** How close a new question must be to a checked one (cosine) for its checks to count (absent: the default). */
  memory: z.object({ threshold: z.number().min(0).max(1) }).optional(),
});
export type RankingArtefact = z.infer<typeof RankingArtefact>;

export const VariantStats = z.object({
  /** Bradley–Terry strength (log scale, 0 = average), corrected for the position it was shown in. */
  strength: z.number(),
  wins: z.number().nonnegative(),
  losses: z.number().nonnegative(),
  ties: z.number().nonnegative(),
  /** (verbatim + edited) / (verbatim + edited + rejected) over the replies its candidate was inserted in; null before any. */
  adoptionRate: z.number().min(0).max(1).nullable(),
  adoptions: z.number().nonnegative(),
});
export type VariantStats = z.infer<typeof VariantStats>;

export const VariantPolicy = z.object({
  champion: z.string().min(1),
  challenger: z.string().min(1),
  stats: z.record(z.string(), VariantStats),
  /** Probability the challenger is stronger than the champion, when the last decision was made. */
  confidence: z.number().min(0).max(1).nullable(),
  /** An untried variant shown in the challenger's place on a share of tickets until it proves itself (absent in older versions). */
  trial: z
    .object({ variant: z.string().min(1), share: z.number().gt(0).max(0.5) })
    .nullable()
    .optional(),
});
export type VariantPolicy = z.infer<typeof VariantPolicy>;

export const DEFAULT_RANKING: RankingArtefact = { reranker: DEFAULT_RERANKER, priors: {}, expansions: {}, rejections: {}, flagged: {} };

export const DEFAULT_VERSION_ID: Record<ArtefactKind, string> = { ranking: 'ranking-default', variants: 'variants-default' };
