import { describe, expect, it } from 'vitest';
import { gateKey, type JudgeVerdict } from '../../../backend/flywheel/gate/index.ts';
import { normaliseQuery } from '../../../backend/flywheel/gate/disagreement.ts';
import type { Annotation } from '../../../shared/index.ts';
import { decisionOf, gate, signal, suggestion } from './gate-fixtures.ts';

let minute = 0;
/** A relevance label a minute after the previous one (no rapid fire). */
const label = (agent: string, value: string, s = 'sugg-1', snippetId = 'k1') =>
  signal('relevance', agent, ++minute * 60_000, { suggestionId: s, snippetId, label: value });
const prefer = (agent: string, s: string, choice: string, left: string, right: string) =>
  signal('preference', agent, ++minute * 60_000, { suggestionId: s, choice, leftCandidateId: left, rightCandidateId: right });

const S1 = suggestion('sugg-1', { query: 'Refund for a cracked lamp' });
const S2 = suggestion('sugg-2', { query: 'refunds for  CRACKED lamps!' });

describe('disagreement', () => {
  it('down-weights the label against the majority of agents on the same (query, snippet), with the split', () => {
    const [a, b, c] = [label('ann', 'relevant'), label('bob', 'relevant', 'sugg-2'), label('cy', 'irrelevant')];
    const report = gate([a, b, c], [S1, S2]);
    expect(decisionOf(report, a).weight).toBe(1);
    expect(decisionOf(report, b).weight).toBe(1);
    expect(decisionOf(report, c)).toEqual({
      weight: 0.5,
      reasons: [
        {
          rule: 'disagreement',
          detail:
            'labelled irrelevant against the majority relevant for this query and snippet: relevant 2 agents (weight 2), irrelevant 1 agent (weight 1)',
        },
      ],
    });
  });

  it('keeps every weight on a tie, with a single agent, and across different snippets or queries', () => {
    const tie = [label('ann', 'relevant'), label('bob', 'irrelevant')];
    const alone = [label('ann', 'partly', 'sugg-3'), label('ann', 'relevant', 'sugg-3')];
    const otherSnippet = [label('cy', 'irrelevant', 'sugg-1', 'k2'), label('dee', 'relevant', 'sugg-1', 'k3')];
    const otherQuery = [label('eve', 'irrelevant', 'sugg-4')];
    const report = gate(
      [...tie, ...alone, ...otherSnippet, ...otherQuery],
      [S1, suggestion('sugg-3'), suggestion('sugg-4', { query: 'lost parcel' })],
    );
    for (const x of [...tie, ...alone, ...otherSnippet, ...otherQuery]) expect(decisionOf(report, x).weight).toBe(1);
    expect(report.counts.byRule.disagreement).toBe(0);
  });

  it('counts each agent once, by their latest label', () => {
    const first = label('ann', 'irrelevant');
    const corrected = label('ann', 'relevant');
    const bob = label('bob', 'relevant');
    const report = gate([first, corrected, bob], [S1]);
    expect(decisionOf(report, corrected).weight).toBe(1);
    expect(decisionOf(report, first).reasons[0]!.detail).toContain('relevant 2 agents');
  });

  it('weighs votes by what the earlier rules left them: two doubted labels lose to one sound one', () => {
    const [a, b, c] = [label('ann', 'irrelevant'), label('bob', 'irrelevant'), label('cy', 'relevant')];
    const doubt: JudgeVerdict = { verdict: 'disagree', reason: 'the snippet covers refunds for damaged items' };
    const judgements = new Map([a, b].map((x) => [gateKey(x.tenant, x.id), doubt]));
    const report = gate([a, b, c], [S1], { judgeDisagreeWeight: 0.25 }, judgements);
    expect(decisionOf(report, c).weight).toBe(1);
    expect(decisionOf(report, a).weight).toBe(0.125);
    expect(decisionOf(report, a).reasons.map((r) => r.rule)).toEqual(['llm_judge', 'disagreement']);
    expect(decisionOf(report, a).reasons[0]!.detail).toContain('the snippet covers refunds');
  });

  it('normalises queries by their index terms', () => {
    expect(normaliseQuery('Refund for a cracked lamp')).toBe(normaliseQuery('refunds for  CRACKED lamps!'));
    expect(normaliseQuery('Refund for a cracked lamp')).not.toBe(normaliseQuery('refund for a cracked vase'));
  });
});

describe('agreement figures', () => {
  it('gives pairwise agreement and Fleiss kappa per signal, and each agent’s share of majority votes', () => {
    // Pair 1 (k1): relevant, relevant, irrelevant. Pair 2 (k2): relevant, relevant.
    const votes: Annotation[] = [
      label('ann', 'relevant', 'sugg-1', 'k1'),
      label('bob', 'relevant', 'sugg-1', 'k1'),
      label('cy', 'irrelevant', 'sugg-1', 'k1'),
      label('ann', 'relevant', 'sugg-1', 'k2'),
      label('bob', 'relevant', 'sugg-1', 'k2'),
    ];
    const { agreement } = gate(votes, [S1]);
    // P̄ = (2/6 + 1) / 2 = 0.6667; Pe = 0.8² + 0.2² = 0.68; κ = (0.6667 − 0.68) / 0.32 = −0.0417.
    expect(agreement.perSignal.relevance).toEqual({ groups: 2, ratings: 5, agreement: 0.6667, kappa: -0.0417 });
    const byAgent = Object.fromEntries(agreement.perAgent.map((p) => [p.agent, p.relevance]));
    expect(byAgent).toEqual({ ann: { n: 2, agreed: 2, share: 1 }, bob: { n: 2, agreed: 2, share: 1 }, cy: { n: 1, agreed: 0, share: 0 } });
  });

  it('reads preferences as the candidate picked, whatever side it was shown on', () => {
    const same = [prefer('ann', 'p1', 'left', 's:0', 's:1'), prefer('bob', 'p1', 'right', 's:1', 's:0')];
    const split = [prefer('ann', 'p2', 'left', 's:0', 's:1'), prefer('bob', 'p2', 'left', 's:1', 's:0')];
    const agreeing = gate(same).agreement;
    expect(agreeing.perSignal.preference).toEqual({ groups: 1, ratings: 2, agreement: 1, kappa: null });
    expect(gate(split).agreement.perSignal.preference).toMatchObject({ groups: 1, agreement: 0 });
    expect(agreeing.perAgent.find((p) => p.agent === 'bob')!.preference).toEqual({ n: 1, agreed: 1, share: 1 });
  });

  it('reports nothing to agree on without two agents', () => {
    const { agreement } = gate([label('ann', 'relevant')], [S1]);
    expect(agreement.perSignal.relevance).toEqual({ groups: 0, ratings: 0, agreement: null, kappa: null });
    expect(agreement.perAgent[0]!.relevance).toEqual({ n: 0, agreed: 0, share: null });
  });
});
