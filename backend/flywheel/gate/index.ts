/**
 * The quality gate: weighs every annotation before training sees it, and says why. A pure function — same input,
 * same report — so a flywheel run can be replayed and its decisions audited (store/gate-results.ts keeps them).
 *
 *   const report = runGate({ items, suggestions: await findSuggestions(db, ids) });
 *   report.decisions.get(gateKey('acme', id)); // { weight: 0.5, reasons: [{ rule: 'disagreement', detail: '…' }] }
 *
 * Rules, in order (one file each under gate/; thresholds in GateOptions; factors multiply):
 * position_bias, contradiction, rapid_fire, llm_judge (verdicts from judge.ts, when given), then disagreement,
 * which weighs votes by what the earlier rules left. Missing-knowledge reports are never weighed down: they go to
 * the gap queue (gaps.ts) whoever sent them.
 */
import { ANNOTATION_KINDS, type AnnotationKind, type AnnotationOf } from '../../../shared/index.ts';
import { agentAgreement, type AgentVotes, signalAgreement, type SignalAgreement, type Vote } from './agreement.ts';
import { contradiction } from './contradiction.ts';
import { disagreement, preferenceGroups, relevanceGroups } from './disagreement.ts';
import { positionBias, positionStats, type PositionStats } from './position-bias.ts';
import { rapidFire } from './rapid-fire.ts';
import {
  compare,
  DEFAULT_GATE_OPTIONS,
  type Finding,
  type GateDecision,
  type GateInput,
  type GateItem,
  type GateOptions,
  groupBy,
  keyOf,
  suggestionOf,
} from './types.ts';

export { DEFAULT_GATE_OPTIONS, gateKey, parseGateKey } from './types.ts';
export type { GateDecision, GateInput, GateItem, GateOptions, GateReason, JudgeVerdict } from './types.ts';

export const GATE_RULES = ['position_bias', 'contradiction', 'rapid_fire', 'llm_judge', 'disagreement'] as const;
export type GateRule = (typeof GATE_RULES)[number];

export interface Outcomes {
  total: number;
  /** Weight 1. */
  passed: number;
  /** Weight strictly between 0 and 1. */
  reduced: number;
  /** Weight 0. */
  setAside: number;
}

export interface GateCounts extends Outcomes {
  byKind: Record<AnnotationKind, Outcomes>;
  /** Annotations each rule weighed (one annotation can be counted by several rules). */
  byRule: Record<GateRule, number>;
  /** Annotations whose suggestion was not found for their tenant: the suggestion-based rules could not see them. */
  withoutSuggestion: number;
}

export interface AgentReport {
  tenant: string;
  agent: string;
  annotations: number;
  /** Agreement of the agent's relevance votes with the majority of their (query, snippet) pairs. */
  relevance: AgentVotes;
  /** Agreement of the agent's preference votes with the majority on the same suggestion. */
  preference: AgentVotes;
  /** Left picks among the agent's left/right choices. */
  position: PositionStats;
}

export interface GateReport {
  /** By gateKey(tenant, id), in key order. */
  decisions: Map<string, GateDecision>;
  counts: GateCounts;
  agreement: {
    perSignal: { relevance: SignalAgreement; preference: SignalAgreement };
    /** Sorted by tenant, then agent. */
    perAgent: AgentReport[];
  };
}

export function runGate(input: GateInput, options: Partial<GateOptions> = {}): GateReport {
  const opts: GateOptions = { ...DEFAULT_GATE_OPTIONS, ...options };
  const unique = new Map<string, GateItem>();
  for (const item of input.items) if (!unique.has(keyOf(item))) unique.set(keyOf(item), item);
  const items = [...unique].sort(([a], [b]) => compare(a, b)).map(([, item]) => item);

  const decisions = new Map<string, GateDecision>(items.map((i) => [keyOf(i), { weight: 1, reasons: [] }]));
  const byRule = Object.fromEntries(GATE_RULES.map((r) => [r, 0])) as Record<GateRule, number>;
  const apply = (findings: readonly Finding[]) => {
    for (const f of [...findings].sort((a, b) => compare(a.key, b.key))) {
      const d = decisions.get(f.key);
      if (!d || unique.get(f.key)!.annotation.kind === 'missing_knowledge') continue;
      d.weight *= f.factor;
      d.reasons.push(f.reason);
      byRule[f.reason.rule as GateRule] += 1;
    }
  };
  const weights = () => new Map([...decisions].map(([k, d]) => [k, d.weight]));

  apply(positionBias(items, opts));
  apply(contradiction(input, items, opts));
  apply(rapidFire(items, opts));
  apply(judged(input, items, opts));
  const before = weights();
  const relevance = relevanceGroups(input, items, before);
  const preference = preferenceGroups(items, before);
  apply(disagreement(relevance, before, opts));

  return {
    decisions,
    counts: { ...outcomes(items, decisions), byRule, withoutSuggestion: items.filter((i) => !suggestionOf(input, i.annotation)).length },
    agreement: {
      perSignal: { relevance: signalAgreement(relevance.map((g) => g.votes)), preference: signalAgreement(preference) },
      perAgent: perAgent(
        items,
        relevance.map((g) => g.votes),
        preference,
      ),
    },
  };
}

/** The judge's verdicts on relevance labels: a "disagree" lowers the weight, an "agree" changes nothing. */
function judged(input: GateInput, items: readonly GateItem[], opts: GateOptions): Finding[] {
  if (!input.judgements) return [];
  const findings: Finding[] = [];
  for (const item of items) {
    const verdict = input.judgements.get(keyOf(item));
    if (item.annotation.kind !== 'relevance' || verdict?.verdict !== 'disagree') continue;
    const detail = `the model disagrees with the label ${item.annotation.label}: ${verdict.reason}`;
    findings.push({ key: keyOf(item), factor: opts.judgeDisagreeWeight, reason: { rule: 'llm_judge', detail } });
  }
  return findings;
}

function outcomes(items: readonly GateItem[], decisions: ReadonlyMap<string, GateDecision>): Outcomes & Pick<GateCounts, 'byKind'> {
  const empty = (): Outcomes => ({ total: 0, passed: 0, reduced: 0, setAside: 0 });
  const all = empty();
  const byKind = Object.fromEntries(ANNOTATION_KINDS.map((k) => [k, empty()])) as Record<AnnotationKind, Outcomes>;
  for (const item of items) {
    const w = decisions.get(keyOf(item))!.weight;
    for (const o of [all, byKind[item.annotation.kind]]) {
      o.total += 1;
      if (w >= 1) o.passed += 1;
      else if (w <= 0) o.setAside += 1;
      else o.reduced += 1;
    }
  }
  return { ...all, byKind };
}

function perAgent(items: readonly GateItem[], relevance: readonly Vote[][], preference: readonly Vote[][]): AgentReport[] {
  const rel = agentAgreement(relevance);
  const pref = agentAgreement(preference);
  const none = (): AgentVotes => ({ n: 0, agreed: 0, share: null });
  return groupBy(items, (i) => `${i.annotation.tenant}\u0000${i.annotation.agent}`).map(([key, group]) => ({
    tenant: group[0]!.annotation.tenant,
    agent: group[0]!.annotation.agent,
    annotations: group.length,
    relevance: rel.get(key) ?? none(),
    preference: pref.get(key) ?? none(),
    position: positionStats(group.map((i) => i.annotation).filter((a): a is AnnotationOf<'preference'> => a.kind === 'preference')),
  }));
}
