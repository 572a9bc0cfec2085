/**
 * Disagreement: relevance labels grouped by (tenant, normalised query, snippet). Where at least two agents judged
 * the same pair, each agent's latest label is their vote, weighted by what the other rules left it; labels against
 * the weighted majority are down-weighted with the split in the detail. A tie has no majority and changes nothing.
 *
 * The same vote building serves the agreement figures: relevance by (query, snippet), preference by suggestion
 * (the choice read as the candidate picked, so the random left/right order does not matter).
 */
import { tokenize } from '../../rag/tokenize.ts';
import { describeSplit, tally, type Vote } from './agreement.ts';
import { compare, type Finding, type GateInput, type GateItem, type GateOptions, groupBy, keyOf, suggestionOf } from './types.ts';

/** The query as retrieval saw it: index terms in order, so case, accents, stop words and plurals do not split pairs. */
export function normaliseQuery(query: string): string {
  const terms = tokenize(query);
  return terms.length > 0 ? terms.join(' ') : query.trim().toLowerCase();
}

interface Labelled {
  item: GateItem;
  key: string;
  label: string;
}

/** One vote per agent (the latest by client time, then key) among labels that still carry weight. */
function votesOf(labelled: readonly Labelled[], weights: ReadonlyMap<string, number>): Vote[] {
  const latest = new Map<string, Labelled>();
  for (const l of labelled) {
    if ((weights.get(l.key) ?? 1) <= 0) continue;
    const a = l.item.annotation;
    const seen = latest.get(a.agent);
    const later = seen ? Date.parse(a.clientTime) - Date.parse(seen.item.annotation.clientTime) || compare(l.key, seen.key) : 1;
    if (later > 0) latest.set(a.agent, l);
  }
  return [...latest.values()]
    .map((l) => ({ key: l.key, tenant: l.item.annotation.tenant, agent: l.item.annotation.agent, label: l.label, weight: weights.get(l.key) ?? 1 }))
    .sort((a, b) => compare(a.agent, b.agent));
}

export interface RelevanceGroup {
  labelled: Labelled[];
  votes: Vote[];
}

export function relevanceGroups(input: GateInput, items: readonly GateItem[], weights: ReadonlyMap<string, number>): RelevanceGroup[] {
  const labelled: (Labelled & { pair: string })[] = [];
  for (const item of items) {
    const a = item.annotation;
    if (a.kind !== 'relevance') continue;
    const s = suggestionOf(input, a);
    if (!s) continue;
    labelled.push({ item, key: keyOf(item), label: a.label, pair: `${a.tenant}\u0000${normaliseQuery(s.query)}\u0000${a.snippetId}` });
  }
  return groupBy(labelled, (l) => l.pair).map(([, group]) => ({ labelled: group, votes: votesOf(group, weights) }));
}

export function preferenceGroups(items: readonly GateItem[], weights: ReadonlyMap<string, number>): Vote[][] {
  const labelled: (Labelled & { at: string })[] = [];
  for (const item of items) {
    const a = item.annotation;
    if (a.kind !== 'preference') continue;
    const label = a.choice === 'left' ? `candidate ${a.leftCandidateId}` : a.choice === 'right' ? `candidate ${a.rightCandidateId}` : a.choice;
    labelled.push({ item, key: keyOf(item), label, at: `${a.tenant}\u0000${a.suggestionId}` });
  }
  return groupBy(labelled, (l) => l.at).map(([, group]) => votesOf(group, weights));
}

export function disagreement(groups: readonly RelevanceGroup[], weights: ReadonlyMap<string, number>, options: GateOptions): Finding[] {
  const findings: Finding[] = [];
  for (const { labelled, votes } of groups) {
    if (votes.length < options.disagreementMinAgents) continue;
    const t = tally(votes);
    if (t.majority === undefined) continue;
    const detail = (label: string) => `labelled ${label} against the majority ${t.majority} for this query and snippet: ${describeSplit(t)}`;
    for (const l of labelled) {
      if (l.label === t.majority || (weights.get(l.key) ?? 1) <= 0) continue;
      findings.push({ key: l.key, factor: options.disagreementWeight, reason: { rule: 'disagreement', detail: detail(l.label) } });
    }
  }
  return findings;
}
