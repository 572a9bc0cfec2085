/**
 * The audit log: who did what, when, to which target, for each tenant. Append-only; readers page newest first.
 *
 *   await recordAudit(db, { tenant, actor: keyId ?? 'cli', role, action: 'export.create', target: batchId, detail: { kinds } });
 */
import type { Kysely } from 'kysely';
import { uuidv7 } from '../../shared/index.ts';
import type { AuditLogRow, Database } from './schema.ts';

export interface AuditEntry {
  tenant: string;
  /** The API key id, or `cli` for the command line. */
  actor: string;
  role: string;
  /** Dotted verb, e.g. `export.create`, `export.download`. */
  action: string;
  target?: string | null | undefined;
  detail?: Record<string, unknown> | undefined;
  at?: Date | undefined;
}

/** A stored entry, its detail parsed. */
export type AuditRecord = Omit<AuditLogRow, 'detail'> & { detail: Record<string, unknown> };

/** Appends one entry and answers its id. */
export async function recordAudit(db: Kysely<Database>, entry: AuditEntry): Promise<string> {
  const at = entry.at ?? new Date();
  const id = uuidv7(at.getTime());
  await db
    .insertInto('audit_log')
    .values({
      id,
      tenant: entry.tenant,
      actor: entry.actor,
      role: entry.role,
      action: entry.action,
      target: entry.target ?? null,
      detail: JSON.stringify(entry.detail ?? {}),
      at: at.toISOString(),
    })
    .execute();
  return id;
}

/**
 * The tenant of entries whose effect is not one tenant's: an import into the shared knowledge base serves every
 * tenant without its own, so it is recorded here and shown to every tenant's admins.
 */
export const GLOBAL_AUDIT_TENANT = '*';

/** Entries of these tenants (all when `tenants` is absent), newest first, optionally at or after `since` and of one action. */
export async function queryAudit(
  db: Kysely<Database>,
  q: { tenants?: string[] | undefined; since?: string | undefined; action?: string | undefined; limit: number },
): Promise<AuditRecord[]> {
  let query = db.selectFrom('audit_log').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(q.limit);
  if (q.tenants !== undefined) query = query.where('tenant', 'in', q.tenants.length > 0 ? q.tenants : ['']);
  if (q.since !== undefined) query = query.where('at', '>=', new Date(q.since).toISOString());
  if (q.action !== undefined) query = query.where('action', '=', q.action);
  const rows = await query.execute();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
