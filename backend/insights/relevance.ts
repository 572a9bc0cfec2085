/**
 * GET /v1/insights/relevance: relevance labels of shown snippets per ISO week (by its Monday, UTC; a week cut by the
 * window's edge counts only its days inside) and precision = (relevant + ½ partly) / checked, with a Wilson interval
 * over n = checked.
 */
import type { Kysely } from 'kysely';
import { RelevanceLabel, type RelevanceInsights } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';
import { sumCounts } from './counts.ts';
import { type DayWindow, mondayOf, weeksOf } from './window.ts';
import { proportion } from './wilson.ts';

type Label = (typeof RelevanceLabel.options)[number];

export async function relevanceInsights(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<RelevanceInsights> {
  const weeks = new Map(
    weeksOf(window).map((week) => [week, Object.fromEntries(RelevanceLabel.options.map((l) => [l, 0])) as Record<Label, number>]),
  );
  for (const row of await sumCounts(db, tenant, window, ['relevance'], ['day', 'value'])) {
    const week = weeks.get(mondayOf(row.day));
    if (week && (RelevanceLabel.options as readonly string[]).includes(row.value)) week[row.value as Label] += row.n;
  }
  return {
    window: { from: window.from, to: window.to },
    weeks: [...weeks].map(([week, labels]) => {
      const checked = labels.relevant + labels.partly + labels.irrelevant;
      return { week, ...labels, checked, precision: proportion(labels.relevant + labels.partly / 2, checked) };
    }),
  };
}
