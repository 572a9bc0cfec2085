/**
 * One job of a kind at a time across every backend sharing the store: a knowledge import into a base, a tenant's
 * flywheel cycle. Several
 * backends on one PostgreSQL database take a session advisory lock (keyed by the schema, so side-by-side schemas
 * do not wait on each other; PostgreSQL releases it if the process dies). A SQLite store belongs to one process, so
 * there a flag per store suffices. A job that finds the lock taken does not wait: the caller says "busy" or skips.
 */
import { sql } from 'kysely';
import type { Store } from './connect.ts';

/** A knowledge import into one base, a flywheel cycle of one tenant: `<job>:<base or tenant>`. */
export type ExclusiveJob = `knowledge-import:${string}` | `flywheel-cycle:${string}`;

const heldInProcess = new WeakMap<Store, Set<ExclusiveJob>>();

/** Runs `job` if no other holds its lock; `{ ran: false }` at once if one does. */
export async function withExclusive<T>(store: Store, job: ExclusiveJob, run: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const held = heldInProcess.get(store) ?? new Set<ExclusiveJob>();
  heldInProcess.set(store, held);
  if (held.has(job)) return { ran: false };
  held.add(job);
  try {
    if (store.dialect !== 'postgres') return { ran: true, value: await run() };
    // The lock lives in one session: the connection that took it holds it while `run` works on others.
    return await store.db.connection().execute(async (connection) => {
      const key = sql`hashtext(current_schema() || ${`:aitl:${job}`})`;
      const { rows } = await sql<{ locked: boolean }>`SELECT pg_try_advisory_lock(${key}) AS locked`.execute(connection);
      if (!rows[0]?.locked) return { ran: false as const };
      try {
        return { ran: true as const, value: await run() };
      } finally {
        await sql`SELECT pg_advisory_unlock(${key})`.execute(connection);
      }
    });
  } finally {
    held.delete(job);
  }
}
