/** GET /v1/insights/activity: suggestions shown and signals received per UTC day of the window, every day listed. */
import type { Kysely } from 'kysely';
import { ANNOTATION_KINDS, type ActivityInsights } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';
import { sumCounts } from './counts.ts';
import { type DayWindow, daysOf } from './window.ts';

type Day = ActivityInsights['days'][number];

export async function activityInsights(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<ActivityInsights> {
  const zero = (day: string): Day => ({
    day,
    suggestions: 0,
    ...(Object.fromEntries(ANNOTATION_KINDS.map((k) => [k, 0])) as Omit<Day, 'day' | 'suggestions'>),
  });
  const days = new Map(daysOf(window).map((day) => [day, zero(day)]));
  for (const row of await sumCounts(db, tenant, window, ['suggestion', ...ANNOTATION_KINDS], ['day', 'kind'])) {
    const day = days.get(row.day);
    if (!day) continue;
    if (row.kind === 'suggestion') day.suggestions += row.n;
    else if ((ANNOTATION_KINDS as readonly string[]).includes(row.kind)) day[row.kind as (typeof ANNOTATION_KINDS)[number]] += row.n;
  }
  return { window: { from: window.from, to: window.to }, days: [...days.values()] };
}
