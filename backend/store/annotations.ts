/**
 * Annotations, stored exactly once per (tenant, id). A batch is written in one transaction with
 * `INSERT … ON CONFLICT (tenant, id) DO NOTHING`; ids that were not inserted are then compared by the hash of
 * what was received: the same hash is a resend (`duplicate`), another one is a client reusing an id for
 * different content (`id_conflict`). Concurrent identical batches therefore store each id once and both succeed.
 * The insights rollup counts the inserted ones in the same transaction, so it never counts a resend.
 */
import { createHash } from 'node:crypto';
import { CompiledQuery, type Kysely } from 'kysely';
import type { Annotation, AnnotationKind, StoredAnnotation } from '../../shared/index.ts';
import { addInsightCounts, annotationCount } from './insight-counts.ts';
import type { AnnotationTable, Database, NewAnnotation } from './schema.ts';

/**
 * JSON with object keys sorted at every level, so two serialisations of the same value are the same text.
 * `undefined` members are dropped, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // String building rather than map/join, and quoted keys remembered: this runs for every item of every batch.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      const member: unknown = value[i];
      if (i > 0) out += ',';
      out += member === undefined || typeof member === 'function' ? 'null' : canonicalJson(member);
    }
    return out + ']';
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const key of keys) {
    const member = record[key];
    if (member === undefined || typeof member === 'function') continue;
    if (!first) out += ',';
    first = false;
    out += quotedKey(key) + ':' + canonicalJson(member);
  }
  return out + '}';
}

const QUOTED_KEYS = new Map<string, string>();

/** JSON.stringify(key), remembered for the few hundred distinct keys annotations use. */
function quotedKey(key: string): string {
  let quoted = QUOTED_KEYS.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (QUOTED_KEYS.size < 1024) QUOTED_KEYS.set(key, quoted);
  }
  return quoted;
}

/** SHA-256 (hex) of the canonical JSON of an item as received. */
export function payloadHash(item: unknown): string {
  return hashCanonical(canonicalJson(item));
}

