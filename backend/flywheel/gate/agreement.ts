/**
 * Inter-agent agreement. A "rated group" is one thing several agents judged — a (query, snippet) pair for relevance,
 * a suggestion for preference — with one vote per agent (their latest). From the groups: the weighted majority of
 * each, per signal the mean pairwise agreement and Fleiss' kappa (variable raters per group), and per agent the
 * share of their votes that match the majority.
 */
import { compare } from './types.ts';

export interface Vote {
  /** gateKey of the annotation that carries the vote. */
  key: string;
  tenant: string;
  agent: string;
  label: string;
  weight: number;
}

export interface Tally {
  /** Per label: total weight and number of agents, heaviest first (then by label). */
  split: { label: string; weight: number; agents: number }[];
  /** The label with strictly the most weight; undefined on a tie. */
  majority: string | undefined;
}

export function tally(votes: readonly Vote[]): Tally {
  const byLabel = new Map<string, { label: string; weight: number; agents: number }>();
  for (const v of votes) {
    const entry = byLabel.get(v.label) ?? { label: v.label, weight: 0, agents: 0 };
    entry.weight += v.weight;
    entry.agents += 1;
    byLabel.set(v.label, entry);
  }
  const split = [...byLabel.values()].sort((a, b) => b.weight - a.weight || compare(a.label, b.label));
  const [first, second] = split;
  return { split, majority: first && (!second || first.weight > second.weight) ? first.label : undefined };
}

/** `relevant 2 agents (weight 1.5), irrelevant 1 agent (weight 1)`. */
export function describeSplit(t: Tally): string {
  return t.split.map((s) => `${s.label} ${s.agents} agent${s.agents === 1 ? '' : 's'} (weight ${round(s.weight)})`).join(', ');
}

export interface SignalAgreement {
  /** Groups judged by at least two agents. */
  groups: number;
  /** Votes in those groups. */
  ratings: number;
  /** Mean over groups of the share of agreeing agent pairs; null without groups. */
  agreement: number | null;
  /** Fleiss' kappa; null without groups or when every vote has the same label (chance agreement is 1). */
  kappa: number | null;
}

export function signalAgreement(groups: readonly (readonly Vote[])[]): SignalAgreement {
  const rated = groups.filter((g) => g.length >= 2);
  const totals = new Map<string, number>();
  let ratings = 0;
  let sumP = 0;
  for (const group of rated) {
    const counts = new Map<string, number>();
    for (const v of group) counts.set(v.label, (counts.get(v.label) ?? 0) + 1);
    let agreeing = 0;
    for (const [label, c] of counts) {
      agreeing += c * (c - 1);
      totals.set(label, (totals.get(label) ?? 0) + c);
    }
    sumP += agreeing / (group.length * (group.length - 1));
    ratings += group.length;
  }
  if (rated.length === 0) return { groups: 0, ratings: 0, agreement: null, kappa: null };
  const observed = sumP / rated.length;
  let chance = 0;
  for (const c of totals.values()) chance += (c / ratings) ** 2;
  return { groups: rated.length, ratings, agreement: round(observed), kappa: chance >= 1 ? null : round((observed - chance) / (1 - chance)) };
}

export interface AgentVotes {
  /** Votes in groups of at least two agents with a majority. */
  n: number;
  /** Of those, votes equal to the majority. */
  agreed: number;
  share: number | null;
}

/** Per agent key (`tenant\0agent`), how often their votes match the weighted majority of their groups. */
export function agentAgreement(groups: readonly (readonly Vote[])[]): Map<string, AgentVotes> {
  const out = new Map<string, AgentVotes>();
  for (const group of groups) {
    if (group.length < 2) continue;
    const { majority } = tally(group);
    if (majority === undefined) continue;
    for (const v of group) {
      const key = `${v.tenant}\u0000${v.agent}`;
      const entry = out.get(key) ?? { n: 0, agreed: 0, share: null };
      entry.n += 1;
      if (v.label === majority) entry.agreed += 1;
      entry.share = round(entry.agreed / entry.n);
      out.set(key, entry);
    }
  }
  return out;
}

/** Four decimals: enough for a report, and stable across platforms. */
export function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
