/**
 * Learns the reranker's weights from relevance checks: pairwise logistic regression (RankNet with a linear scorer).
 * Within each query, every candidate labelled higher should outscore every candidate labelled lower; a candidate
 * marked irrelevant is a hard negative (it was retrieved, shown, and judged wrong, so it is exactly what the model
 * must learn to push down). A pair counts its candidates' gate weights times their label gap.
 *
 * The loss is regularised toward the base model (λ/2·‖w − w_base‖², λ worth about as many pairs), so a handful of labels
 * barely moves a model and plenty of them override it. Few features make Newton's method cheap and exact: each
 * iteration is one pass over the pairs and a k×k solve, with step halving so the loss never goes up.
 *
 * Ranking depends on the weights' ratios only, yet the logistic loss also sets their scale (how sure a score gap
 * makes it). The fitted weights are therefore rescaled to the base model's norm: versions stay comparable weight
 * by weight, and the ordering is the fitted one.
 *
 *   const { model, stats } = trainReranker(queries, DEFAULT_RERANKER, { features: [...DEFAULT_RERANKER.features, 'dense'] });
 */
import type { FeatureName, RerankerModel } from '../../rag/reranker.ts';
import { newtonMinimise } from './numeric.ts';
import { buildPairs, type LabelledQuery } from './pairs.ts';

export type { LabelledQuery } from './pairs.ts';

export interface RerankerTrainingOptions {
  /** Features of the learned model (default the base model's); new ones start at weight 0. */
  features?: readonly FeatureName[];
  /** Version of the learned model (default `learned-<n+1>` after a base `learned-<n>`, else `learned-1`). */
  version?: string;
  /** Strength λ > 0 of the pull toward the base weights, in pairs' worth of evidence (default 20). */
  regularisation?: number;
  /** Weight of a pair "relevant below an unlabelled candidate shown above it" (default 0: not used). */
  softNegativeWeight?: number;
  /** Newton iterations at most (default 30). */
  maxIterations?: number;
}

export interface RerankerTrainingStats {
  /** Queries that gave at least one pair. */
  queries: number;
  pairs: number;
  /** Sum of the pairs' weights. */
  pairWeight: number;
  /** Weighted mean pairwise logistic loss of the start weights and of the fitted ones (before rescaling). */
  baseLoss: number;
  loss: number;
  /** Weighted share of pairs ordered right, by the start weights and by the learned ones (ties count half). */
  baseAccuracy: number;
  accuracy: number;
  iterations: number;
  converged: boolean;
  /** Norm of the fitted weights over the base model's norm (the factor divided out). */
  scale: number;
}

export function trainReranker(
  queries: readonly LabelledQuery[],
  base: RerankerModel,
  options: RerankerTrainingOptions = {},
): { model: RerankerModel; stats: RerankerTrainingStats } {
  const features = [...(options.features ?? base.features)];
  const start = features.map((f) => {
    const i = base.features.indexOf(f);
    return i < 0 ? 0 : base.weights[i]!;
  });
  const pairs = buildPairs(queries, features, options.softNegativeWeight ?? 0);
  const lambda = options.regularisation ?? 20;
  const k = features.length;

  const fit =
    pairs.count === 0
      ? { x: Float64Array.from(start), iterations: 0, converged: true }
      : newtonMinimise(
          (w) => {
            const at = pairs.evaluate(w);
            for (let a = 0; a < k; a++) {
              at.value += (lambda / 2) * (w[a]! - start[a]!) ** 2;
              at.gradient[a]! += lambda * (w[a]! - start[a]!);
              at.hessian[a * k + a]! += lambda;
            }
            return at;
          },
          start,
          { maxIterations: options.maxIterations ?? 30, tolerance: 1e-7 },
        );
  const w = fit.x;

  const baseNorm = Math.hypot(...start);
  const fittedNorm = Math.hypot(...w);
  const scale = baseNorm > 0 && fittedNorm > 0 ? fittedNorm / baseNorm : 1;
  const weights = Array.from(w, (x) => round(x / scale));
  const total = pairs.totalWeight || 1;
  const before = pairs.summary(Float64Array.from(start));
  const after = pairs.summary(w);
  return {
    model: { version: options.version ?? nextVersion(base.version), features, weights },
    stats: {
      queries: pairs.queries,
      pairs: pairs.count,
      pairWeight: round(pairs.totalWeight),
      baseLoss: round(before.loss / total),
      loss: round(after.loss / total),
      baseAccuracy: round(before.right / total),
      accuracy: round(after.right / total),
      iterations: fit.iterations,
      converged: fit.converged,
      scale: round(scale),
    },
  };
}

function nextVersion(base: string): string {
  const n = /^learned-(\d+)$/.exec(base)?.[1];
  return `learned-${n === undefined ? 1 : Number(n) + 1}`;
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;
