/** Export archives kept in the store: a batch's archive is its rows of export_archive_chunks, in `seq` order. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export async function insertArchiveChunk(db: Kysely<Database>, batchId: string, seq: number, bytes: Buffer): Promise<void> {
  await db.insertInto('export_archive_chunks').values({ batch_id: batchId, seq, bytes }).execute();
}

/** Chunk `seq` of a batch's archive; undefined past the last one (or when there is no archive). */
export async function archiveChunk(db: Kysely<Database>, batchId: string, seq: number): Promise<Buffer | undefined> {
  const row = await db.selectFrom('export_archive_chunks').select('bytes').where('batch_id', '=', batchId).where('seq', '=', seq).executeTakeFirst();
  return row?.bytes;
}

export async function deleteArchive(db: Kysely<Database>, batchId: string): Promise<void> {
  await db.deleteFrom('export_archive_chunks').where('batch_id', '=', batchId).execute();
}

/**
 * Removes the chunks of every batch that is not being made or ready: failed (interrupted, or swept while its
 * process still wrote), expired, or whose row is gone.
 */
export async function deleteOrphanArchives(db: Kysely<Database>): Promise<void> {
  await db
    .deleteFrom('export_archive_chunks')
    .where('batch_id', 'not in', db.selectFrom('export_batches').select('id').where('status', 'in', ['pending', 'running', 'ready']))
    .execute();
}
