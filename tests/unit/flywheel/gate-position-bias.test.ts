import { describe, expect, it } from 'vitest';
import { positionStats } from '../../../backend/flywheel/gate/position-bias.ts';
import type { Annotation, AnnotationOf } from '../../../shared/index.ts';
import { decisionOf, gate, signal } from './gate-fixtures.ts';

let minute = 0;
/** `left` left picks then `right` right picks, a minute apart so rapid fire never interferes. */
function choices(agent: string, left: number, right: number, tenant = 'acme'): Annotation[] {
  const picks = [...Array<string>(left).fill('left'), ...Array<string>(right).fill('right')];
  return picks.map((choice) => signal('preference', agent, ++minute * 60_000, { choice, tenant }));
}

describe('position bias', () => {
  it('sets aside an agent who picks the left reply every time, with the share and n in the detail', () => {
    const biased = choices('lefty', 20, 0);
    const report = gate(biased);
    for (const a of biased) {
      const d = decisionOf(report, a);
      expect(d.weight).toBe(0);
      expect(d.reasons).toHaveLength(1);
      expect(d.reasons[0]!.rule).toBe('position_bias');
      expect(d.reasons[0]!.detail).toContain('20 of 20');
      expect(d.reasons[0]!.detail).toContain('100%');
    }
    expect(report.counts.byRule.position_bias).toBe(20);
    expect(report.counts.byKind.preference.setAside).toBe(20);
  });

  it('halves a clearly but not extremely biased agent (24 of 30 left: z ≈ 3.3, share 0.8)', () => {
    const leaning = choices('leaning', 24, 6);
    const report = gate(leaning);
    expect(new Set(leaning.map((a) => decisionOf(report, a).weight))).toEqual(new Set([0.5]));
    expect(decisionOf(report, leaning[0]!).reasons[0]!.detail).toMatch(/24 of 30 .*80%.*z = 3\.3/);
  });

  it('flags a right-biased agent too: the test is two-sided', () => {
    const righty = choices('righty', 2, 23);
    expect(decisionOf(gate(righty), righty[0]!).weight).toBe(0);
  });

  it('leaves an even-handed agent, a mild lean and too few choices alone', () => {
    const even = choices('even', 10, 10);
    const mild = choices('mild', 17, 5); // z = 2.56 < 3
    const few = choices('few', 19, 0); // n = 19 < 20
    const report = gate([...even, ...mild, ...few]);
    for (const a of [...even, ...mild, ...few]) expect(decisionOf(report, a)).toEqual({ weight: 1, reasons: [] });
    expect(report.counts.byRule.position_bias).toBe(0);
  });

  it('keeps ties and "both bad" of a biased agent: they do not depend on position', () => {
    const biased = choices('lefty', 20, 0);
    const tie = signal('preference', 'lefty', 0, { choice: 'tie' });
    const bothBad = signal('preference', 'lefty', -60_000, { choice: 'both_bad' });
    const report = gate([...biased, tie, bothBad]);
    expect(decisionOf(report, tie).weight).toBe(1);
    expect(decisionOf(report, bothBad).weight).toBe(1);
    expect(decisionOf(report, biased[0]!).weight).toBe(0);
  });

  it('identifies agents per tenant: the same name in two tenants is two agents', () => {
    const a = choices('sam', 12, 0, 'acme');
    const b = choices('sam', 12, 0, 'globex');
    const report = gate([...a, ...b]);
    for (const x of [...a, ...b]) expect(decisionOf(report, x).weight).toBe(1);
    expect(report.agreement.perAgent.map((p) => [p.tenant, p.agent, p.position.n])).toEqual([
      ['acme', 'sam', 12],
      ['globex', 'sam', 12],
    ]);
  });

  it('takes its thresholds from the options', () => {
    const biased = choices('lefty', 12, 0);
    expect(decisionOf(gate(biased), biased[0]!).weight).toBe(1);
    expect(decisionOf(gate(biased, [], { positionMinChoices: 10, positionExtremeWeight: 0.1 }), biased[0]!).weight).toBe(0.1);
  });

  it('computes the binomial z by its normal approximation', () => {
    const stats = positionStats(choices('x', 24, 6) as AnnotationOf<'preference'>[]);
    expect(stats).toMatchObject({ n: 30, left: 24, share: 0.8 });
    expect(stats.z).toBeCloseTo(9 / Math.sqrt(7.5), 10);
  });
});