/** SHA-256 (hex) of an already canonical JSON text. */
export function hashCanonical(canonical: string): string {
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

/** The row an annotation is stored as. */
export function annotationRow(tenant: string, a: Annotation, hash: string, times: BatchTimes): NewAnnotation {
  return {
    tenant,
    id: a.id,
    kind: a.kind,
    suggestion_id: a.suggestionId,
    ticket_id: a.ticketId,
    host: a.host,
    agent: a.agent,
    payload: JSON.stringify(a),
    payload_hash: hash,
    client_time: a.clientTime,
    sent_at: times.sentAt,
    received_at: times.receivedAt,
  };
}

/** One item ready to store: the annotation as it will be kept (redacted) and the hash of what was received. */
export interface PreparedAnnotation {
  annotation: Annotation;
  hash: string;
}

export type StoreOutcome = 'accepted' | 'duplicate' | 'id_conflict';

export interface BatchTimes {
  /** The client's `sentAt`, if it gave one. */
  sentAt: string | null;
  receivedAt: string;
}

const COLUMNS = [
  'tenant',
  'id',
  'kind',
  'suggestion_id',
  'ticket_id',
  'host',
  'agent',
  'payload',
  'payload_hash',
  'client_time',
  'sent_at',
  'received_at',
] as const satisfies readonly (keyof AnnotationTable)[];

/** SQL of the batch insert, per store and row count: Kysely writes it once for the dialect, then it is reused. */
const insertSqlCache = new WeakMap<Kysely<Database>, Map<number, string>>();

/**
 * `INSERT INTO annotations (…) VALUES (…), … ON CONFLICT (tenant, id) DO NOTHING RETURNING id` for `n` rows, with
 * parameters in row order and COLUMNS order within a row. Building the query afresh for every batch of 100
 * rows costs about as much as the SQLite insert itself; the check below makes sure the parameter order is
 * the one assumed.
 */
function batchInsertSql(db: Kysely<Database>, n: number): string {
  let byCount = insertSqlCache.get(db);
  if (!byCount) insertSqlCache.set(db, (byCount = new Map()));
  const cached = byCount.get(n);
  if (cached !== undefined) return cached;
  const marker = (row: number, column: string) => `\u0000${row}:${column}`;
  const rows = Array.from({ length: n }, (_, r) => Object.fromEntries(COLUMNS.map((c) => [c, marker(r, c)])) as unknown as NewAnnotation);
  const compiled = db
    .insertInto('annotations')
    .values(rows)
    .onConflict((oc) => oc.columns(['tenant', 'id']).doNothing())
    .returning('id')
    .compile();
  const expected = rows.flatMap((_, r) => COLUMNS.map((c) => marker(r, c)));
  if (compiled.parameters.length !== expected.length || compiled.parameters.some((p, i) => p !== expected[i])) {
    throw new Error('unexpected parameter order in the compiled annotation insert');
  }
  byCount.set(n, compiled.sql);
  return compiled.sql;
}

/** PostgreSQL's deadlock and serialization failures: the transaction is safe to run again. */
const RETRYABLE = new Set(['40P01', '40001']);

/**
 * Stores a batch for `tenant` in one transaction and says, per item and in order, what became of it. Within the
 * batch the first occurrence of an id wins; later ones are compared with what ends up stored for that id.
 */
export async function storeAnnotations(
  db: Kysely<Database>,
  tenant: string,
  items: readonly PreparedAnnotation[],
  times: BatchTimes,
): Promise<StoreOutcome[]> {
  if (items.length === 0) return [];
  const firstById = new Map<string, PreparedAnnotation>();
  for (const item of items) if (!firstById.has(item.annotation.id)) firstById.set(item.annotation.id, item);
  // Insert in id order: concurrent batches that share ids then lock them in the same order and cannot deadlock.
  const rows: NewAnnotation[] = [...firstById.values()]
    .sort((a, b) => (a.annotation.id < b.annotation.id ? -1 : a.annotation.id > b.annotation.id ? 1 : 0))
    .map(({ annotation: a, hash }) => annotationRow(tenant, a, hash, times));

  const parameters: unknown[] = [];
  for (const row of rows) for (const column of COLUMNS) parameters.push(row[column]);

  let inserted: Set<string> = new Set();
  let stored = new Map<string, string>();
  for (let attempt = 1; ; attempt++) {
    try {
      [inserted, stored] = await db.transaction().execute(async (trx) => {
        const done = await trx.executeQuery<{ id: string }>(CompiledQuery.raw(batchInsertSql(db, rows.length), parameters));
        const insertedIds = new Set(done.rows.map((r) => r.id));
        await addInsightCounts(
          trx,
          [...insertedIds].map((id) => annotationCount(tenant, firstById.get(id)!.annotation, times.receivedAt)),
        );
        const others = rows.filter((r) => !insertedIds.has(r.id)).map((r) => r.id);
        const hashes = new Map<string, string>();
        if (others.length > 0) {
          const existing = await trx
            .selectFrom('annotations')
            .select(['id', 'payload_hash'])
            .where('tenant', '=', tenant)
            .where('id', 'in', others)
            .execute();
          for (const row of existing) hashes.set(row.id, row.payload_hash);
        }
        return [insertedIds, hashes] as const;
      });
      break;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (attempt >= 3 || typeof code !== 'string' || !RETRYABLE.has(code)) throw error;
    }
  }

  const seen = new Set<string>();
  return items.map((item) => {
    const id = item.annotation.id;
    const first = !seen.has(id);
    seen.add(id);
    if (first && inserted.has(id)) return 'accepted';
    const winner = inserted.has(id) ? firstById.get(id)!.hash : stored.get(id);
    // No stored hash would mean the row vanished between insert and read; annotations are never deleted.
    if (winner === undefined) throw new Error(`annotation ${id} was neither inserted nor found`);
    return winner === item.hash ? 'duplicate' : 'id_conflict';
  });
}

/** Where a page starts: after this (received_at, id). */
export interface PagePosition {
  receivedAt: string;
  id: string;
}

export interface AnnotationQuery {
  tenant: string;
  /** Only annotations received at or after this instant (ISO 8601). */
  since?: string | undefined;
  kind?: AnnotationKind | undefined;
  limit: number;
  after?: PagePosition | undefined;
}

/** One page in (received_at, id) order, and where the next one starts (undefined at the end). */
export async function listAnnotations(db: Kysely<Database>, q: AnnotationQuery): Promise<{ items: StoredAnnotation[]; next?: PagePosition }> {
  let query = db
    .selectFrom('annotations')
    .select(['id', 'payload', 'received_at', 'sent_at'])
    .where('tenant', '=', q.tenant)
    .orderBy('received_at')
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.since !== undefined) query = query.where('received_at', '>=', new Date(q.since).toISOString());
  if (q.kind !== undefined) query = query.where('kind', '=', q.kind);
  if (q.after) {
    const { receivedAt, id } = q.after;
    query = query.where((eb) => eb(eb.refTuple('received_at', 'id'), '>', eb.tuple(receivedAt, id)));
  }
  const rows = await query.execute();
  const page = rows.slice(0, q.limit);
  const items = page.map((row) => ({
    annotation: JSON.parse(row.payload) as Annotation,
    receivedAt: row.received_at,
    sentAt: row.sent_at,
  }));
  const last = page[page.length - 1];
  return rows.length > q.limit && last ? { items, next: { receivedAt: last.received_at, id: last.id } } : { items };
}

