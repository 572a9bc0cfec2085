import { describe, expect, it } from 'vitest';
import { decisionOf, gate, signal, suggestion } from './gate-fixtures.ts';

const S = 'sugg-1';
let minute = 0;
const sent = (agent: string, outcome = 'verbatim', candidateId = 's:0') =>
  signal('adoption', agent, ++minute * 60_000, { suggestionId: S, outcome, candidateId });
const label = (agent: string, snippetId: string, value: string, suggestionId = S) =>
  signal('relevance', agent, ++minute * 60_000, { suggestionId, snippetId, articleId: 'a', label: value });

describe('contradiction', () => {
  it('sets aside "irrelevant" on a snippet cited by the reply the same agent sent verbatim, naming the adoption', () => {
    const adoption = sent('ann');
    const irrelevant = label('ann', 'k1', 'irrelevant');
    const report = gate([adoption, irrelevant], [suggestion(S)]);
    const d = decisionOf(report, irrelevant);
    expect(d.weight).toBe(0);
    expect(d.reasons).toEqual([{ rule: 'contradiction', detail: expect.stringContaining(`adoption ${adoption.id}`) }]);
    expect(d.reasons[0]!.detail).toContain('snippet k1');
    expect(decisionOf(report, adoption)).toEqual({ weight: 1, reasons: [] });
    expect(report.counts.byRule.contradiction).toBe(1);
    expect(report.counts.byKind.relevance).toEqual({ total: 1, passed: 0, reduced: 0, setAside: 1 });
  });

  it('leaves labels that do not contradict the send', () => {
    const uncited = label('ann', 'k3', 'irrelevant'); // s:1 cites k3, but s:0 was sent
    const relevant = label('ann', 'k1', 'relevant');
    const partly = label('ann', 'k2', 'partly');
    const report = gate([sent('ann'), uncited, relevant, partly], [suggestion(S)]);
    for (const a of [uncited, relevant, partly]) expect(decisionOf(report, a).weight).toBe(1);
  });

  it('needs a verbatim send: an edited, rejected or ignored reply does not vouch for its snippets', () => {
    for (const outcome of ['edited', 'rejected', 'ignored']) {
      const irrelevant = label('ann', 'k1', 'irrelevant');
      expect(decisionOf(gate([sent('ann', outcome), irrelevant], [suggestion(S)]), irrelevant).weight).toBe(1);
    }
  });

  it("counts only the agent's own send by default, anyone's with contradictionScope any_agent", () => {
    const adoption = sent('ann');
    const other = label('bob', 'k2', 'irrelevant');
    expect(decisionOf(gate([adoption, other], [suggestion(S)]), other).weight).toBe(1);
    const d = decisionOf(gate([adoption, other], [suggestion(S)], { contradictionScope: 'any_agent' }), other);
    expect(d.weight).toBe(0);
    expect(d.reasons[0]!.detail).toContain('agent ann');
  });

  it('needs the suggestion, of the same tenant, to know what the reply cited', () => {
    const irrelevant = label('ann', 'k1', 'irrelevant');
    const unknown = gate([sent('ann'), irrelevant]);
    expect(decisionOf(unknown, irrelevant).weight).toBe(1);
    expect(unknown.counts.withoutSuggestion).toBe(2);
    const foreign = gate([sent('ann'), irrelevant], [suggestion(S, { tenant: 'globex' })]);
    expect(decisionOf(foreign, irrelevant).weight).toBe(1);
  });

  it('does not join a label to a send on another suggestion', () => {
    const irrelevant = label('ann', 'k1', 'irrelevant', 'sugg-2');
    expect(decisionOf(gate([sent('ann'), irrelevant], [suggestion(S), suggestion('sugg-2')]), irrelevant).weight).toBe(1);
  });
});
