/**
 * The quality gate's latest decision per annotation (table gate_results): written by each flywheel run, read by the
 * exports to weigh or drop examples. A later run's decision replaces an earlier one.
 */
import type { Kysely } from 'kysely';
import type { Database, GateResultTable } from './schema.ts';

export interface GateReason {
  /** `position_bias`, `contradiction`, `rapid_fire`, `disagreement` or `llm_judge`. */
  rule: string;
  /** What was seen, in words and numbers. */
  detail: string;
}

export interface GateDecision {
  /** 0 = set aside, 1 = full weight; the product of every rule's factor. */
  weight: number;
  reasons: GateReason[];
}

/** One annotation's decision, to store. */
export interface AnnotationDecision extends GateDecision {
  tenant: string;
  annotationId: string;
}

/** 6 parameters a row: 500 rows stay well within SQLite's and PostgreSQL's bind limits. */
const BATCH = 500;

/** Upserts `decisions` for run `runId`, in one transaction; answers the number of rows written. */
export async function saveGateResults(
  db: Kysely<Database>,
  runId: string,
  decisions: readonly AnnotationDecision[],
  decidedAt: Date = new Date(),
): Promise<number> {
  const at = decidedAt.toISOString();
  const rows: GateResultTable[] = decisions.map((d) => ({
    tenant: d.tenant,
    annotation_id: d.annotationId,
    run_id: runId,
    weight: d.weight,
    reasons: JSON.stringify(d.reasons),
    decided_at: at,
  }));
  if (rows.length === 0) return 0;
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += BATCH) {
      await trx
        .insertInto('gate_results')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['tenant', 'annotation_id']).doUpdateSet((eb) => ({
            run_id: eb.ref('excluded.run_id'),
            weight: eb.ref('excluded.weight'),
            reasons: eb.ref('excluded.reasons'),
            decided_at: eb.ref('excluded.decided_at'),
          })),
        )
        .execute();
    }
  });
  return rows.length;
}

export interface StoredGateResult extends GateDecision {
  runId: string;
  decidedAt: string;
}

/** The stored decisions of these annotations of `tenant` (those that have one), by annotation id. */
export async function loadGateResults(db: Kysely<Database>, tenant: string, annotationIds: Iterable<string>): Promise<Map<string, StoredGateResult>> {
  const ids = [...new Set(annotationIds)];
  const found = new Map<string, StoredGateResult>();
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await db
      .selectFrom('gate_results')
      .selectAll()
      .where('tenant', '=', tenant)
      .where('annotation_id', 'in', ids.slice(i, i + BATCH))
      .execute();
    for (const row of rows) {
      found.set(row.annotation_id, {
        // PostgreSQL keeps `real` in single precision: 0.3 comes back as 0.30000001…; six decimals undo that.
        weight: Math.round(Number(row.weight) * 1e6) / 1e6,
        reasons: JSON.parse(row.reasons) as GateReason[],
        runId: row.run_id,
        decidedAt: row.decided_at,
      });
    }
  }
  return found;
}
