/**
 * API keys: `aitl_<id>_<secret>`, where `id` (16 hex digits) is public and names the key in lists and logs, and
 * `secret` is 32 random bytes in base64url. Only the SHA-256 of the whole key is stored, so a leaked database
 * does not leak usable keys; the key itself is shown once, when it is created.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Role } from '../../shared/index.ts';
import type { ApiKeyRow, Database } from './schema.ts';

const KEY_FORMAT = /^aitl_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A new key and its public id. */
export function generateApiKey(): { id: string; key: string } {
  const id = randomBytes(8).toString('hex');
  return { id, key: `aitl_${id}_${randomBytes(32).toString('base64url')}` };
}

/** The public id of a well-formed key, or undefined for anything else. */
export function parseApiKey(key: string): { id: string } | undefined {
  const match = KEY_FORMAT.exec(key);
  return match ? { id: match[1]! } : undefined;
}

/** SHA-256 hex of the whole key: what the store keeps and looks keys up by. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** A key as lists show it: everything but the secret (which is not stored anyway). */
export interface ApiKeyInfo {
  id: string;
  tenant: string;
  role: Role;
  name: string;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

function toInfo(row: ApiKeyRow): ApiKeyInfo {
  return {
    id: row.id,
    tenant: row.tenant,
    role: row.role as Role,
    name: row.name,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export interface NewKeySpec {
  tenant: string;
  role: Role;
  name?: string | undefined;
}

/** Creates a key; the returned `key` is the only copy of the secret there will ever be. */
export async function createApiKey(db: Kysely<Database>, spec: NewKeySpec, now: Date = new Date()): Promise<{ key: string; info: ApiKeyInfo }> {
  const { id, key } = generateApiKey();
  const row: ApiKeyRow = {
    id,
    tenant: spec.tenant,
    role: spec.role,
    name: spec.name ?? '',
    key_hash: hashApiKey(key),
    created_at: now.toISOString(),
    revoked_at: null,
    last_used_at: null,
  };
  await db.insertInto('api_keys').values(row).execute();
  return { key, info: toInfo(row) };
}

export async function listApiKeys(db: Kysely<Database>): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom('api_keys').selectAll().orderBy('tenant').orderBy('created_at').orderBy('id').execute();
  return rows.map(toInfo);
}

export type RevokeResult = 'revoked' | 'already_revoked' | 'not_found';

/** Revokes a key for good; requests with it answer 401 from then on. */
export async function revokeApiKey(db: Kysely<Database>, id: string, now: Date = new Date()): Promise<RevokeResult> {
  const result = await db
    .updateTable('api_keys')
    .set({ revoked_at: now.toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) > 0) return 'revoked';
  const existing = await db.selectFrom('api_keys').select('id').where('id', '=', id).executeTakeFirst();
  return existing ? 'already_revoked' : 'not_found';
}

/** The live (not revoked) key this secret belongs to, or undefined for an unknown, malformed or revoked key. */
export async function findActiveApiKey(db: Kysely<Database>, key: string): Promise<ApiKeyInfo | undefined> {
  const parsed = parseApiKey(key);
  if (!parsed) return undefined;
  const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hashApiKey(key)).executeTakeFirst();
  if (!row || row.id !== parsed.id || row.revoked_at !== null) return undefined;
  return toInfo(row);
}

/** Records that a key was used; callers throttle this (see the auth middleware). */
export async function touchApiKey(db: Kysely<Database>, id: string, now: Date = new Date()): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now.toISOString() }).where('id', '=', id).execute();
}

/** One key by its public id (revoked or not), or undefined. */
export async function getApiKey(db: Kysely<Database>, id: string): Promise<ApiKeyInfo | undefined> {
  const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? toInfo(row) : undefined;
}

/** A tenant's keys, oldest first (what the admin API lists). */
export async function listTenantApiKeys(db: Kysely<Database>, tenant: string): Promise<ApiKeyInfo[]> {
  const rows = await db.selectFrom('api_keys').selectAll().where('tenant', '=', tenant).orderBy('created_at').orderBy('id').execute();
  return rows.map(toInfo);
}
