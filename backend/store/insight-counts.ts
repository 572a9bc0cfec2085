/**
 * The insights rollup: per tenant, UTC day, kind, value and variant(s), how many signals arrived and suggestions
 * were shown. It is written in the very transaction that stores what it counts — storeAnnotations counts only the
 * annotations it inserted, never a resend — so it agrees with the rows it sums; backfillInsightCounts rebuilds it
 * from them (migration 0009).
 *
 *   await addInsightCounts(trx, accepted.map((a) => annotationCount(tenant, a, receivedAt)));
 */
import type { Kysely } from 'kysely';
import type { Annotation } from '../../shared/index.ts';
import type { Database, NewInsightCount } from './schema.ts';

/** Key columns, in primary-key order. */
const KEY = ['tenant', 'day', 'kind', 'value', 'variant_a', 'variant_b'] as const;

/** Variant ids are kept to this many characters: a key column must stay small enough for a PostgreSQL index. */
const KEY_CHARS = 128;

/** Rows per insert statement: 7 parameters each, well within both dialects' limits. */
const CHUNK = 500;

/** The UTC day (YYYY-MM-DD) of an ISO 8601 instant; the store writes them in UTC, so usually a prefix. */
export function utcDay(instant: string): string {
  return instant.endsWith('Z') ? instant.slice(0, 10) : new Date(instant).toISOString().slice(0, 10);
}

/** A lone surrogate: either driver stores it as U+FFFD, so two of them would be one key in the store. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A client's text as a key column: as the store will hold it, and short. */
function keyText(text: string): string {
  const kept = text.length <= KEY_CHARS ? text : [...text].slice(0, KEY_CHARS).join('');
  return kept.replace(LONE_SURROGATE, '\ufffd');
}

function count(tenant: string, day: string, kind: string, value = '', variantA = '', variantB = ''): NewInsightCount {
  return { tenant, day, kind, value, variant_a: variantA, variant_b: variantB, n: 1 };
}

/** The rollup row one stored annotation adds to. */
export function annotationCount(tenant: string, a: Annotation, receivedAt: string): NewInsightCount {
  const day = utcDay(receivedAt);
  switch (a.kind) {
    case 'preference':
      return count(tenant, day, a.kind, a.choice, keyText(a.leftVariantId), keyText(a.rightVariantId));
    case 'adoption':
      return count(tenant, day, a.kind, a.outcome, keyText(a.variantId ?? ''));
    case 'relevance':
      return count(tenant, day, a.kind, a.label);
    default:
      return count(tenant, day, a.kind);
  }
}

/** The rollup row one stored suggestion adds to. */
export function suggestionCount(tenant: string, createdAt: string): NewInsightCount {
  return count(tenant, utcDay(createdAt), 'suggestion');
}

/** Counts summed by key (into `sums`, when given). */
function sumByKey(counts: readonly NewInsightCount[], sums = new Map<string, NewInsightCount>()): Map<string, NewInsightCount> {
  for (const c of counts) {
    const key = KEY.map((k) => c[k]).join('\u0000');
    const seen = sums.get(key);
    if (seen) seen.n += c.n;
    else sums.set(key, { ...c });
  }
  return sums;
}

/**
 * Adds counts to the rollup: summed by key, then upserted in key order, so concurrent writers lock the rows they
 * share in the same order. Call it inside the transaction that stores what is counted.
 */
export async function addInsightCounts(db: Kysely<Database>, counts: readonly NewInsightCount[]): Promise<void> {
  const rows = [...sumByKey(counts)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  for (let i = 0; i < rows.length; i += CHUNK) {
    await db
      .insertInto('insight_counts')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns([...KEY]).doUpdateSet((eb) => ({ n: eb('insight_counts.n', '+', eb.ref('excluded.n')) })))
      .execute();
  }
}

/** Rows read at a time while rebuilding. */
const PAGE = 5_000;

/**
 * Replaces the rollup with counts made from every stored annotation and suggestion, in one transaction (the
 * caller's, if it is in one: a migration on PostgreSQL). Pages through the rows in key order and parses payloads in
 * JS, so it runs unchanged on both dialects.
 */
export async function backfillInsightCounts(db: Kysely<any>): Promise<void> {
  const run = async (trx: Kysely<Database>) => {
    const sums = new Map<string, NewInsightCount>();
    let after: { tenant: string; id: string } | undefined;
    for (;;) {
      let query = trx
        .selectFrom('annotations')
        .select(['tenant', 'id', 'kind', 'payload', 'received_at'])
        .orderBy('tenant')
        .orderBy('id')
        .limit(PAGE);
      if (after) query = query.where((eb) => eb(eb.refTuple('tenant', 'id'), '>', eb.tuple(after!.tenant, after!.id)));
      const rows = await query.execute();
      // Only these kinds have a value to count by: the others' payloads need not be parsed.
      const counts = rows.map((r) =>
        r.kind === 'preference' || r.kind === 'adoption' || r.kind === 'relevance'
          ? annotationCount(r.tenant, JSON.parse(r.payload) as Annotation, r.received_at)
          : count(r.tenant, utcDay(r.received_at), r.kind),
      );
      sumByKey(counts, sums);
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!;
    }
    let afterId: string | undefined;
    for (;;) {
      let query = trx.selectFrom('suggestions').select(['id', 'tenant', 'created_at']).orderBy('id').limit(PAGE);
      if (afterId !== undefined) query = query.where('id', '>', afterId);
      const rows = await query.execute();
      sumByKey(
        rows.map((r) => suggestionCount(r.tenant, r.created_at)),
        sums,
      );
      if (rows.length < PAGE) break;
      afterId = rows[rows.length - 1]!.id;
    }
    await trx.deleteFrom('insight_counts').execute();
    await addInsightCounts(trx, [...sums.values()]);
  };
  const store = db as Kysely<Database>;
  if (store.isTransaction) await run(store);
  else await store.transaction().execute(run);
}
