import { describe, expect, it } from 'vitest';
import { GATE_RULES, gateKey, parseGateKey } from '../../../backend/flywheel/gate/index.ts';
import { prng } from '../../../backend/prng.ts';
import type { Annotation } from '../../../shared/index.ts';
import { decisionOf, gate, signal, suggestion } from './gate-fixtures.ts';

/** A mixed day of signals: a left-clicker, a burst, a contradiction, a disagreement, and gap reports among them. */
function day(): Annotation[] {
  const out: Annotation[] = [];
  for (let i = 0; i < 20; i++) out.push(signal('preference', 'lefty', i * 60_000, { choice: 'left' }));
  for (let i = 0; i < 6; i++) out.push(signal('relevance', 'quick', 2_000_000 + i * 100, { snippetId: `k${i + 1}` }));
  out.push(signal('adoption', 'ann', 3_000_000, { suggestionId: 'sugg-1', outcome: 'verbatim', candidateId: 's:0' }));
  out.push(signal('relevance', 'ann', 3_060_000, { suggestionId: 'sugg-1', snippetId: 'k1', label: 'irrelevant' }));
  out.push(signal('relevance', 'bob', 3_120_000, { suggestionId: 'sugg-1', snippetId: 'k1', label: 'relevant' }));
  out.push(signal('relevance', 'cy', 3_180_000, { suggestionId: 'sugg-1', snippetId: 'k1', label: 'relevant' }));
  out.push(signal('missing_knowledge', 'lefty', 30_000, { description: 'No article on bulbs' }));
  out.push(signal('missing_knowledge', 'quick', 2_000_050, { description: 'Nothing about lamp shades' }));
  return out;
}

describe('runGate', () => {
  it('gives the same report, in key order, whatever order the input comes in', () => {
    const items = day();
    const reference = gate(items, [suggestion('sugg-1')]);
    const random = prng(7);
    for (let round = 0; round < 5; round++) {
      const shuffled = [...items];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      const report = gate(shuffled, [suggestion('sugg-1')]);
      expect([...report.decisions]).toEqual([...reference.decisions]);
      expect(report.counts).toEqual(reference.counts);
      expect(report.agreement).toEqual(reference.agreement);
    }
    const keys = [...reference.decisions.keys()];
    expect(keys).toEqual([...keys].sort());
  });

  it('never sets a missing-knowledge report aside, whoever sent it and however fast', () => {
    const items = day();
    const gated = gate(items, [suggestion('sugg-1')]);
    for (const a of items.filter((x) => x.kind === 'missing_knowledge')) expect(decisionOf(gated, a)).toEqual({ weight: 1, reasons: [] });
    expect(gated.counts.byKind.missing_knowledge).toEqual({ total: 2, passed: 2, reduced: 0, setAside: 0 });
  });

  it('counts per rule, per kind and overall', () => {
    const { counts } = gate(day(), [suggestion('sugg-1')]);
    expect(counts.byRule).toEqual({ position_bias: 20, contradiction: 1, rapid_fire: 6, llm_judge: 0, disagreement: 0 });
    expect(Object.keys(counts.byRule)).toEqual([...GATE_RULES]);
    expect(counts).toMatchObject({ total: 32, passed: 5, reduced: 6, setAside: 20 + 1 });
    expect(counts.byKind.preference).toEqual({ total: 20, passed: 0, reduced: 0, setAside: 20 });
    // The contradicted label is set aside before disagreement votes: bob and cy have nobody left to outvote.
    expect(counts.withoutSuggestion).toBe(20 + 6 + 2);
  });

  it('keeps one decision per (tenant, id): a resent annotation is weighed once', () => {
    const a = signal('relevance', 'ann', 0);
    const report = gate([a, a, { ...a, tenant: 'globex' }]);
    expect([...report.decisions.keys()]).toEqual([gateKey('acme', a.id), gateKey('globex', a.id)]);
    expect(report.counts.total).toBe(2);
  });

  it('keys decisions by tenant and id, and parses the key back', () => {
    expect(parseGateKey(gateKey('acme', 'id-1'))).toEqual({ tenant: 'acme', id: 'id-1' });
    expect(() => parseGateKey('no separator')).toThrow(/not a gate key/);
  });
});
