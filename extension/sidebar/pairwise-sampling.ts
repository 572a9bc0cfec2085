/** Which suggestions ask which reply is better (annotation fatigue: only a share does). */
import { fnv1a } from '../../shared/index.ts';

/**
 * Whether this suggestion asks which reply is better, at `percent` of suggestions: decided by a hash of its id, so
 * re-rendering (or reopening) the same suggestion never re-rolls, and a share of 0 or 100 means never or always.
 */
export function pairwiseSampled(suggestionId: string, percent: number): boolean {
  if (percent >= 100) return true;
  if (percent <= 0) return false;
  return fnv1a(suggestionId) % 100 < percent;
}
