/**
 * GET /v1/insights/flywheel: the tenant's registry as it stands — the version of each artefact serving now, and the
 * newest 50 versions with the held-out comparisons each was decided on (metrics.comparisons, backend/flywheel/
 * holdout.ts) and whether an admin may restore it (retired or rolled back: what registry.ts rollback() accepts).
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { FlywheelInsights } from '../../shared/index.ts';
import { currentVersionIds, listVersions, type VersionStatus } from '../models/registry.ts';
import type { Database } from '../store/schema.ts';

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
  const versions = await listVersions(db, tenant, { limit: VERSIONS_SHOWN });
  return {
    current,
    versions: versions.map((v) => ({
      id: v.id,
      kind: v.kind,
      parent: v.parent,
      runId: v.runId,
      status: v.status,
      reason: v.reason,
      createdAt: new Date(v.createdAt).toISOString(),
      statusAt: new Date(v.statusAt).toISOString(),
      evidence: evidenceOf(v.metrics),
      restorable: (RESTORABLE as readonly string[]).includes(v.status),
    })),
  };
}
