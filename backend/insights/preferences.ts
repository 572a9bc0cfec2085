/**
 * GET /v1/insights/preferences: per reply variant, its wins, losses, ties and "both bad" in side-by-side choices,
 * and its win rate = (wins + ½ ties) / (wins + losses + ties) with a Wilson interval ("both bad" says nothing about
 * which is better, so it is left out of n). Position bias = left picks / (left + right picks): an even 0.5 means
 * agents judge replies, not places. A variant shown against itself counts towards position bias only.
 */
import type { Kysely } from 'kysely';
import type { PreferenceInsights } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';
import { sumCounts } from './counts.ts';
import type { DayWindow } from './window.ts';
import { proportion } from './wilson.ts';

interface Tally {
  wins: number;
  losses: number;
  ties: number;
  bothBad: number;
}

export async function preferenceInsights(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<PreferenceInsights> {
  const tallies = new Map<string, Tally>();
  const tally = (variant: string) => {
    let t = tallies.get(variant);
    if (!t) tallies.set(variant, (t = { wins: 0, losses: 0, ties: 0, bothBad: 0 }));
    return t;
  };
  let left = 0;
  let right = 0;
  for (const { value: choice, variant_a: leftVariant, variant_b: rightVariant, n } of await sumCounts(
    db,
    tenant,
    window,
    ['preference'],
    ['value', 'variant_a', 'variant_b'],
  )) {
    if (choice === 'left') left += n;
    if (choice === 'right') right += n;
    if (leftVariant === rightVariant) continue;
    const l = tally(leftVariant);
    const r = tally(rightVariant);
    if (choice === 'left') {
      l.wins += n;
      r.losses += n;
    } else if (choice === 'right') {
      r.wins += n;
      l.losses += n;
    } else if (choice === 'tie') {
      l.ties += n;
      r.ties += n;
    } else if (choice === 'both_bad') {
      l.bothBad += n;
      r.bothBad += n;
    }
  }
  return {
    window: { from: window.from, to: window.to },
    variants: [...tallies]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([variant, t]) => ({ variant, ...t, winRate: proportion(t.wins + t.ties / 2, t.wins + t.losses + t.ties) })),
    positionBias: proportion(left, left + right),
  };
}
