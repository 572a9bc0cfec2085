import { describe, expect, it } from 'vitest';
import { flagPassages, type Rationale } from '../../../backend/flywheel/train/flags.ts';

/** Suggestion s1's candidate c1 cited p1 and p2, c2 cited p3; suggestion s2's c1 cited p1. */
const CITATIONS: Record<string, string[]> = { 's1/c1': ['p1', 'p2', 'p1'], 's1/c2': ['p3'], 's2/c1': ['p1'] };
const citationsOf = (suggestionId: string, candidateId: string | undefined) => CITATIONS[`${suggestionId}/${candidateId}`] ?? [];
const rationale = (suggestionId: string, candidateId: string | undefined, reasons: string[], weight = 1): Rationale => ({
  suggestionId,
  candidateId,
  reasons,
  weight,
});

describe('flagPassages', () => {
  it('flags the passages the criticised candidate cited once reports reach the threshold', () => {
    const flagged = flagPassages({
      rationales: [rationale('s1', 'c1', ['outdated', 'too_long']), rationale('s2', 'c1', ['outdated', 'inaccurate'])],
      citationsOf,
    });
    expect(flagged).toEqual({ p1: ['outdated'] });
  });

  it('weighs reports by the gate, lists codes in a fixed order and ignores reasons that are not about knowledge', () => {
    const rationales = [
      rationale('s1', 'c1', ['inaccurate', 'outdated']),
      rationale('s1', 'c1', ['outdated', 'inaccurate'], 0.5),
      rationale('s1', 'c1', ['wrong_tone', 'incomplete', 'other']),
      rationale('s1', 'c2', ['against_policy'], 0.5),
      rationale('s1', 'c2', ['against_policy'], 0.5),
    ];
    expect(flagPassages({ rationales, citationsOf }, { threshold: 1.5 })).toEqual({
      p1: ['outdated', 'inaccurate'],
      p2: ['outdated', 'inaccurate'],
    });
    expect(flagPassages({ rationales, citationsOf }, { threshold: 1 })).toMatchObject({ p3: ['against_policy'] });
    const tenths = Array.from({ length: 20 }, () => rationale('s1', 'c2', ['irrelevant_knowledge'], 0.1));
    expect(flagPassages({ rationales: tenths, citationsOf })).toEqual({ p3: ['irrelevant_knowledge'] });
  });

  it('leaves a rationale about no known candidate to the caller’s citations', () => {
    expect(flagPassages({ rationales: [rationale('s1', undefined, ['outdated'], 2)], citationsOf })).toEqual({});
    expect(flagPassages({ rationales: [rationale('s1', undefined, ['outdated'], 2)], citationsOf: () => ['p9'] })).toEqual({ p9: ['outdated'] });
  });
});
