import { describe, expect, it } from 'vitest';
import { ago, humanDuration, until } from '../../../extension/entrypoints/popup/format.ts';

describe('popup wording', () => {
  it('says durations the way people do', () => {
    expect(humanDuration(2_000)).toBe('just now');
    expect(humanDuration(40_000)).toBe('40 s');
    expect(humanDuration(3 * 60_000 + 20_000)).toBe('3 min');
    expect(humanDuration(5 * 3_600_000)).toBe('5 h');
    expect(humanDuration(3 * 86_400_000)).toBe('3 d');
    expect(humanDuration(-5)).toBe('just now');
  });

  it('phrases past and future times', () => {
    expect(ago(null, 0)).toBe('never');
    expect(ago(0, 180_000)).toBe('3 min ago');
    expect(ago(0, 1_000)).toBe('just now');
    expect(until(60_000, 0)).toBe('in 1 min');
    expect(until(0, 10)).toBe('now');
  });
});