/** Counts stored annotations of a tenant, optionally of one id: for tests and operators. */
export async function countAnnotations(db: Kysely<Database>, tenant: string, id?: string): Promise<number> {
  let query = db
    .selectFrom('annotations')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('tenant', '=', tenant);
  if (id !== undefined) query = query.where('id', '=', id);
  const row = await query.executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Every stored annotation of every tenant, or of one (and of some kinds), page by page in (tenant, received_at, id)
 * order, for the flywheel; `pageSize` bounds what is held at once.
 */
export async function* scanAnnotations(
  db: Kysely<Database>,
  options: { tenant?: string; kinds?: readonly AnnotationKind[]; pageSize?: number } = {},
): AsyncGenerator<StoredAnnotation[]> {
  const pageSize = options.pageSize ?? 5_000;
  let after: { tenant: string; receivedAt: string; id: string } | undefined;
  for (;;) {
    let query = db
      .selectFrom('annotations')
      .select(['tenant', 'id', 'payload', 'received_at', 'sent_at'])
      .orderBy('tenant')
      .orderBy('received_at')
      .orderBy('id')
      .limit(pageSize);
    if (options.tenant !== undefined) query = query.where('tenant', '=', options.tenant);
    if (options.kinds) query = query.where('kind', 'in', [...options.kinds]);
    if (after) {
      const { tenant, receivedAt, id } = after;
      query = query.where((eb) => eb(eb.refTuple('tenant', 'received_at', 'id'), '>', eb.tuple(tenant, receivedAt, id)));
    }
    const rows = await query.execute();
    if (rows.length === 0) return;
    yield rows.map((row) => ({ annotation: JSON.parse(row.payload) as Annotation, receivedAt: row.received_at, sentAt: row.sent_at }));
    const last = rows[rows.length - 1]!;
    if (rows.length < pageSize) return;
    after = { tenant: last.tenant, receivedAt: last.received_at, id: last.id };
  }
}

/** The tenants that stored any annotation: those a flywheel cycle has something to learn for. */
export async function tenantsWithAnnotations(db: Kysely<Database>): Promise<string[]> {
  const rows = await db.selectFrom('annotations').select('tenant').distinct().orderBy('tenant').execute();
  return rows.map((r) => r.tenant);
}
