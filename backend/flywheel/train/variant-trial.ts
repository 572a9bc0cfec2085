/**
 * Which two variants are shown next, and which untried variant (if any) is on trial.
 *
 * The shown pair changes only on evidence: the challenger replaces the champion when it is stronger with the stated
 * confidence (decideChampion). A variant nobody has compared yet never takes a slot outright — on the simulated
 * DSTC11 traffic, swapping a confidently weaker challenger for an untried variant cost 1.5 % of adoption for a cycle.
 * Instead it goes on trial: it replaces the challenger on a small, fixed share of tickets (chosen by ticket, so an
 * agent reopening a ticket sees the same pair), and enters the pair only once it beats the challenger with the same
 * confidence. A trial it loses with confidence ends, and the next untried variant of the pool is tried.
 *
 *   nextVariantPolicy({ champion: 'a', challenger: 'b', trial: null }, fitted, ['a', 'b', 'c'])
 *     → { champion: 'a', challenger: 'b', trial: { variant: 'c', share: 0.1 }, … } once b lost to a with confidence
 */
import type { ShownVariants } from '../../rag/shown-variants.ts';
import { type ChampionOptions, decideChampion } from './champion.ts';
import type { FittedVariants } from './variants.ts';

export interface TrialOptions extends ChampionOptions {
  /** Share of tickets an untried variant is shown on (default 0.1). */
  trialShare?: number;
}

export interface VariantStep extends ShownVariants {
  /** P(challenger stronger than champion) after this step's data; null without comparisons between them. */
  confidence: number | null;
  changed: boolean;
  reason: string;
}

export const DEFAULT_TRIAL_SHARE = 0.1;

export function nextVariantPolicy(current: ShownVariants, fitted: FittedVariants, pool: readonly string[], options: TrialOptions = {}): VariantStep {
  const share = options.trialShare ?? DEFAULT_TRIAL_SHARE;
  const head = decideChampion(current, fitted, options);
  const { champion } = head;
  let { challenger } = head;
  let trial = current.trial && pool.includes(current.trial.variant) ? current.trial : null;
  const reasons = [head.reason];

  if (trial) {
    // The trial is against the challenger: what it would replace.
    const versus = decideChampion({ champion: challenger, challenger: trial.variant }, fitted, options);
    if (versus.switched) {
      reasons.push(`${trial.variant} beat ${challenger} on trial (P(stronger) = ${versus.confidence}) and challenges next`);
      challenger = trial.variant;
      trial = null;
    } else if (versus.lost) {
      reasons.push(`${trial.variant} lost its trial to ${challenger} (P(stronger) = ${versus.confidence})`);
      trial = null;
    } else {
      reasons.push(`${trial.variant} stays on trial (${versus.reason})`);
    }
  }

  // A new trial only once the pair now shown is settled (not when a trial variant has just joined it).
  if (!trial && challenger === head.challenger && (head.switched || head.lost)) {
    const shown = new Set([champion, challenger, current.champion, current.challenger, ...(current.trial ? [current.trial.variant] : [])]);
    const untried = pool.find((v) => !shown.has(v) && !(fitted.stats[v]?.comparisons ?? 0));
    if (untried) {
      trial = { variant: untried, share };
      reasons.push(`${untried} goes on trial on ${Math.round(share * 100)} % of tickets`);
    }
  }

  const changed =
    champion !== current.champion ||
    challenger !== current.challenger ||
    trial?.variant !== current.trial?.variant ||
    (trial !== null && trial.share !== current.trial?.share);
  return { champion, challenger, trial, confidence: head.confidence, changed, reason: reasons.join('; ') };
}
