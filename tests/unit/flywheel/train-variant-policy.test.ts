import { describe, expect, it } from 'vitest';
import { prng } from '../../../backend/prng.ts';
import { decideChampion } from '../../../backend/flywheel/train/champion.ts';
import { normalCdf } from '../../../backend/flywheel/train/numeric.ts';
import { type Preference, trainVariantStrengths } from '../../../backend/flywheel/train/variants.ts';

/**
 * Preferences simulated from a known Bradley–Terry model: each comparison draws two different variants, puts the
 * first on the left with probability `leftShare[first]` (default ½), and the left one wins with σ(s_l − s_r + bias).
 */
function simulate(
  strengths: Record<string, number>,
  count: number,
  options: { bias?: number; leftShare?: Record<string, number>; seed?: number } = {},
): Preference[] {
  const random = prng(options.seed ?? 3);
  const ids = Object.keys(strengths);
  return Array.from({ length: count }, () => {
    const a = ids[Math.floor(random() * ids.length)]!;
    const others = ids.filter((id) => id !== a);
    const b = others[Math.floor(random() * others.length)]!;
    const [left, right] = random() < (options.leftShare?.[a] ?? 0.5) ? [a, b] : [b, a];
    const p = 1 / (1 + Math.exp(-(strengths[left]! - strengths[right]! + (options.bias ?? 0))));
    return { left, right, choice: random() < p ? 'left' : 'right', weight: 1 };
  });
}

const repeat = (n: number, p: Preference) => Array.from({ length: n }, () => p);
/** The same preferences again with the sides swapped, so position and strength are not confounded. */
const bothWays = (prefs: Preference[]): Preference[] => [
  ...prefs,
  ...prefs.map(
    (p): Preference => ({ ...p, left: p.right, right: p.left, choice: p.choice === 'left' ? 'right' : p.choice === 'right' ? 'left' : p.choice }),
  ),
];

describe('trainVariantStrengths', () => {
  it('recovers the strengths and the left slot’s bias', () => {
    const fitted = trainVariantStrengths(simulate({ a: 0.6, b: 0, c: -0.6 }, 6_000, { bias: 0.4 }));
    const { a, b, c } = fitted.stats;
    expect(a!.strength).toBeGreaterThan(b!.strength);
    expect(b!.strength).toBeGreaterThan(c!.strength);
    expect(a!.strength - c!.strength).toBeCloseTo(1.2, 0);
    expect(Math.abs(a!.strength + b!.strength + c!.strength)).toBeLessThan(1e-6); // 0 = the average
    expect(fitted.positionBias).toBeGreaterThan(0.3);
    expect(fitted.positionBias).toBeLessThan(0.5);
    expect(fitted.positionBiasSe).toBeLessThan(0.05);
    expect(a!.wins + a!.losses).toBe(a!.comparisons);
  });

  it('corrects for position: an equal variant shown mostly on the favoured side does not look stronger', () => {
    const prefs = simulate({ a: 0, b: 0 }, 4_000, { bias: 0.8, leftShare: { a: 0.9, b: 0.1 } });
    const { a, b } = trainVariantStrengths(prefs).stats;
    expect(a!.wins / a!.comparisons).toBeGreaterThan(0.6); // the raw win rate is fooled…
    expect(Math.abs(a!.strength - b!.strength)).toBeLessThan(0.15); // …the fit is not
  });

  it('keeps variants with little evidence near 0 with a wide error', () => {
    const { a, b } = trainVariantStrengths([{ left: 'a', right: 'b', choice: 'left', weight: 1 }]).stats;
    expect(a!.strength).toBeGreaterThan(0);
    expect(a!.strength).toBeLessThan(0.3);
    expect(b!.strength).toBeCloseTo(-a!.strength, 6);
    expect(a!.se).toBeGreaterThan(0.6);
  });

  it('counts ties as half wins and both-bad apart', () => {
    const prefs: Preference[] = [
      ...repeat(20, { left: 'a', right: 'b', choice: 'tie', weight: 1 }),
      ...repeat(20, { left: 'b', right: 'a', choice: 'tie', weight: 1 }),
      ...repeat(30, { left: 'a', right: 'b', choice: 'both_bad', weight: 1 }),
    ];
    const { stats, positionBias } = trainVariantStrengths(prefs);
    expect(stats.a).toMatchObject({ strength: 0, wins: 0, losses: 0, ties: 40, bothBad: 30, comparisons: 40 });
    expect(positionBias).toBe(0);
  });

  it('weighs strong preferences over slight ones without inflating the evidence', () => {
    const prefs: Preference[] = [
      ...repeat(10, { left: 'a', right: 'b', choice: 'left', strength: 'strong', weight: 1 }),
      ...repeat(10, { left: 'a', right: 'b', choice: 'right', strength: 'slight', weight: 1 }),
    ];
    const fitted = trainVariantStrengths(bothWays(prefs));
    expect(fitted.stats.a!.strength).toBeGreaterThan(fitted.stats.b!.strength);
    const unweighted = trainVariantStrengths(bothWays(prefs.map(({ strength: _, ...p }) => p)));
    expect(unweighted.stats.a!.strength).toBeCloseTo(0, 6);
    expect(fitted.stats.a!.se).toBeCloseTo(unweighted.stats.a!.se, 2);
    expect(fitted.stats.a).toMatchObject({ wins: 20, losses: 20 }); // counts are comparisons, not strength-weighted
  });

  it('scales by gate weight and ignores zero-weight preferences', () => {
    const fitted = trainVariantStrengths([
      { left: 'a', right: 'b', choice: 'left', weight: 0.5 },
      { left: 'a', right: 'b', choice: 'right', weight: 0 },
    ]);
    expect(fitted.stats.a).toMatchObject({ wins: 0.5, losses: 0, comparisons: 0.5 });
  });
});

