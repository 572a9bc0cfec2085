/**
 * Several backends on one store never run two imports into one knowledge base, or two cycles of one tenant, at once
 * (store/exclusive.ts): on PostgreSQL across processes (two pools stand for two backends), on SQLite within the one
 * process that owns it. Other bases and tenants are not held up.
 */
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import { CycleBusyError, runFlywheelCycle } from '../../backend/flywheel/cycle.ts';
import { KB_IMPORT_PATH } from '../../backend/routes/admin.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { openStore, type Store } from '../../backend/store/connect.ts';
import { type ExclusiveJob, withExclusive } from '../../backend/store/exclusive.ts';
import { ErrorEnvelope } from '../../shared/index.ts';
import { createTestDeps, POSTGRES, SQLITE, type TestDatabase, useDatabase } from './dialects.ts';

/** Holds `job` on `store` until the returned release is called. */
async function hold(store: Store, job: ExclusiveJob) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let taken!: () => void;
  const isTaken = new Promise<void>((resolve) => (taken = resolve));
  const running = withExclusive(store, job, async () => {
    taken();
    await released;
    return 'held';
  });
  await Promise.race([isTaken, running]);
  return { release, running };
}

describe('on PostgreSQL, two backends on one database', () => {
  let database: TestDatabase;
  useDatabase(POSTGRES, async (d) => {
    database = d;
  });

  it('run one import into a base at a time; the other answers 409 busy until the first is done', async () => {
    const first = await database.open();
    const secondDeps = await createTestDeps(database);
    const app = createApp(secondDeps);
    const admin = (await createApiKey(secondDeps.store.db, { tenant: 'acme', role: 'admin' })).key;
    const jsonl = '{"id":"parcel-lockers","title":"Parcel lockers","body":"Lockers keep parcels for 72 hours."}\n';
    const importing = (key: string) =>
      app.request(KB_IMPORT_PATH, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
        body: jsonl,
      });

    const held = await hold(first, 'knowledge-import:acme');
    const busy = await importing(admin);
    expect(busy.status).toBe(409);
    expect(ErrorEnvelope.parse(await busy.json()).error.code).toBe('busy');
    // Another tenant's knowledge base is not waiting on acme's.
    const other = (await createApiKey(secondDeps.store.db, { tenant: 'globex', role: 'admin' })).key;
    expect((await importing(other)).status).toBe(200);
    held.release();
    expect(await held.running).toEqual({ ran: true, value: 'held' });
    expect((await importing(admin)).status).toBe(200);
  });

  it("run one cycle of a tenant at a time; the other skips, another tenant's runs", async () => {
    const first = await database.open();
    const secondDeps = await createTestDeps(database);
    const held = await hold(first, `flywheel-cycle:${secondDeps.config.defaultTenant}`);
    await expect(runFlywheelCycle(secondDeps)).rejects.toBeInstanceOf(CycleBusyError);
    await expect(runFlywheelCycle(secondDeps, { tenant: 'globex' })).resolves.toMatchObject({ tenant: 'globex' });
    held.release();
    await held.running;
    await expect(runFlywheelCycle(secondDeps)).resolves.toMatchObject({ status: expect.stringMatching(/kept|promoted/) });
  });

  it('keep side-by-side schemas apart: a job in one never blocks the same job in another', async () => {
    const first = await database.open();
    const other = await openStore(database.url, { schema: `${database.where}_b` });
    try {
      const held = await hold(first, 'flywheel-cycle:acme');
      expect(await withExclusive(other, 'flywheel-cycle:acme', async () => 'ran')).toEqual({ ran: true, value: 'ran' });
      held.release();
      await held.running;
    } finally {
      await other.db.schema.dropSchema(`${database.where}_b`).ifExists().cascade().execute();
      await other.close();
    }
  });
});

describe('on SQLite, within the process that owns the store', () => {
  let database: TestDatabase;
  useDatabase(SQLITE, async (d) => {
    database = d;
  });

  it('run one job of a kind at a time, and another kind alongside', async () => {
    const store = await database.open();
    const held = await hold(store, 'knowledge-import:*');
    expect(await withExclusive(store, 'knowledge-import:*', async () => 'second')).toEqual({ ran: false });
    expect(await withExclusive(store, 'knowledge-import:acme', async () => 'other base')).toEqual({ ran: true, value: 'other base' });
    expect(await withExclusive(store, 'flywheel-cycle:*', async () => 'other kind')).toEqual({ ran: true, value: 'other kind' });
    held.release();
    await held.running;
    expect(await withExclusive(store, 'knowledge-import:*', async () => 'after')).toEqual({ ran: true, value: 'after' });
  });
});
