/**
 * A batch folder packed into one archive, streamed from disk into a writable (the store's chunks: stored-archive.ts):
 * `tar.gz` (ustar by tar-stream, then gzip) or `zip` (by yazl; entries stored as they are — the JSONL files are gzipped
 * already — and zip64 once an entry or the archive passes 4 GiB). Entries come in the order given with fixed
 * metadata — mode 0644, owner 0, mtime 0 (tar) or 1980-01-01 (zip, the earliest it can say) — so the archive's bytes
 * depend only on the files' names and contents.
 */
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import yazl from 'yazl';
import { measuringStream } from './sink.ts';

export type ArchiveFormat = 'tar.gz' | 'zip';

export interface ArchiveResult {
  bytes: number;
  sha256: string;
}

const TAR_EPOCH = new Date(0);

function tarStream(root: string, names: readonly string[]): tar.Pack {
  const pack = tar.pack();
  (async () => {
    for (const name of names) {
      const path = join(root, name);
      const entry = pack.entry({
        name,
        size: statSync(path).size,
        mode: 0o644,
        mtime: TAR_EPOCH,
        uid: 0,
        gid: 0,
        uname: '',
        gname: '',
        type: 'file',
      });
      await pipeline(createReadStream(path), entry);
    }
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error as Error));
  return pack;
}

function zipStream(root: string, names: readonly string[]): NodeJS.ReadableStream {
  const zip = new yazl.ZipFile();
  // Local midnight, taken now: yazl writes the DOS date from local time, so this is 1980-01-01 00:00 in every time
  // zone; and no UTC timestamp field, which would differ by zone.
  const mtime = new Date(1980, 0, 1);
  for (const name of names) zip.addFile(join(root, name), name, { compress: false, mtime, mode: 0o100644, forceDosTimestamp: true });
  zip.end();
  return zip.outputStream;
}

/** Packs `names` (paths under `root`, `/`-separated, in this order) into `out`, which it ends. */
export async function writeArchive(root: string, names: readonly string[], out: Writable, format: ArchiveFormat): Promise<ArchiveResult> {
  const { measure, result } = measuringStream();
  if (format === 'zip') await pipeline(zipStream(root, names), measure, out);
  // Most entries are gzipped already: the fastest level packs them as well as any.
  else await pipeline(tarStream(root, names), createGzip({ level: 1 }), measure, out);
  return result();
}
