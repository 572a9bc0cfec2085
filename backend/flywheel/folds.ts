/**
 * Folds for cross-validation over checked suggestions. Checks of one ticket, and checks of one question asked again
 * (same words after normalising), always share a fold: otherwise a held-out check would be answered by its own
 * ticket's other checks or by the very same question remembered from training, which measures recall of the
 * training data rather than how the next ticket fares. Groups are dealt to folds in the order they first appeared,
 * so the folds are reproducible and each spans the whole period.
 */
import type { CheckedSuggestion } from './feedback.ts';
import { normaliseQuery } from './train/expansions.ts';

/** Fold number (0..k−1) of each checked suggestion, in input order; k is at most the number of groups. */
export function foldsOf(checked: readonly CheckedSuggestion[], k: number): { fold: number[]; k: number } {
  const parent = checked.map((_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  const firstBy = new Map<string, number>();
  checked.forEach((s, i) => {
    for (const key of [`t:${s.ticket.host}:${s.ticket.ticketId}`, `q:${normaliseQuery(s.question)}`]) {
      const j = firstBy.get(key);
      if (j === undefined) firstBy.set(key, i);
      else parent[find(i)] = find(j);
    }
  });
  const groupFold = new Map<number, number>();
  const folds = Math.max(1, Math.min(k, new Set(checked.map((_, i) => find(i))).size));
  const fold = checked.map((_, i) => {
    const root = find(i);
    let f = groupFold.get(root);
    if (f === undefined) groupFold.set(root, (f = groupFold.size % folds));
    return f;
  });
  return { fold, k: folds };
}

/**
 * Checks scored out of fold per cycle, at most: beyond a few thousand the paired standard error is already a few
 * thousandths, and scoring every one of 100,000 annotations' checks would set the cycle's pace.
 */
export const MAX_SCORED = 3000;

/** Whether check i (of n) is scored: every ⌈n / MAX_SCORED⌉-th, a fixed systematic sample across the whole period. */
export function isScored(i: number, n: number): boolean {
  return i % Math.max(1, Math.ceil(n / MAX_SCORED)) === 0;
}
