/**
 * Test databases for both store dialects, so every integration test runs on SQLite and PostgreSQL alike.
 *
 * - SQLite: a file in a fresh temp folder (not `:memory:`), so WAL mode is real; removed afterwards.
 * - PostgreSQL: `AITL_TEST_DATABASE_URL` (default postgres://postgres@127.0.0.1:5432/test), one fresh schema
 *   `aitl_test_<random>` per test database, dropped (CASCADE) afterwards. An unreachable server fails the tests
 *   with a message saying how to point them elsewhere; they are never skipped.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { pino } from 'pino';
import { type Config, loadConfig } from '../../backend/config.ts';
import { DEMO_HELP_CENTRE } from '../../backend/demo/tickets.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { createDeps } from '../../backend/deps.ts';
import { type Dialect, hidePassword, type OpenOptions, openStore, type Store } from '../../backend/store/connect.ts';
import type { Database } from '../../backend/store/schema.ts';

export const POSTGRES_URL = process.env.AITL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  dialect: Dialect;
  /** What `openStore` (or AITL_DATABASE_URL) takes. */
  url: string;
  options: OpenOptions;
  /** The PostgreSQL schema, or the SQLite file. */
  where: string;
  /** Opens (and migrates) a store on this database; closed by `dispose`. */
  open(): Promise<Store>;
  /** Has `dispose` close a store opened elsewhere (e.g. by createDeps). */
  track(store: Store): Store;
  /** Closes every store, then removes the database. */
  dispose(): Promise<void>;
}

export interface DialectFactory {
  name: Dialect;
  create(): Promise<TestDatabase>;
}

/** The SQLite journal mode of an open store: `wal` for a file store. */
export async function journalMode(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
  return rows[0]!.journal_mode;
}

function tracker() {
  const stores: Store[] = [];
  return {
    track(store: Store): Store {
      stores.push(store);
      return store;
    },
    async closeAll() {
      const open = stores.splice(0);
      await Promise.all(open.map((s) => s.close()));
    },
  };
}

export const SQLITE: DialectFactory = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'aitl-it-'));
    const file = join(dir, 'aitl.db');
    const stores = tracker();
    return {
      dialect: 'sqlite',
      url: file,
      options: {},
      where: file,
      async open() {
        const store = stores.track(await openStore(file));
        const mode = await journalMode(store.db);
        if (mode !== 'wal') throw new Error(`SQLite store ${file} is in journal mode ${mode}, expected wal`);
        return store;
      },
      track: stores.track,
      async dispose() {
        await stores.closeAll();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export const POSTGRES: DialectFactory = {
  name: 'postgres',
  async create() {
    const url = POSTGRES_URL;
    try {
      await withClient(url, (c) => c.query('SELECT 1'));
    } catch (error) {
      throw new Error(
        `PostgreSQL is not reachable at ${hidePassword(url)}: ${(error as Error).message || String(error)}\n` +
          'The integration tests run against both SQLite and PostgreSQL. Start a server, or point the tests at one with\n' +
          '  AITL_TEST_DATABASE_URL=postgres://user@host:port/db npx vitest run --project integration',
        { cause: error },
      );
    }
    const schema = `aitl_test_${randomBytes(6).toString('hex')}`;
    const stores = tracker();
    return {
      dialect: 'postgres',
      url,
      options: { schema },
      where: schema,
      open: async () => stores.track(await openStore(url, { schema })),
      track: stores.track,
      async dispose() {
        await stores.closeAll();
        await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
      },
    };
  },
};

export const DIALECTS: DialectFactory[] = [SQLITE, POSTGRES];

/**
 * Registers the hooks of a describe block that works on one test database: `setup` runs once with a fresh database,
 * `each` before every test, and the database is disposed of at the end. When the database cannot be created (say
 * PostgreSQL is down), every test of the block fails with the reason rather than being skipped.
 */
export function useDatabase(dialect: DialectFactory, setup: (database: TestDatabase) => Promise<void>, each?: () => Promise<void>): void {
  let database: TestDatabase | undefined;
  let failure: unknown;
  beforeAll(async () => {
    try {
      database = await dialect.create();
      await setup(database);
    } catch (error) {
      failure = error;
    }
  });
  beforeEach(async () => {
    if (failure) throw failure;
    await each?.();
  });
  afterAll(async () => {
    await database?.dispose();
  });
}

/** Empties every table, so each test starts from a blank store. */
export async function clearTables(db: Kysely<Database>): Promise<void> {
  await db.deleteFrom('passage_vectors').execute();
  await db.deleteFrom('page_reports').execute();
  await db.deleteFrom('host_config').execute();
  await db.deleteFrom('annotations').execute();
  await db.deleteFrom('api_keys').execute();
  await db.deleteFrom('suggestions').execute();
  await db.deleteFrom('passages').execute();
  await db.deleteFrom('kb_imports').execute();
}

export function testConfig(databaseUrl: string): Config {
  return loadConfig({ AITL_DATABASE_URL: databaseUrl, AITL_LOG_LEVEL: 'silent', AITL_PORT: '0' });
}

/**
 * What createDeps (backend/deps.ts) builds at start: the store, the demo help centre imported, the knowledge index.
 * SQLite goes through createDeps itself; PostgreSQL is built by hand because createDeps cannot name a schema.
 */
export async function createTestDeps(database: TestDatabase): Promise<AppDeps> {
  const logger = pino({ level: 'silent' });
  const config = testConfig(database.url);
  if (database.dialect === 'sqlite') {
    const deps = await createDeps(config, logger);
    database.track(deps.store);
    return deps;
  }
  const store = await database.open();
  // As createDeps: the demo help centre in the shared base, the default tenant's index built at once.
  await importKnowledge(store.db, DEMO_HELP_CENTRE);
  const knowledge = await createKnowledge(store.db, { mode: config.knowledge });
  await knowledge.of(config.defaultTenant);
  return { config, store, knowledge, logger };
}

/** The store's URL as AITL_DATABASE_URL for the CLI: a PostgreSQL test schema is chosen through search_path. */
export function databaseUrl(database: TestDatabase): string {
  if (database.dialect === 'sqlite') return database.url;
  return `${database.url}${database.url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${database.where}`)}`;
}

/**
 * The CLI reads AITL_* from the environment: each test of the calling file starts with none set, and the real ones
 * are put back after it.
 */
export function isolateAitlEnv(): void {
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    saved = Object.fromEntries(
      Object.keys(process.env)
        .filter((k) => k.startsWith('AITL_'))
        .map((k) => [k, process.env[k]]),
    );
    for (const key of Object.keys(saved)) delete process.env[key];
  });
  afterEach(() => {
    for (const key of Object.keys(process.env)) if (key.startsWith('AITL_')) delete process.env[key];
    for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
  });
}
