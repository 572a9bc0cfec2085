/**
 * Position bias: the left/right order of the two candidates is random per suggestion, so an attentive agent picks
 * the left one about half the time whatever the candidates. An agent whose share of left picks is far from a half
 * over enough choices is clicking a position, not judging replies: their left/right choices lose weight. Ties and
 * "both bad" do not depend on position and keep theirs.
 */
import type { AnnotationOf } from '../../../shared/index.ts';
import { agentKey, type Finding, type GateItem, type GateOptions, groupBy, keyOf, percent } from './types.ts';

type Preference = AnnotationOf<'preference'>;

export interface PositionStats {
  /** Left/right choices (ties and "both bad" left out). */
  n: number;
  left: number;
  /** left / n. */
  share: number;
  /** (left − n/2) / √(n/4): the binomial test against 0.5 by its normal approximation. */
  z: number;
}

export function positionStats(choices: readonly Preference[]): PositionStats {
  const sided = choices.filter((a) => a.choice === 'left' || a.choice === 'right');
  const n = sided.length;
  const left = sided.filter((a) => a.choice === 'left').length;
  return { n, left, share: n > 0 ? left / n : 0.5, z: n > 0 ? (left - n / 2) / Math.sqrt(n / 4) : 0 };
}

export function positionBias(items: readonly GateItem[], options: GateOptions): Finding[] {
  const findings: Finding[] = [];
  const preferences = items.filter((i) => i.annotation.kind === 'preference');
  for (const [, group] of groupBy(preferences, (i) => agentKey(i.annotation))) {
    const stats = positionStats(group.map((i) => i.annotation as Preference));
    if (stats.n < options.positionMinChoices || Math.abs(stats.z) < options.positionZ) continue;
    const extreme = Math.abs(stats.share - 0.5) >= options.positionExtremeShare - 0.5;
    const factor = extreme ? options.positionExtremeWeight : options.positionWeight;
    const detail =
      `picked the left reply in ${stats.left} of ${stats.n} left/right choices (${percent(stats.share)}), ` +
      `z = ${stats.z.toFixed(1)} against an even split (flagged at |z| ≥ ${options.positionZ})${extreme ? '; extreme' : ''}`;
    for (const item of group) {
      const choice = (item.annotation as Preference).choice;
      if (choice === 'left' || choice === 'right') findings.push({ key: keyOf(item), factor, reason: { rule: 'position_bias', detail } });
    }
  }
  return findings;
}
