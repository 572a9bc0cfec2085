/**
 * Whether the challenger replaces the champion: only when the fitted strengths say it is stronger with the stated
 * confidence, and both have been compared often enough for the normal approximation to mean something.
 *
 * The confidence is P(s_challenger > s_champion) under the Laplace approximation of the Bradley–Terry fit:
 * Φ(Δ / sd(Δ)), with Var(Δ) taken from the covariance (the two strengths are correlated through the comparisons
 * they share). On a switch the old champion becomes the challenger, so it keeps being compared until a new
 * challenger is named.
 *
 *   decideChampion({ champion: 'a', challenger: 'b' }, trainVariantStrengths(prefs))
 *     → { champion: 'b', challenger: 'a', confidence: 0.991, switched: true, reason: '…' }
 */
import { normalCdf } from './numeric.ts';
import type { FittedVariants } from './variants.ts';

export interface ChampionOptions {
  /** P(challenger stronger) needed to switch (default 0.95). */
  confidence?: number;
  /** Gate-weighted comparisons each of the two needs (default 30). */
  minComparisons?: number;
}

export interface ChampionDecision {
  champion: string;
  challenger: string;
  /** P(challenger stronger than champion); null when either has no comparisons at all. */
  confidence: number | null;
  switched: boolean;
  /** The challenger is weaker with the stated confidence, over enough comparisons. */
  lost: boolean;
  reason: string;
}

export function decideChampion(
  current: { champion: string; challenger: string },
  fitted: FittedVariants,
  options: ChampionOptions = {},
): ChampionDecision {
  const { champion, challenger } = current;
  const needed = options.confidence ?? 0.95;
  const minComparisons = options.minComparisons ?? 30;
  const [c, x] = [fitted.stats[champion], fitted.stats[challenger]];
  if (!c || !x || champion === challenger) {
    return { champion, challenger, confidence: null, switched: false, lost: false, reason: 'no comparisons between the two' };
  }
  const cov = fitted.covariance;
  const variance = cov[challenger]![challenger]! + cov[champion]![champion]! - 2 * cov[champion]![challenger]!;
  const confidence = Math.round(normalCdf((x.strength - c.strength) / Math.sqrt(variance)) * 1e4) / 1e4;
  const stay = (reason: string, lost = false) => ({ champion, challenger, confidence, switched: false, lost, reason });
  const fewest = Math.min(c.comparisons, x.comparisons);
  if (fewest < minComparisons) return stay(`too few comparisons (${round1(fewest)} < ${minComparisons})`);
  if (confidence <= 1 - needed) return stay(`challenger weaker with probability ${round4(1 - confidence)} ≥ ${needed}`, true);
  if (confidence < needed) return stay(`challenger stronger with probability ${confidence} < ${needed}`);
  return {
    champion: challenger,
    challenger: champion,
    confidence,
    switched: true,
    lost: false,
    reason: `challenger stronger with probability ${confidence} ≥ ${needed} (strength ${x.strength} vs ${c.strength})`,
  };
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
