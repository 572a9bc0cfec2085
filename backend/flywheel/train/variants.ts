/**
 * Reply variants' strengths from agents' side-by-side preferences, and whether the challenger should replace the
 * champion.
 *
 * Bradley–Terry with a home advantage: P(left preferred) = σ(s_left − s_right + h), where h is the log-odds bonus
 * of being shown on the left (agents favour a slot, so a variant shown there more often would otherwise look
 * stronger). Fitted by Newton's method on the posterior with weak Gaussian priors (strengths and h ~ N(0, 1)), so
 * a variant with few comparisons stays near 0 (the average); the covariance is the inverse Hessian at the mode
 * (Laplace approximation).
 *
 * A tie is half a win for each side; "both bad" says nothing about which is better and is only counted. The stated
 * strength weighs a preference (slight 1, clear 2, strong 3; none stated counts as slight), relative to the others
 * only: the multipliers are rescaled to average 1, so a strong preference outweighs a slight one without making 100
 * comparisons look like 300 to the confidence. Counts (wins, losses, ties) are gate-weighted, not strength-weighted.
 */
import { choleskyInverse, newtonMinimise, softplus } from './numeric.ts';

export interface Preference {
  left: string;
  right: string;
  choice: 'left' | 'right' | 'tie' | 'both_bad';
  strength?: 'slight' | 'clear' | 'strong' | undefined;
  /** The quality gate's trust in the preference, 0..1. */
  weight: number;
}

export const STRENGTH_WEIGHT = { slight: 1, clear: 2, strong: 3 } as const;

export interface FittedVariant {
  /** Log-odds scale, 0 = average; position-corrected. */
  strength: number;
  /** Standard error of `strength`. */
  se: number;
  wins: number;
  losses: number;
  ties: number;
  bothBad: number;
  /** Gate weight of the comparisons (both bad excluded) it took part in. */
  comparisons: number;
}

export interface FittedVariants {
  stats: Record<string, FittedVariant>;
  /** Log-odds advantage of the left slot, and its standard error. */
  positionBias: number;
  positionBiasSe: number;
  /** Posterior covariance of the strengths, by variant. */
  covariance: Record<string, Record<string, number>>;
}

export interface VariantTrainingOptions {
  /** Prior standard deviation of strengths and of the position bias (default 1). */
  priorSd?: number;
}

export function trainVariantStrengths(prefs: readonly Preference[], options: VariantTrainingOptions = {}): FittedVariants {
  const ids = [...new Set(prefs.flatMap((p) => [p.left, p.right]))].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const n = ids.length + 1; // the strengths, then h
  const stats = Object.fromEntries(ids.map((id) => [id, { wins: 0, losses: 0, ties: 0, bothBad: 0, comparisons: 0 }]));

  const compared = prefs.filter((p) => p.choice !== 'both_bad' && p.weight > 0);
  const multiplier = (p: Preference) => (p.choice === 'tie' ? 1 : STRENGTH_WEIGHT[p.strength ?? 'slight']);
  const gate = compared.reduce((sum, p) => sum + p.weight, 0);
  const rescale = gate / (compared.reduce((sum, p) => sum + p.weight * multiplier(p), 0) || 1);
  // Same (left, right) pairs pooled: the likelihood only needs each pair's weight and weighted left wins.
  const pooled = new Map<string, { l: number; r: number; weight: number; leftWins: number }>();
  for (const p of prefs) {
    if (p.choice === 'both_bad') {
      stats[p.left]!.bothBad += p.weight;
      if (p.right !== p.left) stats[p.right]!.bothBad += p.weight;
      continue;
    }
    if (!(p.weight > 0)) continue;
    const w = p.weight * multiplier(p) * rescale;
    const leftScore = p.choice === 'left' ? 1 : p.choice === 'tie' ? 0.5 : 0;
    const key = `${p.left}\u0000${p.right}`;
    const group = pooled.get(key) ?? { l: index.get(p.left)!, r: index.get(p.right)!, weight: 0, leftWins: 0 };
    group.weight += w;
    group.leftWins += w * leftScore;
    pooled.set(key, group);
    if (p.left === p.right) continue; // informs h only
    const [left, right] = [stats[p.left]!, stats[p.right]!];
    left.comparisons += p.weight;
    right.comparisons += p.weight;
    if (p.choice === 'tie') [left.ties, right.ties] = [left.ties + p.weight, right.ties + p.weight];
    else if (p.choice === 'left') [left.wins, right.losses] = [left.wins + p.weight, right.losses + p.weight];
    else [left.losses, right.wins] = [left.losses + p.weight, right.wins + p.weight];
  }

  const precision = 1 / (options.priorSd ?? 1) ** 2;
  const groups = [...pooled.values()];
  const negLogPosterior = (theta: Float64Array) => {
    let value = (precision / 2) * theta.reduce((sum, t) => sum + t * t, 0);
    const gradient = theta.map((t) => precision * t);
    const hessian = new Float64Array(n * n);
    for (let i = 0; i < n; i++) hessian[i * n + i] = precision;
    for (const g of groups) {
      const z = theta[g.l]! - theta[g.r]! + theta[n - 1]!;
      value += g.leftWins * softplus(-z) + (g.weight - g.leftWins) * softplus(z);
      const p = 1 / (1 + Math.exp(-z));
      const residual = g.weight * p - g.leftWins;
      const curvature = g.weight * p * (1 - p);
      // x = e_l − e_r + e_h; with l = r the strengths cancel.
      const x = new Map<number, number>([[n - 1, 1]]);
      if (g.l !== g.r) x.set(g.l, 1).set(g.r, -1);
      for (const [a, xa] of x) {
        gradient[a]! += residual * xa;
        for (const [b, xb] of x) hessian[a * n + b]! += curvature * xa * xb;
      }
    }
    return { value, gradient, hessian };
  };

  const theta = newtonMinimise(negLogPosterior, new Float64Array(n)).x;
  const covariance = choleskyInverse(negLogPosterior(theta).hessian, n);
  const round = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    stats: Object.fromEntries(ids.map((id, i) => [id, { strength: round(theta[i]!), se: round(Math.sqrt(covariance[i * n + i]!)), ...stats[id]! }])),
    positionBias: round(theta[n - 1]!),
    positionBiasSe: round(Math.sqrt(covariance[n * n - 1]!)),
    covariance: Object.fromEntries(ids.map((a, i) => [a, Object.fromEntries(ids.map((b, j) => [b, covariance[i * n + j]!]))])),
  };
}
