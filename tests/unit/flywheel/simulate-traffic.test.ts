import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../../shared/index.ts';
import { LIMITS } from '../../../shared/index.ts';
import { prng } from '../../../backend/prng.ts';
import { batchLength, planCycles, SLOT_MS } from '../../../backend/flywheel/simulate/traffic.ts';

describe('planCycles', () => {
  const end = Date.parse('2026-03-01T00:00:00Z');
  const plans = planCycles(50, 3, 4, prng(9), end);

  it('replays every query once per cycle, in a fresh order, each by one of the agents', () => {
    expect(plans).toHaveLength(3);
    for (const p of plans) {
      expect(p.tickets.map((t) => t.query).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(p.tickets.every((t) => t.agent >= 0 && t.agent < 4)).toBe(true);
    }
    expect(plans[0]!.tickets.map((t) => t.query)).not.toEqual(plans[1]!.tickets.map((t) => t.query));
  });

  it('lays out the days in order, the last ticket slot ending before the end time', () => {
    for (let c = 1; c < plans.length; c++) {
      const busiest = Math.max(...[0, 1, 2, 3].map((a) => plans[c - 1]!.tickets.filter((t) => t.agent === a).length));
      expect(plans[c]!.dayStartMs).toBeGreaterThanOrEqual(plans[c - 1]!.dayStartMs + busiest * SLOT_MS);
    }
    const last = plans[2]!;
    const busiest = Math.max(...[0, 1, 2, 3].map((a) => last.tickets.filter((t) => t.agent === a).length));
    expect(last.dayStartMs + busiest * SLOT_MS).toBeLessThanOrEqual(end);
  });

  it('takes a sample per cycle with perCycle, and is the same for the same seed', () => {
    expect(planCycles(50, 2, 4, prng(9), end, 10).map((p) => p.tickets.length)).toEqual([10, 10]);
    expect(planCycles(50, 3, 4, prng(9), end)).toEqual(plans);
  });
});

describe('batchLength', () => {
  const item = (chars: number) => ({ sentText: 'x'.repeat(chars) }) as unknown as Annotation;

  it('takes at most LIMITS.batchItems signals', () => {
    expect(batchLength(Array.from({ length: 250 }, () => item(10)))).toBe(LIMITS.batchItems);
    expect(batchLength(Array.from({ length: 7 }, () => item(10)))).toBe(7);
  });

  it('stays within LIMITS.batchBytes, but always sends at least one', () => {
    const n = batchLength(Array.from({ length: 100 }, () => item(10_000)));
    expect(n).toBeGreaterThan(0);
    expect(n * 10_020).toBeLessThanOrEqual(LIMITS.batchBytes);
    expect(batchLength([item(300_000)])).toBe(1);
  });
});
