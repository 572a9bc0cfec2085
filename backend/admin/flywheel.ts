/** A tenant's flywheel for admins: the current version of each artefact, the registry's newest versions and runs. */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { currentVersionIds, listVersions, VERSION_STATUSES } from '../models/registry.ts';
import type { Database } from '../store/schema.ts';

export const FlywheelStatus = z.object({
  /** Artefact kind → the version serving now (`<kind>-default` for the built-in one). */
  current: z.record(z.string(), z.string()),
  versions: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      parent: z.string().nullable(),
      status: z.enum(VERSION_STATUSES),
      reason: z.string(),
      createdAt: z.string(),
      statusAt: z.string(),
      metrics: z.record(z.string(), z.unknown()),
    }),
  ),
  runs: z.array(z.object({ id: z.string(), startedAt: z.string(), finishedAt: z.string().nullable(), status: z.string() })),
});
export type FlywheelStatus = z.infer<typeof FlywheelStatus>;

export const RollbackRequest = z.object({
  version: z.string().min(1).max(200).describe('A version id from GET /v1/admin/flywheel, or ranking-default / variants-default'),
});

export const RollbackResult = z.object({ kind: z.string(), from: z.string(), to: z.string() });

export async function flywheelStatus(db: Kysely<Database>, tenant: string, limit = 20): Promise<FlywheelStatus> {
  const current = await currentVersionIds(db, tenant);
  const versions = await listVersions(db, tenant, { limit });
  const runs = await db
    .selectFrom('flywheel_runs')
    .select(['id', 'started_at', 'finished_at', 'status'])
    .where('tenant', '=', tenant)
    .orderBy('started_at', 'desc')
    .limit(10)
    .execute();
  return {
    current,
    versions: versions.map((v) => ({
      id: v.id,
      kind: v.kind,
      parent: v.parent,
      status: v.status,
      reason: v.reason,
      createdAt: v.createdAt,
      statusAt: v.statusAt,
      metrics: v.metrics,
    })),
    runs: runs.map((r) => ({ id: r.id, startedAt: r.started_at, finishedAt: r.finished_at, status: r.status })),
  };
}