describe('decideChampion', () => {
  const current = { champion: 'a', challenger: 'b' };

  it('does not switch on weak evidence', () => {
    const prefs = [
      ...repeat(7, { left: 'b', right: 'a', choice: 'left', weight: 1 } as Preference),
      ...repeat(3, { left: 'a', right: 'b', choice: 'left', weight: 1 } as Preference),
    ];
    const decision = decideChampion(current, trainVariantStrengths(prefs), { minComparisons: 0 });
    expect(decision).toMatchObject({ champion: 'a', challenger: 'b', switched: false });
    expect(decision.confidence).toBeGreaterThan(0.5);
    expect(decision.confidence).toBeLessThan(0.95);
    expect(decision.reason).toMatch(/probability/);
  });

  it('switches when the challenger is stronger with the stated confidence, and keeps the old champion as challenger', () => {
    const fitted = trainVariantStrengths(simulate({ a: 0, b: 0.5 }, 600, { bias: 0.3 }));
    const decision = decideChampion(current, fitted);
    expect(decision).toMatchObject({ champion: 'b', challenger: 'a', switched: true });
    expect(decision.confidence).toBeGreaterThan(0.99);
    expect(decideChampion(current, fitted, { minComparisons: 1_000 })).toMatchObject({
      champion: 'a',
      switched: false,
      reason: expect.stringMatching(/too few/),
    });
  });

  it('keeps a champion that is the stronger one', () => {
    const decision = decideChampion(current, trainVariantStrengths(simulate({ a: 0.5, b: 0 }, 600)));
    expect(decision.switched).toBe(false);
    expect(decision.confidence).toBeLessThan(0.05);
  });

  it('has no confidence for a variant never compared', () => {
    expect(decideChampion({ champion: 'a', challenger: 'z' }, trainVariantStrengths(simulate({ a: 0, b: 0 }, 50)))).toMatchObject({
      confidence: null,
      switched: false,
    });
  });
});

describe('normalCdf', () => {
  it('matches the standard normal table', () => {
    expect(normalCdf(0)).toBeCloseTo(0.5, 6);
    expect(normalCdf(1.644854)).toBeCloseTo(0.95, 6);
    expect(normalCdf(-1.959964)).toBeCloseTo(0.025, 6);
  });
});
