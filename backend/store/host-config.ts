/**
 * Each tenant's host-adapter selector overrides (shared/host-config.ts): one row per tenant, the validated config
 * as JSON text. Callers validate with HostConfig before storing; what is stored is served as is.
 */
import type { Kysely } from 'kysely';
import type { HostConfig } from '../../shared/index.ts';
import type { Database } from './schema.ts';

/** The config a tenant gets before an admin stores one. */
export const EMPTY_HOST_CONFIG_JSON = JSON.stringify({ selectors: {} } satisfies HostConfig);

export interface StoredHostConfig {
  /** The config as stored: JSON text of a HostConfig. */
  json: string;
  updatedAt: string;
  /** The admin key that stored it; null when stored from the command line. */
  updatedBy: string | null;
}

export async function getHostConfig(db: Kysely<Database>, tenant: string): Promise<StoredHostConfig | undefined> {
  const row = await db.selectFrom('host_config').selectAll().where('tenant', '=', tenant).executeTakeFirst();
  return row ? { json: row.config, updatedAt: row.updated_at, updatedBy: row.updated_by } : undefined;
}

/** Stores (replaces) the tenant's config; answers the JSON text stored. */
export async function putHostConfig(
  db: Kysely<Database>,
  tenant: string,
  config: HostConfig,
  updatedBy: string | null,
  now: Date = new Date(),
): Promise<StoredHostConfig> {
  const stored: StoredHostConfig = { json: JSON.stringify(config), updatedAt: now.toISOString(), updatedBy };
  await db
    .insertInto('host_config')
    .values({ tenant, config: stored.json, updated_at: stored.updatedAt, updated_by: updatedBy })
    .onConflict((oc) => oc.column('tenant').doUpdateSet({ config: stored.json, updated_at: stored.updatedAt, updated_by: updatedBy }))
    .execute();
  return stored;
}
