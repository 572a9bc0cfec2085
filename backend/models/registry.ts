/**
 * The registry of trained artefacts: every version with its tenant, parent, inputs, metrics and status. Each
 * tenant's versions are its own. Exactly one version per tenant and kind is `promoted` at a time (none stored = the built-in default is current). Promotion and rollback are
 * single transactions, so a crash never leaves two current versions.
 */
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Database, ModelVersionRow } from '../store/schema.ts';
import { type ArtefactKind, DEFAULT_VERSION_ID } from './artefacts.ts';

export const VERSION_STATUSES = ['candidate', 'promoted', 'kept', 'retired', 'rolled_back'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];

export interface ModelVersion<A = unknown> {
  id: string;
  tenant: string;
  kind: ArtefactKind;
  parent: string | null;
  runId: string | null;
  status: VersionStatus;
  reason: string;
  inputs: Record<string, unknown>;
  metrics: Record<string, unknown>;
  artefact: A;
  createdAt: string;
  statusAt: string;
}

export interface NewVersion<A> {
  kind: ArtefactKind;
  parent: string | null;
  runId: string | null;
  inputs: Record<string, unknown>;
  metrics: Record<string, unknown>;
  artefact: A;
}

/**
 * `<kind>-<time base36><6 hex>`: time-ordered, unique, and short, because the index version a suggestion (and
 * every signal about it) carries has to fit in 128 characters.
 */
function versionId(kind: ArtefactKind, now: Date): string {
  return `${kind}-${now.getTime().toString(36)}${randomBytes(3).toString('hex')}`;
}

export async function addCandidate<A>(db: Kysely<Database>, tenant: string, v: NewVersion<A>, now = new Date()): Promise<ModelVersion<A>> {
  const at = now.toISOString();
  const row: ModelVersionRow = {
    id: versionId(v.kind, now),
    tenant,
    kind: v.kind,
    parent: v.parent,
    run_id: v.runId,
    status: 'candidate',
    reason: 'trained, not yet evaluated',
    inputs: JSON.stringify(v.inputs),
    metrics: JSON.stringify(v.metrics),
    artefact: JSON.stringify(v.artefact),
    created_at: at,
    status_at: at,
  };
  await db.insertInto('model_versions').values(row).execute();
  return toVersion<A>(row);
}

/** The tenant's promoted version of a kind, or undefined when the built-in default is current. */
export async function currentVersion<A>(db: Kysely<Database>, tenant: string, kind: ArtefactKind): Promise<ModelVersion<A> | undefined> {
  const row = await db
    .selectFrom('model_versions')
    .selectAll()
    .where('tenant', '=', tenant)
    .where('kind', '=', kind)
    .where('status', '=', 'promoted')
    .orderBy('status_at', 'desc')
    .executeTakeFirst();
  return row ? toVersion<A>(row) : undefined;
}

/**
 * Every tenant with a promoted version → its current version of each kind (`<kind>-default` for a kind it has none
 * of promoted); a tenant not in the map is served the defaults of every kind (DEFAULT_VERSION_ID).
 */
export async function promotedVersionIds(db: Kysely<Database>): Promise<Map<string, Record<ArtefactKind, string>>> {
  const rows = await db.selectFrom('model_versions').select(['tenant', 'kind', 'id']).where('status', '=', 'promoted').orderBy('status_at').execute();
  const byTenant = new Map<string, typeof rows>();
  for (const r of rows) byTenant.set(r.tenant, [...(byTenant.get(r.tenant) ?? []), r]);
  return new Map([...byTenant].map(([tenant, promoted]) => [tenant, currentOf(promoted)]));
}

/** Promoted `(kind, id)` rows, oldest first, as the current id of each kind (a kind without one: its default). */
function currentOf(promoted: readonly { kind: string; id: string }[]): Record<ArtefactKind, string> {
  const current = { ...DEFAULT_VERSION_ID };
  for (const r of promoted) if (Object.hasOwn(current, r.kind)) current[r.kind as ArtefactKind] = r.id;
  return current;
}

/** The id of the version serving `kind`: the promoted one given, else `<kind>-default`. */
export function currentVersionId(current: { id: string } | undefined, kind: ArtefactKind): string {
  return current?.id ?? DEFAULT_VERSION_ID[kind];
}

/** One of the tenant's versions (another tenant's is not found). */
export async function findVersion<A>(db: Kysely<Database>, tenant: string, id: string): Promise<ModelVersion<A> | undefined> {
  const row = await db.selectFrom('model_versions').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
  return row ? toVersion<A>(row) : undefined;
}

/** The tenant's current version of each kind: the promoted one, else `<kind>-default`. One query, no artefacts read. */
export async function currentVersionIds(db: Kysely<Database>, tenant: string): Promise<Record<ArtefactKind, string>> {
  const rows = await db
    .selectFrom('model_versions')
    .select(['kind', 'id'])
    .where('tenant', '=', tenant)
    .where('status', '=', 'promoted')
    .orderBy('status_at')
    .execute();
  return currentOf(rows);
}

