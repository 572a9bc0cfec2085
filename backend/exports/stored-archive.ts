/**
 * Export archives in the store (backend/store/export-archives.ts): written chunk by chunk as the archive is packed,
 * read back chunk by chunk as it is downloaded. Neither side holds more than a chunk or two of an archive, whatever
 * its size, and any backend on the store serves any batch.
 */
import { Writable } from 'node:stream';
import type { Kysely } from 'kysely';
import { archiveChunk, insertArchiveChunk } from '../store/export-archives.ts';
import type { Database } from '../store/schema.ts';

/** 1 MiB: few rows even for a large archive, each small enough for either dialect to insert and read at once. */
export const ARCHIVE_CHUNK_BYTES = 1024 * 1024;

/** A stream storing what is written to it as the batch's chunks, `chunkBytes` each but the last. */
export function archiveChunkWriter(db: Kysely<Database>, batchId: string, chunkBytes = ARCHIVE_CHUNK_BYTES): Writable {
  let chunk = Buffer.allocUnsafe(chunkBytes);
  let used = 0;
  let seq = 0;
  const store = async () => {
    const full = chunk.subarray(0, used);
    chunk = Buffer.allocUnsafe(chunkBytes);
    used = 0;
    await insertArchiveChunk(db, batchId, seq++, full);
  };
  const fill = async (data: Buffer) => {
    for (let at = 0; at < data.length; ) {
      const copied = data.copy(chunk, used, at);
      used += copied;
      at += copied;
      if (used === chunkBytes) await store();
    }
  };
  // Each write completes once its full chunks are stored: the packer waits on the store, never the other way round.
  return new Writable({
    write(data: Buffer, _encoding, done) {
      fill(data).then(() => done(), done);
    },
    final(done) {
      (used > 0 ? store() : Promise.resolve()).then(() => done(), done);
    },
  });
}

/**
 * The batch's archive of `bytes` bytes as a stream that reads each chunk when the consumer asks for more; undefined
 * when the store holds none. Should chunks vanish midway (the batch expired meanwhile) it errors rather than end
 * short, so a truncated archive is never taken for a whole one.
 */
export async function readStoredArchive(db: Kysely<Database>, batchId: string, bytes: number): Promise<ReadableStream<Uint8Array> | undefined> {
  let next = await archiveChunk(db, batchId, 0);
  if (!next) return undefined;
  let seq = 0;
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = next ?? (await archiveChunk(db, batchId, seq));
      next = undefined;
      if (!chunk) {
        controller.error(new Error(`The archive of export batch ${batchId} ends after ${sent} of its ${bytes} bytes`));
        return;
      }
      seq++;
      sent += chunk.length;
      controller.enqueue(chunk);
      if (sent >= bytes) controller.close();
    },
  });
}
