import { describe, expect, it } from 'vitest';
import type { Annotation } from '../../../shared/index.ts';
import { decisionOf, gate, signal, suggestion } from './gate-fixtures.ts';

/** Relevance labels by `agent` at the given times (ms), on snippets k1, k2, … of suggestion `s`. */
const labels = (agent: string, times: number[], s = 'sugg-1') =>
  times.map((ms, i) => signal('relevance', agent, ms, { suggestionId: s, snippetId: `k${i + 1}`, articleId: `a${i + 1}`, rank: i + 1 }));
const weights = (report: ReturnType<typeof gate>, list: Annotation[]) => list.map((a) => decisionOf(report, a).weight);

describe('rapid fire', () => {
  it('down-weights a burst of five or more clicks each under 400 ms apart, with the burst in the detail', () => {
    const burst = labels('ann', [0, 200, 400, 600, 800, 1000]);
    const report = gate(burst);
    expect(weights(report, burst)).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.25]);
    expect(decisionOf(report, burst[0]!).reasons).toEqual([
      { rule: 'rapid_fire', detail: '6 signals in 1.0 s, each under 400 ms after the last (shortest gap 200 ms)' },
    ]);
    expect(report.counts.byRule.rapid_fire).toBe(6);
  });

  it('leaves four quick clicks, and any number at a reading pace, alone', () => {
    const four = labels('ann', [0, 100, 200, 300]);
    const paced = labels('bob', [0, 1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 9_000]);
    const edge = labels('cy', [0, 400, 800, 1_200, 1_600]); // exactly 400 ms is not "under"
    const report = gate([...four, ...paced, ...edge]);
    for (const a of [...four, ...paced, ...edge]) expect(decisionOf(report, a).weight).toBe(1);
  });

  it('catches a sweep over all 8 snippets within a second even when one pause splits the burst', () => {
    const sweep = labels('ann', [0, 50, 100, 150, 570, 620, 670, 720]);
    const report = gate(sweep, [suggestion('sugg-1')]);
    expect(weights(report, sweep)).toEqual(Array(8).fill(0.25));
    expect(decisionOf(report, sweep[0]!).reasons[0]!.detail).toBe('relevance labels on 8 snippets of suggestion sugg-1 within 720 ms');
  });

  it('does not call 8 labels over several seconds a sweep', () => {
    const slow = labels('ann', [0, 50, 100, 150, 2_570, 2_620, 2_670, 2_720]);
    expect(weights(gate(slow), slow)).toEqual(Array(8).fill(1));
  });

  it('looks at each agent on their own: two agents clicking in turn are not one burst', () => {
    const ann = labels('ann', [0, 600, 1_200, 1_800, 2_400, 3_000]);
    const bob = labels('bob', [300, 900, 1_500, 2_100, 2_700, 3_300]);
    const report = gate([...ann, ...bob]);
    for (const a of [...ann, ...bob]) expect(decisionOf(report, a).weight).toBe(1);
  });

  it('never touches adoptions or missing-knowledge reports, and they do not break a burst', () => {
    const clicks = [
      signal('preference', 'ann', 0),
      signal('relevance', 'ann', 100),
      signal('rationale', 'ann', 200),
      signal('relevance', 'ann', 300),
      signal('relevance', 'ann', 400),
    ];
    const adoption = signal('adoption', 'ann', 150);
    const report_ = signal('missing_knowledge', 'ann', 250);
    const report = gate([...clicks, adoption, report_]);
    expect(weights(report, clicks)).toEqual(Array(5).fill(0.25));
    expect(decisionOf(report, adoption)).toEqual({ weight: 1, reasons: [] });
    expect(decisionOf(report, report_)).toEqual({ weight: 1, reasons: [] });
  });

  it('orders by the client clock whatever order the annotations arrive in', () => {
    const burst = labels('ann', [800, 0, 600, 200, 400]);
    expect(weights(gate([...burst].reverse()), burst)).toEqual(Array(5).fill(0.25));
  });
});
