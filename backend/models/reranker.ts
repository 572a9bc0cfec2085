/**
 * The second stage: a linear model over a few features of each first-stage candidate. The model is a versioned
 * artefact `{version, features, weights}` so a model learned from agents' feedback can replace the default weights
 * without code changes; suggestions record its version (in the index version).
 *
 * Every feature is computed from the corpus and the conversation alone, for any knowledge base:
 *
 * - `lexical`   BM25F score of the conversation query, over the best in this query's candidates (0..1)
 * - `facet`     how strongly the conversation mentions a facet value the passage carries (an entity, product,
 *               category…), newest mentions counting most, over the best (0..1)
 * - `coverage`  share of the newest customer message's terms the passage holds (0..1)
 * - `title`     share of the newest customer message's terms its title holds (0..1)
 * - `length`    log2 of the body length against the corpus average, halved and clamped (−1..1): longer
 *               passages say more (a prior; its right weight depends on the knowledge base)
 * - `dense`     cosine of the query's and the passage's embeddings (0 for a passage without one). Optional: present
 *               only when dense retrieval ran, so a model may list it but the default model does not.
 *
 * and, once the flywheel has promoted a ranking artefact (rag/feedback-layer.ts), what agents' checks taught:
 *
 * - `prior`     −0.5 for a passage flagged outdated or misleading by rationales, else 0 (older artefacts: 0..1)
 * - `expansion` the memory of checked questions for it, when positive: judged relevant to questions like this (0..1)
 * - `rejection` the same when negative: judged irrelevant to questions very like this (0..1); see rag/question-memory.ts
 */
import { z } from 'zod';

export const FEATURES = ['lexical', 'facet', 'coverage', 'title', 'length', 'dense', 'prior', 'expansion', 'rejection'] as const;
export type FeatureName = (typeof FEATURES)[number];
/** Computed for every candidate. */
export type CoreFeature = 'lexical' | 'facet' | 'coverage' | 'title' | 'length';
export type FeatureVector = Record<CoreFeature, number> & Partial<Record<Exclude<FeatureName, CoreFeature>, number>>;

export const RerankerModel = z
  .object({
    version: z.string().min(1).max(64),
    features: z.array(z.enum(FEATURES)).min(1),
    weights: z.array(z.number().finite()),
  })
  .refine((m) => m.features.length === m.weights.length, { message: 'one weight per feature' })
  .refine((m) => new Set(m.features).size === m.features.length, { message: 'features must not repeat' });
export type RerankerModel = z.infer<typeof RerankerModel>;

/** Default weights, set by hand on the training split of a public data set; a learned model replaces them. */
export const DEFAULT_RERANKER: RerankerModel = {
  version: 'linear-1',
  features: ['lexical', 'facet', 'coverage', 'title', 'length'],
  weights: [0.5, 1, 0.5, 0, 0.15],
};

/** Checks a model (e.g. one loaded from a file) and returns it typed. */
export function loadReranker(value: unknown): RerankerModel {
  return RerankerModel.parse(value);
}

/** The model's score for one candidate: the weighted sum of its features (an absent optional feature counts 0). */
export function rerankScore(model: RerankerModel, features: FeatureVector): number {
  let score = 0;
  for (let i = 0; i < model.features.length; i++) score += model.weights[i]! * (features[model.features[i]!] ?? 0);
  return score;
}

/** Orders candidates by the model's score, best first; ties keep the first-stage order. */
export function rerank<T extends { features: FeatureVector }>(model: RerankerModel, candidates: readonly T[]): (T & { score: number })[] {
  return candidates
    .map((c, i) => ({ ...c, score: rerankScore(model, c.features), order: i }))
    .sort((a, b) => b.score - a.score || a.order - b.order)
    .map(({ order: _order, ...rest }) => rest as unknown as T & { score: number });
}
