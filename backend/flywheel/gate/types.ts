/**
 * The quality gate's vocabulary, shared by the rules in this folder and by gate.ts: what goes in (annotations with
 * the suggestions they refer to), what a rule finds, and the thresholds, each documented with its default.
 */
import type { Annotation } from '../../../shared/index.ts';
import type { StoredSuggestion } from '../../store/suggestions.ts';

/** The annotation type of one kind. */

export interface GateItem {
  annotation: Annotation;
  /** When the server stored it (ISO 8601). */
  receivedAt: string;
}

export type { GateDecision, GateReason } from '../../store/gate-results.ts';
import type { GateReason } from '../../store/gate-results.ts';

export interface GateInput {
  items: readonly GateItem[];
  /** What was shown, by suggestion id (backend/store/suggestions.ts findSuggestions). */
  suggestions: ReadonlyMap<string, StoredSuggestion>;
  /** Verdicts of the optional LLM judge (judge.ts), by gateKey. */
  judgements?: ReadonlyMap<string, JudgeVerdict> | undefined;
}

export interface JudgeVerdict {
  verdict: 'agree' | 'disagree';
  reason: string;
}

/** What one rule found about one annotation: multiply its weight by `factor`, and say why. */
export interface Finding {
  key: string;
  factor: number;
  reason: GateReason;
}

/** Every threshold of the gate. Weights multiply, so an annotation caught by two rules gets both factors. */
export interface GateOptions {
  /** Position bias: fewest left/right choices before an agent is tested (20). */
  positionMinChoices: number;
  /** Position bias: |z| of the two-sided binomial (normal approximation) test against 0.5 that flags (3, p ≈ 0.003). */
  positionZ: number;
  /** Position bias: factor for a flagged agent's left/right choices (0.5). */
  positionWeight: number;
  /** Position bias: a share of left picks this far from 0.5 or beyond (≥ 0.9 or ≤ 0.1) is extreme (0.9). */
  positionExtremeShare: number;
  /** Position bias: factor for an extreme agent's left/right choices (0: set aside). */
  positionExtremeWeight: number;
  /**
   * Contradiction: whose verbatim send contradicts an "irrelevant" label. `same_agent` (default): only the labelling
   * agent's own send, a contradiction within one person's actions; `any_agent`: a send by anyone on that suggestion.
   */
  contradictionScope: 'same_agent' | 'any_agent';
  /** Rapid fire: consecutive signals of one agent closer than this are a burst (400 ms). */
  rapidGapMs: number;
  /** Rapid fire: a burst of at least this many signals is implausibly fast (5). */
  rapidBurst: number;
  /** Rapid fire: this many snippets of one suggestion labelled… (8) */
  rapidSweepSnippets: number;
  /** …within this window is a sweep, not reading (1000 ms). */
  rapidSweepMs: number;
  /** Rapid fire: factor for signals in a burst or sweep (0.25). */
  rapidWeight: number;
  /** Disagreement: distinct agents (with weight > 0) needed on one (query, snippet) pair (2). */
  disagreementMinAgents: number;
  /** Disagreement: factor for labels against the weighted majority (0.5). */
  disagreementWeight: number;
  /** LLM judge: factor for a relevance label the judge disagrees with (0.5). */
  judgeDisagreeWeight: number;
}

export const DEFAULT_GATE_OPTIONS: Readonly<GateOptions> = Object.freeze({
  positionMinChoices: 20,
  positionZ: 3,
  positionWeight: 0.5,
  positionExtremeShare: 0.9,
  positionExtremeWeight: 0,
  contradictionScope: 'same_agent',
  rapidGapMs: 400,
  rapidBurst: 5,
  rapidSweepSnippets: 8,
  rapidSweepMs: 1000,
  rapidWeight: 0.25,
  disagreementMinAgents: 2,
  disagreementWeight: 0.5,
  judgeDisagreeWeight: 0.5,
});

/** The key of a decision: annotation ids are unique per tenant only. */
export function gateKey(tenant: string, id: string): string {
  return `${tenant}\u0000${id}`;
}

/** The tenant and annotation id of a gateKey. */
export function parseGateKey(key: string): { tenant: string; id: string } {
  const at = key.indexOf('\u0000');
  if (at < 0) throw new Error(`not a gate key: ${JSON.stringify(key)}`);
  return { tenant: key.slice(0, at), id: key.slice(at + 1) };
}

export const keyOf = (item: GateItem): string => gateKey(item.annotation.tenant, item.annotation.id);

/** Agents are identified per tenant. */
export const agentKey = (a: Annotation): string => `${a.tenant}\u0000${a.agent}`;

/** Groups values by a string key; groups come out in key order, members in input order. */
export function groupBy<T>(values: Iterable<T>, keyFn: (value: T) => string | undefined): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const value of values) {
    const key = keyFn(value);
    if (key === undefined) continue;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = []));
    group.push(value);
  }
  return [...groups].sort(([a], [b]) => compare(a, b));
}

/** Plain code-unit order, the same in every locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The suggestion an annotation refers to, if it is known and belongs to the same tenant. */
export function suggestionOf(input: Pick<GateInput, 'suggestions'>, a: Annotation): StoredSuggestion | undefined {
  const s = input.suggestions.get(a.suggestionId);
  return s && s.tenant === a.tenant ? s : undefined;
}

/** A ratio as a whole percentage, for details. */
export const percent = (x: number): string => `${Math.round(x * 100)}%`;
