/**
 * The numerics the trainers share: a damped Newton minimiser for their small convex problems, the symmetric
 * positive definite k×k solves it needs (row-major, Cholesky: the regularised Hessians are positive definite, so no
 * pivoting), a stable softplus and the normal distribution function.
 */

/** A convex function's value, gradient and row-major Hessian at a point. */
export interface Evaluation {
  value: number;
  gradient: Float64Array;
  hessian: Float64Array;
}

/**
 * Minimises a convex function from `start` by Newton steps, halving a step until the value does not go up. The
 * Hessian must be positive definite (a regulariser makes it so). One evaluation per accepted step: a point's
 * derivatives come with its value, as they cost about the same pass over the data.
 */
export function newtonMinimise(
  evaluate: (x: Float64Array) => Evaluation,
  start: ArrayLike<number>,
  options: { maxIterations?: number; tolerance?: number } = {},
): { x: Float64Array; iterations: number; converged: boolean } {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 50;
  let x = Float64Array.from(start);
  let at = evaluate(x);
  for (let iteration = 1; iteration <= maxIterations; iteration++) {
    const step = choleskySolve(at.hessian, at.gradient, n);
    let moved = 0;
    for (let t = 1; t > 1e-9; t /= 2) {
      const next = x.map((xi, i) => xi - t * step[i]!);
      const nextAt = evaluate(next);
      if (nextAt.value > at.value) continue;
      moved = Math.max(0, ...step.map((s) => Math.abs(t * s)));
      [x, at] = [next, nextAt];
      break;
    }
    // No step lowering the value (moved = 0) means x is the minimum as far as floating point can tell.
    if (moved < (options.tolerance ?? 1e-9)) return { x, iterations: iteration, converged: true };
  }
  return { x, iterations: maxIterations, converged: false };
}

/** Lower-triangular L with L·Lᵀ = a. */
function cholesky(a: ArrayLike<number>, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let m = 0; m < j; m++) sum -= l[i * n + m]! * l[j * n + m]!;
      if (i === j) {
        if (!(sum > 0)) throw new Error('matrix is not positive definite');
        l[i * n + i] = Math.sqrt(sum);
      } else l[i * n + j] = sum / l[j * n + j]!;
    }
  }
  return l;
}

function solveWith(l: Float64Array, b: ArrayLike<number>, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let m = 0; m < i; m++) sum -= l[i * n + m]! * y[m]!;
    y[i] = sum / l[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let m = i + 1; m < n; m++) sum -= l[m * n + i]! * y[m]!;
    y[i] = sum / l[i * n + i]!;
  }
  return y;
}

/** x with a·x = b. */
export function choleskySolve(a: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  return solveWith(cholesky(a, n), b, n);
}

/** a⁻¹ (row-major), e.g. a Laplace approximation's covariance from the Hessian of the negative log posterior. */
export function choleskyInverse(a: ArrayLike<number>, n: number): Float64Array {
  const l = cholesky(a, n);
  const inverse = new Float64Array(n * n);
  const unit = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    unit.fill(0);
    unit[j] = 1;
    const column = solveWith(l, unit, n);
    for (let i = 0; i < n; i++) inverse[i * n + j] = column[i]!;
  }
  return inverse;
}

/** log(1 + e^z) without overflow. */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

/** P(Z ≤ z) for a standard normal Z (erfc by Chebyshev fit, relative error < 1.2e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + x / 2);
  const coefficients = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];
  const series = coefficients.reduceRight((sum, c) => c + t * sum, 0);
  const erfc = t * Math.exp(-x * x + series);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}
