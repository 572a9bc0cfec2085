/**
 * Knowledge-base passages and the imports that brought them, each in one knowledge base: a tenant's own, or the
 * shared one (`*`). Plain functions over `db` or a transaction.
 */
import type { Kysely } from 'kysely';
import { yieldToLoop } from '../event-loop.ts';
import type { Database, KbImportRow, PassageDraft, PassageRow } from './schema.ts';

// Well under SQLite's bound-parameter limit and PostgreSQL's 65k, whatever the column count.
const CHUNK = 200;

export interface ImportRecord {
  id: string;
  source: string;
  format: string;
  articles: number;
  createdAt: string;
}

/** Stores (or replaces, by id) passages in knowledge base `base` and records the import, in one transaction. */
export async function savePassages(db: Kysely<Database>, base: string, record: ImportRecord, passages: PassageDraft[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < passages.length; i += CHUNK) {
      // Requests that need no store are served between chunks (SQLite's one connection stays with the import).
      if (i > 0) await yieldToLoop();
      await trx
        .insertInto('passages')
        .values(passages.slice(i, i + CHUNK).map((p) => ({ ...p, tenant: base })))
        .onConflict((oc) =>
          oc.columns(['tenant', 'id']).doUpdateSet((eb) => ({
            article_id: eb.ref('excluded.article_id'),
            title: eb.ref('excluded.title'),
            text: eb.ref('excluded.text'),
            url: eb.ref('excluded.url'),
            anchor: eb.ref('excluded.anchor'),
            position: eb.ref('excluded.position'),
            metadata: eb.ref('excluded.metadata'),
            import_id: eb.ref('excluded.import_id'),
          })),
        )
        .execute();
    }
    await trx
      .insertInto('kb_imports')
      .values({
        id: record.id,
        tenant: base,
        source: record.source,
        format: record.format,
        articles: record.articles,
        passages: passages.length,
        created_at: record.createdAt,
      })
      .execute();
  });
}

/** Every passage of `base` in id order, read in pages so a large base does not hold the server (or SQLite's one connection) in one query. */
export async function listPassages(db: Kysely<Database>, base: string, pageSize = 2_000): Promise<PassageRow[]> {
  const rows: PassageRow[] = [];
  for (;;) {
    let query = db.selectFrom('passages').selectAll().where('tenant', '=', base).orderBy('id').limit(pageSize);
    if (rows.length > 0) query = query.where('id', '>', rows[rows.length - 1]!.id);
    const page = await query.execute();
    rows.push(...page);
    if (page.length < pageSize) return rows;
    await yieldToLoop();
  }
}

export async function countPassages(db: Kysely<Database>, base: string): Promise<number> {
  const row = await db
    .selectFrom('passages')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('tenant', '=', base)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The newest import into `base`, whose id names the index version. */
export async function latestImport(db: Kysely<Database>, base: string): Promise<KbImportRow | undefined> {
  return db
    .selectFrom('kb_imports')
    .selectAll()
    .where('tenant', '=', base)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Every knowledge base holding an import → the id of its newest import. */
export async function latestImports(db: Kysely<Database>): Promise<Map<string, string>> {
  const rows = await db.selectFrom('kb_imports').select(['tenant', 'id']).orderBy('created_at').orderBy('id').execute();
  return new Map(rows.map((r) => [r.tenant, r.id]));
}
