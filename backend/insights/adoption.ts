/**
 * GET /v1/insights/adoption: what became of suggestions, per UTC day and per reply variant inserted (`none` when the
 * agent inserted none). Adoption rate = (verbatim + edited) / (verbatim + edited + rejected); ignored ones are
 * neither, and without any of the three the rate is null.
 */
import type { Kysely } from 'kysely';
import { AdoptionOutcome, type AdoptionInsights } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';
import { sumCounts } from './counts.ts';
import { type DayWindow, daysOf } from './window.ts';

type Outcome = (typeof AdoptionOutcome.options)[number];
type Outcomes = Record<Outcome, number>;

/** What an adoption without a variant is listed as. */
export const NO_VARIANT = 'none';

const zero = (): Outcomes => Object.fromEntries(AdoptionOutcome.options.map((o) => [o, 0])) as Outcomes;
const isOutcome = (value: string): value is Outcome => (AdoptionOutcome.options as readonly string[]).includes(value);

export function adoptionRate(o: Outcomes): number | null {
  const decided = o.verbatim + o.edited + o.rejected;
  return decided > 0 ? Math.round(((o.verbatim + o.edited) / decided) * 10_000) / 10_000 : null;
}

export async function adoptionInsights(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<AdoptionInsights> {
  const days = new Map(daysOf(window).map((day) => [day, zero()]));
  for (const row of await sumCounts(db, tenant, window, ['adoption'], ['day', 'value'])) {
    const day = days.get(row.day);
    if (day && isOutcome(row.value)) day[row.value] += row.n;
  }
  const variants = new Map<string, Outcomes>();
  for (const row of await sumCounts(db, tenant, window, ['adoption'], ['variant_a', 'value'])) {
    const name = row.variant_a || NO_VARIANT;
    const counts = variants.get(name) ?? zero();
    if (isOutcome(row.value)) counts[row.value] += row.n;
    variants.set(name, counts);
  }
  return {
    window: { from: window.from, to: window.to },
    days: [...days].map(([day, counts]) => ({ day, ...counts })),
    variants: [...variants]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([variant, counts]) => ({ variant, ...counts, adoptionRate: adoptionRate(counts) })),
  };
}
