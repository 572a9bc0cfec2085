/**
 * Agreement among annotators, for the manifest: where two or more agents judged the same thing (a snippet's
 * relevance for one suggestion; which of one suggestion's two replies is better), how often they all agreed.
 * Signals the gate set aside (weight 0) do not count.
 */
import type { ExportManifest } from '../../shared/index.ts';
import type { SuggestionGroup } from './group.ts';

type Tally = { items: number; unanimous: number };

/** Whether the agents' answers (one per agent: their latest) on one item all agree; undefined with fewer than two. */
function unanimous(answers: ReadonlyMap<string, string>): boolean | undefined {
  if (answers.size < 2) return undefined;
  return new Set(answers.values()).size === 1;
}

export class Agreement {
  private readonly tallies: Record<'relevance' | 'preference', Tally> = {
    relevance: { items: 0, unanimous: 0 },
    preference: { items: 0, unanimous: 0 },
  };

  add(group: SuggestionGroup): void {
    const relevance = new Map<string, Map<string, string>>();
    const preference = new Map<string, string>();
    for (const { annotation: a, gate } of group.items) {
      if (gate.weight <= 0) continue;
      if (a.kind === 'relevance') {
        let answers = relevance.get(a.snippetId);
        if (!answers) relevance.set(a.snippetId, (answers = new Map()));
        answers.set(a.agent, a.label);
      } else if (a.kind === 'preference') {
        // Sides are randomised per showing: compare the candidate chosen, not the side.
        const answer = a.choice === 'left' ? a.leftCandidateId : a.choice === 'right' ? a.rightCandidateId : a.choice;
        preference.set(a.agent, answer);
      }
    }
    for (const answers of relevance.values()) this.count('relevance', unanimous(answers));
    this.count('preference', unanimous(preference));
  }

  private count(kind: 'relevance' | 'preference', agreed: boolean | undefined): void {
    if (agreed === undefined) return;
    this.tallies[kind].items++;
    if (agreed) this.tallies[kind].unanimous++;
  }

  summary(): ExportManifest['agreement'] {
    const out: ExportManifest['agreement'] = {};
    for (const [kind, t] of Object.entries(this.tallies)) {
      out[kind] = { ...t, rate: t.items === 0 ? null : Math.round((t.unanimous / t.items) * 1e4) / 1e4 };
    }
    return out;
  }
}