/** A version as listed: everything but the artefact, which for a ranking holds the memory of every checked question. */
export type VersionSummary = Omit<ModelVersion, 'artefact'>;

/** The tenant's versions, newest first, without their artefacts (findVersion reads one with it). */
export async function listVersions(
  db: Kysely<Database>,
  tenant: string,
  options: { kind?: ArtefactKind; limit?: number } = {},
): Promise<VersionSummary[]> {
  let q = db
    .selectFrom('model_versions')
    .select(['id', 'tenant', 'kind', 'parent', 'run_id', 'status', 'reason', 'inputs', 'metrics', 'created_at', 'status_at'])
    .where('tenant', '=', tenant);
  if (options.kind) q = q.where('kind', '=', options.kind);
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit ?? 50)
    .execute();
  return rows.map(toSummary);
}

/** Records the evaluation and the decision on a candidate; promoting retires the version it replaces. */
export async function decide(
  db: Kysely<Database>,
  id: string,
  decision: { promote: boolean; reason: string; metrics: Record<string, unknown> },
  now = new Date(),
): Promise<void> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('model_versions').select(['tenant', 'kind', 'status']).where('id', '=', id).executeTakeFirst();
    if (!row) throw new Error(`No model version ${id}`);
    if (decision.promote) {
      await trx
        .updateTable('model_versions')
        .set({ status: 'retired', reason: `replaced by ${id}`, status_at: at })
        .where('tenant', '=', row.tenant)
        .where('kind', '=', row.kind)
        .where('status', '=', 'promoted')
        .execute();
    }
    await trx
      .updateTable('model_versions')
      .set({ status: decision.promote ? 'promoted' : 'kept', reason: decision.reason, metrics: JSON.stringify(decision.metrics), status_at: at })
      .where('id', '=', id)
      .execute();
  });
}

/**
 * Makes `id` current again (a version that was promoted before, or `<kind>-default` for the built-in one); the
 * version it replaces is marked rolled back. Returns the kind rolled back.
 */
export async function rollback(
  db: Kysely<Database>,
  tenant: string,
  id: string,
  now = new Date(),
): Promise<{ kind: ArtefactKind; from: string; to: string }> {
  const at = now.toISOString();
  const defaultKind = (Object.entries(DEFAULT_VERSION_ID) as [ArtefactKind, string][]).find(([, v]) => v === id)?.[0];
  return db.transaction().execute(async (trx) => {
    const target = defaultKind
      ? undefined
      : await trx.selectFrom('model_versions').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (!defaultKind && !target) throw new RollbackError(`No model version "${id}"; \`aitl flywheel status\` lists them`);
    // Only a version that once served (was promoted, then replaced or rolled back) can serve again: one that the
    // evaluation kept out must not come in through the back door.
    if (target && target.status !== 'retired' && target.status !== 'rolled_back' && target.status !== 'promoted') {
      throw new RollbackError(`${id} was never promoted (status ${target.status}: ${target.reason}); only earlier promoted versions can be restored`);
    }
    const kind = (defaultKind ?? target!.kind) as ArtefactKind;
    const current = await trx
      .selectFrom('model_versions')
      .select('id')
      .where('tenant', '=', tenant)
      .where('kind', '=', kind)
      .where('status', '=', 'promoted')
      .executeTakeFirst();
    const from = currentVersionId(current, kind);
    if (from === id) throw new RollbackError(`${id} is already the current ${kind} version`);
    if (current) {
      await trx
        .updateTable('model_versions')
        .set({ status: 'rolled_back', reason: `rolled back to ${id}`, status_at: at })
        .where('id', '=', current.id)
        .execute();
    }
    if (target) {
      await trx
        .updateTable('model_versions')
        .set({ status: 'promoted', reason: `restored by rollback from ${from}`, status_at: at })
        .where('id', '=', id)
        .execute();
    }
    return { kind, from, to: id };
  });
}

export class RollbackError extends Error {}

function toSummary(row: Omit<ModelVersionRow, 'artefact'>): VersionSummary {
  return {
    id: row.id,
    tenant: row.tenant,
    kind: row.kind as ArtefactKind,
    parent: row.parent,
    runId: row.run_id,
    status: row.status as VersionStatus,
    reason: row.reason,
    inputs: JSON.parse(row.inputs) as Record<string, unknown>,
    metrics: JSON.parse(row.metrics) as Record<string, unknown>,
    createdAt: row.created_at,
    statusAt: row.status_at,
  };
}

function toVersion<A>(row: ModelVersionRow): ModelVersion<A> {
  return { ...toSummary(row), artefact: JSON.parse(row.artefact) as A };
}
