/**
 * The relevance checks of one suggestion, snippet by snippet: every annotator's label is kept, and one verdict per
 * snippet is drawn from them by gate-weighted vote (a tie goes to the lower grade, labels of weight 0 do not vote).
 * The retrieval and BEIR writers share it.
 */
import type { ExportAnnotation, Judgements, RelevanceLabel, SnippetVerdict, SuggestionGroup } from './group.ts';
import { provenanceOf, shownOf } from './prompt.ts';

export const GRADE: Readonly<Record<RelevanceLabel, number>> = { relevant: 2, partly: 1, irrelevant: 0 };

/** The group's judgements, or null when it has no relevance label or its suggestion is unknown. */
export function judgementsOf(group: SuggestionGroup): Judgements | null {
  if (group.memo.judgements !== undefined) return group.memo.judgements;
  const items = group.items.filter((i) => i.annotation.kind === 'relevance');
  let result: Judgements | null = null;
  if (items.length > 0 && group.suggestion) {
    const verdicts: SnippetVerdict[] = shownOf(group).map((snippet) => {
      const votes = items.filter((i) => i.annotation.kind === 'relevance' && i.annotation.snippetId === snippet.snippet.snippetId);
      return { snippet, votes, label: verdictOf(votes) };
    });
    const labels = items.map(({ annotation: a, gate }) => ({
      annotationId: a.id,
      agent: a.agent,
      snippetId: a.kind === 'relevance' ? a.snippetId : '',
      label: a.kind === 'relevance' ? a.label : '',
      weight: gate.weight,
    }));
    result = { snippets: verdicts, items, labels, labelsJson: JSON.stringify(labels), provenanceJson: JSON.stringify(provenanceOf(group, items)) };
  }
  group.memo.judgements = result;
  return result;
}

function verdictOf(votes: readonly ExportAnnotation[]): RelevanceLabel | undefined {
  const totals = new Map<RelevanceLabel, number>();
  for (const v of votes) {
    if (v.annotation.kind !== 'relevance' || v.gate.weight <= 0) continue;
    totals.set(v.annotation.label, (totals.get(v.annotation.label) ?? 0) + v.gate.weight);
  }
  let best: RelevanceLabel | undefined;
  for (const label of ['irrelevant', 'partly', 'relevant'] as const) {
    const total = totals.get(label) ?? 0;
    if (total > 0 && (best === undefined || total > totals.get(best)!)) best = label;
  }
  return best;
}
