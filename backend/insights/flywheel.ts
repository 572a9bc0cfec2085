/**
 * GET /v1/insights/flywheel: the tenant's registry as it stands — the version of each artefact serving now, and the
 * newest 50 versions with the held-out comparisons each was decided on (metrics.comparisons, backend/flywheel/
 * holdout.ts) and whether an admin may restore it (retired or rolled back: what registry.ts rollback() accepts).
 * The versions are read as registry.ts listVersions does, without the artefacts: a trained ranking carries the memory
 * of every checked question, and fifty of them would be megabytes to read for a chart that shows none.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { FlywheelInsights } from '../../shared/index.ts';
import { currentVersionIds, type VersionStatus } from '../models/registry.ts';
import type { Database } from '../store/schema.ts';
import { readStoredJson } from './stored-json.ts';

export const VERSIONS_SHOWN = 50;

const RESTORABLE: readonly VersionStatus[] = ['retired', 'rolled_back'];

const finite = z.number().refine(Number.isFinite);
const PairedMetric = z.object({ current: finite, candidate: finite, diff: finite, se: finite });
const StoredComparison = z.object({ set: z.string(), n: z.number().int().nonnegative(), metrics: z.record(z.string(), z.unknown()) });

type Evidence = FlywheelInsights['versions'][number]['evidence'];

/** The comparisons in a version's metrics; a metric stored without a number (a NaN becomes null in JSON) is left out. */
export function evidenceOf(metrics: unknown): Evidence {
  const comparisons = (metrics as { comparisons?: unknown } | null | undefined)?.comparisons;
  if (!Array.isArray(comparisons)) return [];
  const evidence: Evidence = [];
  for (const item of comparisons) {
    const parsed = StoredComparison.safeParse(item);
    if (!parsed.success) continue;
    const kept = Object.entries(parsed.data.metrics).flatMap(([name, value]) => {
      const metric = PairedMetric.safeParse(value);
      return metric.success ? [[name, metric.data] as const] : [];
    });
    evidence.push({ set: parsed.data.set, n: parsed.data.n, metrics: Object.fromEntries(kept) });
  }
  return evidence;
}

export async function flywheelInsights(db: Kysely<Database>, tenant: string): Promise<FlywheelInsights> {
  const current = await currentVersionIds(db, tenant);
  const versions = await db
    .selectFrom('model_versions')
    .select(['id', 'kind', 'parent', 'run_id', 'status', 'reason', 'metrics', 'created_at', 'status_at'])
    .where('tenant', '=', tenant)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(VERSIONS_SHOWN)
    .execute();
  return {
    current,
    versions: versions.map((v) => ({
      id: v.id,
      kind: v.kind,
      parent: v.parent,
      runId: v.run_id,
      status: v.status,
      reason: v.reason,
      createdAt: new Date(v.created_at).toISOString(),
      statusAt: new Date(v.status_at).toISOString(),
      evidence: evidenceOf(readStoredJson(v.metrics)),
      restorable: (RESTORABLE as readonly string[]).includes(v.status),
    })),
  };
}
