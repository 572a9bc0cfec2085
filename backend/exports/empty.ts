/**
 * Why a batch holds no record, in a sentence an analyst can act on: which of the window (from, to), the export lag,
 * the tenant, the kinds asked for or the filters left nothing. Only run for an empty batch, and only with cheap counts
 * (a few COUNTs over the annotations' tenant and received_at index, and the reader's own counters).
 *
 *   "0 signals of tenant default received in [beginning, 2026-12-03T08:00:00.000Z) (the window ends the export lag of
 *    60 s before the request); the store holds 1,234 signals of tenant sim"
 */
import type { Kysely } from 'kysely';
import type { ExportFilters, ExportKind, ExportManifest, ExportWindow, NormalisedExportRequest } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';

const n = (count: number) => count.toLocaleString('en-US');
const plural = (count: number, one: string, many = `${one}s`) => `${n(count)} ${count === 1 ? one : many}`;

/** The annotation kinds each export kind is made from. */
const SOURCES: Record<ExportKind, readonly string[]> = {
  dpo: ['preference', 'adoption'],
  sft: ['adoption'],
  kto: ['adoption'],
  retrieval: ['relevance'],
  beir: ['relevance'],
  gaps: ['missing_knowledge'],
};

/** What each reader counter means, for the sentence. */
const LEFT_OUT: [key: string, what: string][] = [
  ['superseded', 'replaced by the same agent’s later signal'],
  ['excluded.gate', 'not passed by the quality gate (passedGate)'],
  ['excluded.weight', 'below the minimum gate weight (minWeight)'],
  ['excluded.rationale', 'on suggestions given an excluded reason (excludeReasons)'],
  ['excluded.edit_similarity', 'edited beyond the minimum similarity (minEditSimilarity)'],
  ['skipped.unknown_suggestion', 'about suggestions the store does not hold'],
];

async function count(db: Kysely<Database>, where: { tenant?: string; notTenant?: string; from?: string; to?: string }): Promise<number> {
  let q = db.selectFrom('annotations').select((eb) => eb.fn.countAll<string | number>().as('n'));
  if (where.tenant !== undefined) q = q.where('tenant', '=', where.tenant);
  if (where.notTenant !== undefined) q = q.where('tenant', '!=', where.notTenant);
  if (where.from !== undefined) q = q.where('received_at', '>=', where.from);
  if (where.to !== undefined) q = q.where('received_at', '<', where.to);
  return Number((await q.executeTakeFirstOrThrow()).n);
}

/** The tenants holding the most signals other than `tenant`, biggest first. */
async function otherTenants(db: Kysely<Database>, tenant: string, limit = 3): Promise<{ tenant: string; n: number }[]> {
  const rows = await db
    .selectFrom('annotations')
    .select(['tenant', (eb) => eb.fn.countAll<string | number>().as('n')])
    .where('tenant', '!=', tenant)
    .groupBy('tenant')
    .orderBy('n', 'desc')
    .orderBy('tenant')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ tenant: r.tenant, n: Number(r.n) }));
}

export interface EmptyContext {
  tenant: string;
  window: ExportWindow;
  request: NormalisedExportRequest;
  /** AITL_EXPORT_LAG_SECONDS of whoever resolved the window, when known. */
  lagSeconds?: number | undefined;
}

function describeWindow(c: EmptyContext): string {
  const lagged = c.lagSeconds !== undefined && (c.request.until === undefined || Date.parse(c.request.until) > Date.parse(c.window.to));
  const end = lagged ? ` (it ends the export lag, ${c.lagSeconds} s, before the request: AITL_EXPORT_LAG_SECONDS)` : '';
  return `[${c.window.from ?? 'the beginning'}, ${c.window.to})${end}`;
}

function describeFilters(filters: ExportFilters): string {
  const parts = Object.entries(filters)
    .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => `${k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return parts.length === 0 ? 'no filters' : `filters ${parts.join(', ')}`;
}

/**
 * Why the batch of `manifest` holds no record; undefined when it holds some. Answers the first cause found: no signal
 * of the tenant in the window (then where the tenant's and other tenants' signals are), none of the kinds the formats
 * are made from, the filters, or signals that could not become records.
 */
export async function explainEmpty(
  db: Kysely<Database>,
  c: EmptyContext,
  manifest: Pick<ExportManifest, 'files' | 'counts' | 'superseded'>,
): Promise<string | undefined> {
  if (manifest.files.some((f) => f.records > 0)) return undefined;
  const counts: Record<string, number> = { ...manifest.counts, superseded: manifest.superseded ?? 0 };
  const read = counts.read ?? 0;
  const head = `0 records: ${plural(read, 'signal')} of tenant ${c.tenant} received in ${describeWindow(c)}`;
  if (read === 0) {
    const [all, before, after] = await Promise.all([
      count(db, { tenant: c.tenant }),
      c.window.from === null ? 0 : count(db, { tenant: c.tenant, to: c.window.from }),
      count(db, { tenant: c.tenant, from: c.window.to }),
    ]);
    const clauses: string[] = [];
    if (all === 0) {
      const others = await otherTenants(db, c.tenant);
      clauses.push(
        others.length > 0
          ? `the store holds none of tenant ${c.tenant} but ${others.map((o) => `${plural(o.n, 'signal')} of tenant ${o.tenant}`).join(', ')} (name another tenant with --tenant, or use a key of it)`
          : 'the store holds no signal of any tenant',
      );
    } else {
      if (before > 0)
        clauses.push(`${n(before)} arrived before it${c.request.since === 'last' ? ' (since "last": your previous export ended there)' : ''}`);
      if (before === 0 && after === 0) clauses.push(`the store holds ${plural(all, 'signal')} of tenant ${c.tenant}`);
      if (after > 0)
        clauses.push(
          `${n(after)} arrived at or after its end${c.lagSeconds ? ': ask again later, or set AITL_EXPORT_LAG_SECONDS=0 when no signal is still being written' : ''}`,
        );
    }
    return `${head}; ${clauses.join('; ')}`;
  }
  const wanted = new Set(c.request.kinds.flatMap((k) => SOURCES[k]));
  const usable = [...wanted].reduce((sum, kind) => sum + (counts[`read.${kind}`] ?? 0), 0);
  if (usable === 0) {
    const held = Object.entries(counts)
      .filter(([k, v]) => k.startsWith('read.') && v > 0)
      .map(([k, v]) => `${n(v)} ${k.slice(5)}`)
      .join(', ');
    return `${head}, but none of the kinds ${c.request.kinds.join(', ')} are made from (${[...wanted].join(', ')}): they are ${held}`;
  }
  const left = LEFT_OUT.filter(([key]) => (counts[key] ?? 0) > 0).map(([key, what]) => `${n(counts[key]!)} ${what}`);
  const skipped = Object.entries(counts)
    .filter(([k, v]) => k.startsWith('skipped.') && k !== 'skipped.unknown_suggestion' && v > 0)
    .map(([k, v]) => `${n(v)} ${k.slice(8).replace('.', ': ').replace(/_/g, ' ')}`);
  const why = [...left, ...(skipped.length > 0 ? [`could not make a record of ${skipped.join(', ')}`] : [])];
  return `${head}, ${n(usable)} of them of what ${c.request.kinds.join(', ')} are made from, with ${describeFilters(c.request.filters)}: ${why.length > 0 ? why.join('; ') : 'none became a record'}`;
}
