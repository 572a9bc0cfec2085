/**
 * Which knowledge base serves a tenant. Each tenant has its own; the shared base `*` holds what serves every
 * tenant without one (the demo help centre, `aitl kb import` without --tenant, knowledge stored before bases were
 * per tenant). A deployment that wants one knowledge base for all (AITL_KNOWLEDGE=shared) reads and imports `*` only.
 */
import type { Kysely } from 'kysely';
import { latestImport } from '../store/passages.ts';
import type { Database } from '../store/schema.ts';

export const SHARED_KNOWLEDGE = '*';

export type KnowledgeMode = 'per-tenant' | 'shared';

/** The base an admin of `tenant` imports into. */
export function importBaseOf(tenant: string, mode: KnowledgeMode): string {
  return mode === 'shared' ? SHARED_KNOWLEDGE : tenant;
}

/** The base that answers `tenant`'s suggestions: its own once it imported any, else the shared one. */
export async function servingBaseOf(db: Kysely<Database>, tenant: string, mode: KnowledgeMode): Promise<string> {
  if (mode === 'shared' || tenant === SHARED_KNOWLEDGE) return SHARED_KNOWLEDGE;
  return (await latestImport(db, tenant)) ? tenant : SHARED_KNOWLEDGE;
}
