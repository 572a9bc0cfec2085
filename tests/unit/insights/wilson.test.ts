import { describe, expect, it } from 'vitest';
import { proportion, wilsonInterval } from '../../../backend/insights/wilson.ts';

describe('Wilson interval', () => {
  it('matches published values (Newcombe 1998, table I: 81/263 and 15/148)', () => {
    const a = wilsonInterval(81, 263);
    expect(a.low).toBeCloseTo(0.2553, 4);
    expect(a.high).toBeCloseTo(0.3662, 4);
    const b = wilsonInterval(15, 148);
    expect(b.low).toBeCloseTo(0.0624, 4);
    expect(b.high).toBeCloseTo(0.1605, 4);
  });

  it('stays within [0, 1] at the extremes, where the normal approximation would not', () => {
    expect(proportion(0, 4)).toEqual({ value: 0, low: 0, high: 0.4899, n: 4 });
    expect(proportion(4, 4)).toEqual({ value: 1, low: 0.5101, high: 1, n: 4 });
    expect(proportion(0, 1)).toEqual({ value: 0, low: 0, high: 0.7935, n: 1 });
  });

  it('takes half successes (a tie counts half a win) and rounds to four decimals', () => {
    expect(proportion(3.5, 6)).toEqual({ value: 0.5833, low: 0.2411, high: 0.8605, n: 6 });
    expect(proportion(8, 10)).toEqual({ value: 0.8, low: 0.4902, high: 0.9433, n: 10 });
  });

  it('is symmetric: the interval of the misses mirrors that of the hits', () => {
    const hits = wilsonInterval(7, 30);
    const misses = wilsonInterval(23, 30);
    expect(hits.low).toBeCloseTo(1 - misses.high, 12);
    expect(hits.high).toBeCloseTo(1 - misses.low, 12);
  });

  it('narrows as n grows', () => {
    const width = (n: number) => {
      const { low, high } = wilsonInterval(n / 2, n);
      return high - low;
    };
    expect(width(10)).toBeGreaterThan(width(100));
    expect(width(100)).toBeGreaterThan(width(10_000));
  });

  it('gives nulls without any observation', () => {
    expect(proportion(0, 0)).toEqual({ value: null, low: null, high: null, n: 0 });
  });
});
