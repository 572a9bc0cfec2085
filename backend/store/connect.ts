/**
 * Opens the store named by AITL_DATABASE_URL: a `postgres://` (or `postgresql://`) URL selects PostgreSQL,
 * anything else is a SQLite file path (the embedded default, in WAL mode so readers never wait on the writer).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import { migrateToLatest } from './migrations.ts';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for logs and the start banner (password hidden). */
  location: string;
  close(): Promise<void>;
}

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** A database URL fit for logs and reports: its password hidden. */
export function hidePassword(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

export interface OpenOptions {
  /** PostgreSQL schema to use (created if missing); lets tests run side by side in one database. */
  schema?: string;
}

/** Opens the database and runs pending migrations. */
export async function openStore(url: string, options: OpenOptions = {}): Promise<Store> {
  const { store, schema } = isPostgresUrl(url) ? await openPostgres(url, options.schema) : { store: openSqlite(url), schema: undefined };
  try {
    // Kysely looks for its migration tables in every schema unless told which one: name ours, or a
    // `kysely_migration` table in another schema of the same database makes it skip creating this one.
    await migrateToLatest(store.db, schema);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

function openSqlite(path: string): Store {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusingStatements(database) }) });
  return { db, dialect: 'sqlite', location: path, close: () => db.destroy() };
}

/**
 * Kysely prepares every query it runs, and better-sqlite3 compiles the SQL on each prepare. Keep the most recent
 * compiled statements by SQL text and hand them out again, unless one is busy (a stream over it is still open).
 */
export function reusingStatements(database: SQLite.Database, capacity = 256): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) {
        // Map order is insertion order: moving the hit to the end keeps the least recently used first.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        cache.set(sql, statement);
        if (cache.size > capacity) cache.delete(cache.keys().next().value!);
      }
      return statement;
    },
  };
}

async function openPostgres(url: string, schema?: string): Promise<{ store: Store; schema: string | undefined }> {
  if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid PostgreSQL schema name: ${schema}`);
  // Loaded only here: a SQLite deployment (and every export or CLI run on one) does not pay its ~15 MB.
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 10, ...(schema ? { options: `-c search_path=${schema}` } : {}) });
  let current;
  try {
    if (schema) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    current = await pool.query<{ schema: string | null }>('SELECT current_schema() AS schema');
  } catch (error) {
    await pool.end();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const location = hidePassword(url) + (schema ? ` (schema ${schema})` : '');
  return { store: { db, dialect: 'postgres', location, close: () => db.destroy() }, schema: current.rows[0]?.schema ?? undefined };
}
