import { describe, expect, it } from 'vitest';
import { adoptionOutcome, EDITED_AT, editSimilarity, levenshtein, normaliseForComparison, VERBATIM_AT } from '../../../shared/index.ts';

describe('levenshtein', () => {
  it.each([
    ['', '', 0],
    ['', 'abc', 3],
    ['abc', '', 3],
    ['abc', 'abc', 0],
    ['kitten', 'sitting', 3],
    ['flaw', 'lawn', 2],
    ['gumbo', 'gambol', 2],
    ['abc', 'acb', 2],
  ] as const)('levenshtein(%j, %j) = %i', (a, b, distance) => {
    expect(levenshtein(a, b)).toBe(distance);
    expect(levenshtein(b, a)).toBe(distance);
  });

  it('counts code points, not UTF-16 units', () => {
    expect(levenshtein('😀', '😃')).toBe(1);
    expect(levenshtein('a😀b', 'ab')).toBe(1);
    expect(levenshtein('naïve', 'naive')).toBe(1);
  });

  it('obeys the triangle inequality on a few strings', () => {
    const words = ['refund', 'refunded', 'return', 'retain', ''];
    for (const a of words)
      for (const b of words)
        for (const c of words) {
          expect(levenshtein(a, c)).toBeLessThanOrEqual(levenshtein(a, b) + levenshtein(b, c));
        }
  });
});

describe('normaliseForComparison and editSimilarity', () => {
  it('ignores case, Unicode form and whitespace', () => {
    expect(normaliseForComparison('  Hello\n\nWORLD\t ')).toBe('hello world');
    expect(normaliseForComparison('ﬁne')).toBe('fine');
    expect(editSimilarity('Hi Ada,\nYour refund is on its way.', 'hi ada, your refund   is on its way.')).toBe(1);
  });

  it('is 1 for the same text, 0 when nothing is shared, symmetric, within 0..1', () => {
    expect(editSimilarity('abc', 'abc')).toBe(1);
    expect(editSimilarity('', '')).toBe(1);
    expect(editSimilarity('abc', '')).toBe(0);
    expect(editSimilarity('abc', 'xyz')).toBe(0);
    expect(editSimilarity('kitten', 'sitting')).toBeCloseTo(1 - 3 / 7, 10);
    const a = 'Your refund takes 5 days.';
    const b = 'Your refund takes five working days.';
    expect(editSimilarity(a, b)).toBe(editSimilarity(b, a));
    expect(editSimilarity(a, b)).toBeGreaterThan(0);
    expect(editSimilarity(a, b)).toBeLessThan(1);
  });
});

describe('adoptionOutcome', () => {
  const inserted = 'Hi Ada, sorry the lamp arrived cracked. Send us a photo and we will refund you within 5 days.';

  it('is ignored when nothing was inserted, without a similarity', () => {
    expect(adoptionOutcome(undefined, 'anything')).toEqual({ outcome: 'ignored' });
  });

  it('is verbatim for the same text, also re-wrapped or with changed capitals', () => {
    expect(adoptionOutcome(inserted, inserted)).toEqual({ outcome: 'verbatim', similarity: 1 });
    expect(adoptionOutcome(inserted, inserted.toUpperCase().replace(/ /g, '\n'))).toEqual({ outcome: 'verbatim', similarity: 1 });
  });

  it('is verbatim after a stray typo fix', () => {
    const result = adoptionOutcome(inserted, inserted.replace('cracked', 'crackd'));
    expect(result.outcome).toBe('verbatim');
    expect(result.similarity).toBeGreaterThanOrEqual(VERBATIM_AT);
  });

  it('is edited for a reworded reply that keeps most of the text', () => {
    const sent = 'Hi Ada, so sorry the lamp arrived cracked! Please send us a photo and we will refund you within 5 working days.';
    const result = adoptionOutcome(inserted, sent);
    expect(result.outcome).toBe('edited');
    expect(result.similarity).toBeGreaterThanOrEqual(EDITED_AT);
    expect(result.similarity).toBeLessThan(VERBATIM_AT);
  });

  it('is rejected when the agent wrote something else or cleared the composer', () => {
    expect(adoptionOutcome(inserted, 'Please call us.').outcome).toBe('rejected');
    expect(adoptionOutcome(inserted, '')).toEqual({ outcome: 'rejected', similarity: 0 });
    expect(adoptionOutcome(inserted, '   \n ')).toEqual({ outcome: 'rejected', similarity: 0 });
  });

  it('rounds the similarity to three decimals', () => {
    const result = adoptionOutcome('abcdefg', 'abcdefx');
    expect(result.similarity).toBe(Math.round((6 / 7) * 1000) / 1000);
  });

  it('puts the thresholds in their order', () => {
    expect(EDITED_AT).toBeLessThan(VERBATIM_AT);
    expect(VERBATIM_AT).toBeLessThanOrEqual(1);
  });
});
