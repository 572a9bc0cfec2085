/** Knowledge-base passages and the imports that brought them. Plain functions over `db` or a transaction. */
import type { Kysely } from 'kysely';
import { yieldToLoop } from '../event-loop.ts';
import type { Database, KbImportRow, NewPassage, PassageRow } from './schema.ts';

// Well under SQLite's bound-parameter limit and PostgreSQL's 65k, whatever the column count.
const CHUNK = 200;

export interface ImportRecord {
  id: string;
  source: string;
  format: string;
  articles: number;
  createdAt: string;
}

/** Stores (or replaces, by id) passages and records the import, in one transaction. */
export async function savePassages(db: Kysely<Database>, record: ImportRecord, passages: NewPassage[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let i = 0; i < passages.length; i += CHUNK) {
      // Requests that need no store are served between chunks (SQLite's one connection stays with the import).
      if (i > 0) await yieldToLoop();
      await trx
        .insertInto('passages')
        .values(passages.slice(i, i + CHUNK))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet((eb) => ({
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
        source: record.source,
        format: record.format,
        articles: record.articles,
        passages: passages.length,
        created_at: record.createdAt,
      })
      .execute();
  });
}

export async function listPassages(db: Kysely<Database>): Promise<PassageRow[]> {
  return db.selectFrom('passages').selectAll().orderBy('id').execute();
}

export async function countPassages(db: Kysely<Database>): Promise<number> {
  const row = await db.selectFrom('passages').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The newest import, whose id names the index version. */
export async function latestImport(db: Kysely<Database>): Promise<KbImportRow | undefined> {
  return db.selectFrom('kb_imports').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
}
