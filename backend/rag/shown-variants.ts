/**
 * The reply variants a suggestion shows, as the promoted variant policy says (the flywheel decides them:
 * flywheel/train/variant-trial.ts): the champion and challenger, and an untried variant on trial in the challenger's
 * place on a fixed share of tickets.
 */
import { fnv1a } from '../../shared/index.ts';

export interface Trial {
  variant: string;
  /** Share of tickets on which it is shown in the challenger's place. */
  share: number;
}

export interface ShownVariants {
  champion: string;
  challenger: string;
  trial: Trial | null;
}

/** The two variants a ticket is shown: on a trial's share of tickets (by a stable hash of its key), the trial in the challenger's place. */
export function shownPair(policy: ShownVariants, ticketKey: string): [string, string] {
  const { champion, challenger, trial } = policy;
  return trial && trial.variant !== champion && unitFraction(ticketKey) < trial.share ? [champion, trial.variant] : [champion, challenger];
}

/** The key's FNV-1a hash, its bits mixed (MurmurHash3's finaliser: keys differing in a last digit differ in every bit), in [0, 1). */
function unitFraction(key: string): number {
  let h = fnv1a(key);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}
