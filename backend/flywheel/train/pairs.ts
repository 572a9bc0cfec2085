/**
 * The reranker trainer's data: labelled queries turned into weighted preference pairs over flat typed arrays, with
 * the pairwise logistic loss and its derivatives. Flat arrays keep 100k queries of eight candidates in a few tens
 * of megabytes and a Newton iteration to one tight loop.
 */
import type { FeatureName } from '../../rag/reranker.ts';
import { type Evaluation, softplus } from './numeric.ts';

/** One query's shown candidates, best-ranked first, with what the agent said about them. */
export interface LabelledQuery {
  candidates: {
    /** Feature values by name; a missing feature is 0. */
    features: Readonly<Record<string, number>>;
    /** 1 relevant, 0.5 partly, 0 irrelevant; undefined when not judged. */
    label?: number | undefined;
    /** The quality gate's trust in the label, 0..1 (default 1). */
    weight?: number | undefined;
  }[];
}

export interface Pairs {
  queries: number;
  count: number;
  totalWeight: number;
  /** The loss Σ weight · log(1 + e^(−w·(x_better − x_worse))) with its gradient and Hessian. */
  evaluate(w: Float64Array): Evaluation;
  /** The loss, and the weight of the pairs `w` orders right (ties count half). */
  summary(w: Float64Array): { loss: number; right: number };
}

/**
 * Pairs of one query: each labelled candidate over each one labelled lower (weight: both gate weights × the label
 * gap), and, when `softNegativeWeight` > 0, each positively labelled candidate over each unjudged one shown above it
 * (weight: its gate weight × its label × `softNegativeWeight`).
 */
export function buildPairs(queries: readonly LabelledQuery[], features: readonly FeatureName[], softNegativeWeight: number): Pairs {
  const k = features.length;
  // Counted first so the arrays are exactly as long as needed: at 100k queries they are most of the memory.
  let pairCount = 0;
  let rowCount = 0;
  let used = 0;
  let row = new Int32Array(16);
  const eachPair = (q: LabelledQuery, visit: (i: number, j: number, w: number) => void) => {
    const { candidates } = q;
    for (let i = 0; i < candidates.length; i++) {
      const hi = candidates[i]!;
      if (hi.label === undefined || !(hi.label > 0)) continue;
      for (let j = 0; j < candidates.length; j++) {
        const w = pairWeight(hi, candidates[j]!, j < i, softNegativeWeight);
        if (w > 0) visit(i, j, w);
      }
    }
  };
  const mark = (i: number) => {
    if (row[i]! < 0) row[i] = rowCount++;
  };
  for (const q of queries) {
    if (row.length < q.candidates.length) row = new Int32Array(q.candidates.length);
    row.fill(-1);
    const before = pairCount;
    eachPair(q, (i, j) => {
      mark(i);
      mark(j);
      pairCount++;
    });
    if (pairCount > before) used++;
  }

  const x = new Float64Array(rowCount * k);
  const better = new Int32Array(pairCount);
  const worse = new Int32Array(pairCount);
  const weight = new Float64Array(pairCount);
  let rows = 0;
  let count = 0;
  let totalWeight = 0;
  let current: LabelledQuery;
  const rowOf = (i: number) => {
    if (row[i]! < 0) {
      const f = current.candidates[i]!.features;
      for (let a = 0; a < k; a++) x[rows * k + a] = f[features[a]!] ?? 0;
      row[i] = rows++;
    }
    return row[i]!;
  };
  const add = (i: number, j: number, w: number) => {
    better[count] = rowOf(i);
    worse[count] = rowOf(j);
    weight[count++] = w;
    totalWeight += w;
  };
  for (const q of queries) {
    row.fill(-1);
    current = q;
    eachPair(q, add);
  }

  const d = new Float64Array(k);
  /** Fills `d` with pair p's feature difference and returns w·d. */
  const margin = (w: Float64Array, p: number) => {
    const b = better[p]! * k;
    const o = worse[p]! * k;
    let z = 0;
    for (let a = 0; a < k; a++) {
      d[a] = x[b + a]! - x[o + a]!;
      z += w[a]! * d[a]!;
    }
    return z;
  };

  return {
    queries: used,
    count,
    totalWeight,
    evaluate(w) {
      const gradient = new Float64Array(k);
      const hessian = new Float64Array(k * k);
      let value = 0;
      for (let p = 0; p < count; p++) {
        const z = margin(w, p);
        // One exponential for both the loss log(1 + e^−z) and σ(−z), the chance the pair is ordered wrong.
        const e = Math.exp(-Math.abs(z));
        value += weight[p]! * (Math.max(-z, 0) + Math.log1p(e));
        const s = z > 0 ? e / (1 + e) : 1 / (1 + e);
        const g = weight[p]! * s;
        const h = g * (1 - s);
        for (let a = 0; a < k; a++) {
          gradient[a]! -= g * d[a]!;
          for (let b = a; b < k; b++) hessian[a * k + b]! += h * d[a]! * d[b]!;
        }
      }
      for (let a = 0; a < k; a++) for (let b = 0; b < a; b++) hessian[a * k + b] = hessian[b * k + a]!;
      return { value, gradient, hessian };
    },
    summary(w) {
      let loss = 0;
      let right = 0;
      for (let p = 0; p < count; p++) {
        const z = margin(w, p);
        loss += weight[p]! * softplus(-z);
        right += z > 0 ? weight[p]! : z === 0 ? weight[p]! / 2 : 0;
      }
      return { loss, right };
    },
  };
}

type Candidate = LabelledQuery['candidates'][number];

/** How much `hi` should outrank `lo` (≤ 0: not a pair); `loShownAbove` when `lo` was ranked above `hi`. */
function pairWeight(hi: Candidate, lo: Candidate, loShownAbove: boolean, softNegativeWeight: number): number {
  const gate = hi.weight ?? 1;
  if (lo.label === undefined) return loShownAbove ? gate * hi.label! * softNegativeWeight : 0;
  return gate * (lo.weight ?? 1) * (hi.label! - lo.label);
}
