/**
 * How close the reply an agent sent is to the suggestion they inserted: normalised edit similarity,
 * 1 - levenshtein(a, b) / max(|a|, |b|) over texts normalised for case, Unicode form and whitespace, so a
 * re-wrapped line or a changed capital does not count as an edit.
 */
import type { z } from 'zod';
import type { AdoptionOutcome } from './annotations.ts';

export function normaliseForComparison(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Edit distance in code points, two rows of memory. */
export function levenshtein(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length < y.length) return levenshtein(b, a);
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  let current = new Array<number>(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    current[0] = i;
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    [previous, current] = [current, previous];
  }
  return previous[y.length]!;
}

/** 1 for the same text (after normalising), 0 for nothing in common or one side empty. */
export function editSimilarity(a: string, b: string): number {
  const x = normaliseForComparison(a);
  const y = normaliseForComparison(b);
  if (x === y) return 1;
  const longest = Math.max(Array.from(x).length, Array.from(y).length);
  return longest === 0 ? 1 : 1 - levenshtein(x, y) / longest;
}

/** At or above: sent as is (allows a stray typo fix). */
export const VERBATIM_AT = 0.98;
/** Below: the agent wrote something else, so the suggestion was rejected. */
export const EDITED_AT = 0.5;

/**
 * The adoption outcome of one send. `inserted` is the candidate text put in the composer, if any.
 * An empty sent text after an insert means the agent cleared it: rejected.
 */
export function adoptionOutcome(inserted: string | undefined, sent: string): { outcome: z.infer<typeof AdoptionOutcome>; similarity?: number } {
  if (inserted === undefined) return { outcome: 'ignored' };
  const similarity = normaliseForComparison(sent) ? editSimilarity(inserted, sent) : 0;
  const rounded = Math.round(similarity * 1000) / 1000;
  if (similarity >= VERBATIM_AT) return { outcome: 'verbatim', similarity: rounded };
  if (similarity >= EDITED_AT) return { outcome: 'edited', similarity: rounded };
  return { outcome: 'rejected', similarity: rounded };
}
