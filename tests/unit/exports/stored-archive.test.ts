import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archiveChunkWriter, readStoredArchive } from '../../../backend/exports/stored-archive.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';

let store: Store;
beforeEach(async () => {
  store = await openStore(':memory:');
});
afterEach(async () => {
  await store.close();
});

/** Writes `data` through the chunk writer in pieces of the given sizes (cycled). */
async function storeArchive(id: string, data: Buffer, chunkBytes: number, pieces: number[]): Promise<void> {
  const parts: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const size = pieces[i % pieces.length]!;
    parts.push(data.subarray(at, at + size));
    at += size;
  }
  await pipeline(Readable.from(parts), archiveChunkWriter(store.db, id, chunkBytes));
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  const reader = stream.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) parts.push(read.value);
  return Buffer.concat(parts);
}

const chunkSizes = async (id: string) =>
  (await store.db.selectFrom('export_archive_chunks').select(['seq', 'bytes']).where('batch_id', '=', id).orderBy('seq').execute()).map(
    (r) => r.bytes.length,
  );

describe('archives stored in chunks', () => {
  it.each([
    ['smaller than a chunk', 5, [5]],
    ['exactly one chunk', 64, [64]],
    ['many chunks, written in pieces that straddle them', 1000, [1, 63, 64, 65, 200]],
    ['many chunks, written in one piece', 1000, [1000]],
  ])('round-trips an archive %s byte for byte', async (_, length, pieces) => {
    const data = randomBytes(length);
    await storeArchive('b', data, 64, pieces);
    const sizes = await chunkSizes('b');
    expect(sizes.length).toBe(Math.ceil(length / 64));
    expect(sizes.slice(0, -1).every((s) => s === 64)).toBe(true);
    expect((await readAll((await readStoredArchive(store.db, 'b', length))!)).equals(data)).toBe(true);
  });

  it('has no archive to read for a batch without chunks', async () => {
    expect(await readStoredArchive(store.db, 'none', 10)).toBeUndefined();
  });

  it('errors rather than end short when chunks are missing', async () => {
    await storeArchive('b', randomBytes(200), 64, [200]);
    await store.db.deleteFrom('export_archive_chunks').where('seq', '>=', 2).execute();
    await expect(readAll((await readStoredArchive(store.db, 'b', 200))!)).rejects.toThrow('ends after 128 of its 200 bytes');
  });
});
