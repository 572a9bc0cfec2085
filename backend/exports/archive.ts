/**
 * A batch folder packed into one archive, streamed from disk into a writable (the store's chunks: stored-archive.ts):
 * `tar.gz` (POSIX ustar, then gzip) or `zip` (entries stored as they are: the JSONL files are gzipped already).
 * Entries come in the order given with fixed metadata — mode 0644, owner 0, mtime 0 (tar) or 1980-01-01 (zip, the
 * earliest it can say) — so the archive's bytes depend only on the files' names and contents.
 */
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { crc32, createGzip } from 'node:zlib';
import { measuringStream } from './sink.ts';

export type ArchiveFormat = 'tar.gz' | 'zip';

export interface ArchiveResult {
  bytes: number;
  sha256: string;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** The 512-byte ustar header of a regular file. */
export function tarHeader(name: string, size: number): Buffer {
  if (Buffer.byteLength(name) > 100) throw new Error(`archive entry name longer than 100 bytes: ${name}`);
  const h = Buffer.alloc(BLOCK);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\u000000', 257, 'ascii');
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

async function* tarEntries(root: string, names: readonly string[]): AsyncGenerator<Buffer> {
  for (const name of names) {
    const size = statSync(join(root, name)).size;
    yield tarHeader(name, size);
    for await (const chunk of createReadStream(join(root, name))) yield chunk as Buffer;
    if (size % BLOCK) yield Buffer.alloc(BLOCK - (size % BLOCK));
  }
  yield Buffer.alloc(2 * BLOCK);
}

/** DOS date of 1980-01-01, time 00:00. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

async function fileCrc(path: string): Promise<number> {
  let crc = 0;
  for await (const chunk of createReadStream(path)) crc = crc32(chunk as Buffer, crc);
  return crc;
}

async function* zipEntries(root: string, names: readonly string[]): AsyncGenerator<Buffer> {
  const central: Buffer[] = [];
  let offset = 0;
  for (const name of names) {
    const path = join(root, name);
    const size = statSync(path).size;
    if (size >= 0xffffffff || offset >= 0xffffffff) throw new Error('zip archives over 4 GiB are not supported; ask for tar.gz');
    const crc = await fileCrc(path);
    const fileName = Buffer.from(name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8); // stored
    local.writeUInt16LE(0, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(size, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(fileName.length, 26);
    local.writeUInt16LE(0, 28);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(0x031e, 4); // made by: Unix, 3.0
    local.copy(entry, 6, 4, 30); // version needed … name length
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // external attributes: a regular file, 0644
    entry.writeUInt32LE(offset, 42);
    central.push(entry, fileName);
    yield local;
    yield fileName;
    for await (const chunk of createReadStream(path)) yield chunk as Buffer;
    offset += 30 + fileName.length + size;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  yield directory;
  yield end;
}

/** Packs `names` (paths under `root`, `/`-separated, in this order) into `out`, which it ends. */
export async function writeArchive(root: string, names: readonly string[], out: Writable, format: ArchiveFormat): Promise<ArchiveResult> {
  const { measure, result } = measuringStream();
  if (format === 'zip') await pipeline(zipEntries(root, names), measure, out);
  // Most entries are gzipped already: the fastest level packs them as well as any.
  else await pipeline(tarEntries(root, names), createGzip({ level: 1 }), measure, out);
  return result();
}
