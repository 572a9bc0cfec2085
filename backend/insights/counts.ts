/**
 * Reads the insights rollup (backend/store/insight-counts.ts): a tenant's counts in a window of days, summed over the
 * dimensions not asked for. A year of one tenant's rollup is a few thousand rows, so this stays fast however many
 * annotations there are.
 *
 *   await sumCounts(db, 'acme', window, ['relevance'], ['day', 'value']) // [{ day, value, n }, …]
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import type { DayWindow } from './window.ts';

export type Dimension = 'day' | 'kind' | 'value' | 'variant_a' | 'variant_b';

/** One sum; dimensions not grouped by are ''. */
export type CountRow = Record<Dimension, string> & { n: number };

const DIMENSIONS: readonly Dimension[] = ['day', 'kind', 'value', 'variant_a', 'variant_b'];

export async function sumCounts(
  db: Kysely<Database>,
  tenant: string,
  window: DayWindow,
  kinds: readonly string[],
  by: readonly Dimension[],
): Promise<CountRow[]> {
  const rows = await db
    .selectFrom('insight_counts')
    .select([...by])
    .select((eb) => eb.fn.sum<string | number>('n').as('n'))
    .where('tenant', '=', tenant)
    .where('day', '>=', window.firstDay)
    .where('day', '<', window.endDay)
    .where('kind', 'in', [...kinds])
    .groupBy([...by])
    .execute();
  return rows.map((row) => {
    const dims = row as Partial<Record<Dimension, string>>;
    return { ...(Object.fromEntries(DIMENSIONS.map((d) => [d, dims[d] ?? ''])) as Record<Dimension, string>), n: Number(row.n) };
  });
}
