/**
 * Tenants as the store knows them: every tenant named by an API key, an annotation, a suggestion or a host config,
 * with counts. Tenants are not created anywhere; a tenant exists once a key is made for it.
 *
 *   await tenantSummaries(db)            // all of them (the command line)
 *   await tenantSummaries(db, 'acme')    // one (the admin API: an admin sees their own tenant)
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../store/schema.ts';

export const TenantSummary = z.object({
  tenant: z.string(),
  /** Live keys, revoked keys, and live keys per role. */
  keys: z.object({
    active: z.number().int(),
    revoked: z.number().int(),
    agent: z.number().int(),
    analyst: z.number().int(),
    admin: z.number().int(),
  }),
  annotations: z.number().int(),
  suggestions: z.number().int(),
  /** Newest annotation received or suggestion made; null when there was none. */
  lastActivityAt: z.string().nullable(),
  /** Whether the tenant has stored selector overrides or settings (`aitl config set`). */
  hostConfig: z.boolean(),
});
export type TenantSummary = z.infer<typeof TenantSummary>;

export const TenantList = z.object({ items: z.array(TenantSummary) });
export type TenantList = z.infer<typeof TenantList>;

const later = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a > b ? a : b);

export async function tenantSummaries(db: Kysely<Database>, only?: string): Promise<TenantSummary[]> {
  const keys = await db
    .selectFrom('api_keys')
    .select(['tenant', 'role', 'revoked_at'])
    .$if(only !== undefined, (q) => q.where('tenant', '=', only!))
    .execute();
  const annotations = await db
    .selectFrom('annotations')
    .select((eb) => ['tenant', eb.fn.countAll<string | number>().as('n'), eb.fn.max('received_at').as('last')])
    .$if(only !== undefined, (q) => q.where('tenant', '=', only!))
    .groupBy('tenant')
    .execute();
  const suggestions = await db
    .selectFrom('suggestions')
    .select((eb) => ['tenant', eb.fn.countAll<string | number>().as('n'), eb.fn.max('created_at').as('last')])
    .$if(only !== undefined, (q) => q.where('tenant', '=', only!))
    .groupBy('tenant')
    .execute();
  const configs = await db
    .selectFrom('host_config')
    .select('tenant')
    .$if(only !== undefined, (q) => q.where('tenant', '=', only!))
    .execute();

  const byTenant = new Map<string, TenantSummary>();
  const summary = (tenant: string) => {
    let s = byTenant.get(tenant);
    if (!s) {
      s = {
        tenant,
        keys: { active: 0, revoked: 0, agent: 0, analyst: 0, admin: 0 },
        annotations: 0,
        suggestions: 0,
        lastActivityAt: null,
        hostConfig: false,
      };
      byTenant.set(tenant, s);
    }
    return s;
  };
  for (const k of keys) {
    const s = summary(k.tenant);
    if (k.revoked_at === null) {
      s.keys.active++;
      if (k.role === 'agent' || k.role === 'analyst' || k.role === 'admin') s.keys[k.role]++;
    } else s.keys.revoked++;
  }
  for (const a of annotations)
    Object.assign(summary(a.tenant), { annotations: Number(a.n), lastActivityAt: later(summary(a.tenant).lastActivityAt, a.last) });
  for (const g of suggestions)
    Object.assign(summary(g.tenant), { suggestions: Number(g.n), lastActivityAt: later(summary(g.tenant).lastActivityAt, g.last) });
  for (const c of configs) summary(c.tenant).hostConfig = true;
  if (only !== undefined) summary(only);
  return [...byTenant.values()].sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}
