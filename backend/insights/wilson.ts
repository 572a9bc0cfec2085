/**
 * Shares with their 95 % Wilson score interval (Wilson 1927): unlike the normal approximation it stays within
 * [0, 1] and is honest for small n and shares near 0 or 1, which is most of what a new tenant's charts show.
 *
 *   proportion(8, 10) // { value: 0.8, low: 0.4902, high: 0.9433, n: 10 }
 *
 * `successes` may be fractional (a tie counts half a win); n = 0 gives nulls: no share to speak of.
 */
import type { Proportion } from '../../shared/index.ts';

/** The standard normal quantile of 97.5 %. */
const Z95 = 1.959963984540054;

/** Four decimals, as the flywheel's reports. */
const round = (x: number) => Math.round(x * 10_000) / 10_000;

export function wilsonInterval(successes: number, n: number, z = Z95): { low: number; high: number } {
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

export function proportion(successes: number, n: number): Proportion {
  if (n <= 0) return { value: null, low: null, high: null, n: 0 };
  const { low, high } = wilsonInterval(successes, n);
  return { value: round(successes / n), low: round(low), high: round(high), n };
}
