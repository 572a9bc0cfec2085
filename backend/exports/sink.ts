/**
 * One output file of a batch: records are encoded straight into 128 KiB buffers, optionally gzipped (no name,
 * mtime 0: the same records always give the same bytes) and written to disk with backpressure, while the file's
 * SHA-256, size and record count are kept for the manifest.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ExportFile, ExportKind } from '../../shared/index.ts';

const CHUNK = 128 * 1024;
const BUFFER = 256 * 1024;
export const GZIP_LEVEL = 1;

/** A serialised value, or a piece of one: text, or text already encoded as UTF-8 (copied as it is). */
export type Piece = string | Buffer;

/** A JSON object as its members' keys and already serialised values (or the pieces of one, in order), in order. */
export type Fields = readonly (readonly [string, Piece | readonly Piece[]])[];

export interface Sink {
  /** Appends one record (a whole line, newline included). Await it: it resolves at once unless the disk is behind. */
  record(line: string): Promise<void> | undefined;
  /** Appends one record `{"key":value,…}\n` written member by member, so a shared serialised prompt is not copied. */
  fields(fields: Fields): Promise<void> | undefined;
  /** Appends text that is not a record (a header line). */
  text(text: string): Promise<void> | undefined;
  close(): Promise<ExportFile>;
}

export interface SinkSpec {
  /** `/`-separated path under the batch folder. */
  path: string;
  kind: ExportKind;
  format: string;
  gzip: boolean;
}

/** A pass-through stream that counts and hashes (SHA-256) what flows through it, for the manifest. */
export function measuringStream(): { measure: Transform; result: () => { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  return { measure, result: () => ({ bytes, sha256: hash.digest('hex') }) };
}

export function openSink(root: string, spec: SinkSpec): Sink {
  const file = join(root, ...spec.path.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  const { measure, result } = measuringStream();
  // Level 1: on this kind of text four times as fast as the default 6 for files about half again larger, and a quarter
  // faster than level 2 for 1 % more bytes (tests/bench/export.ts: compression is a third of an export's CPU). A
  // buffer of a few chunks lets records be built while earlier ones are compressed on the thread pool.
  // (zlib hands its options on to the Transform it is, highWaterMark included.)
  const gzipOptions = { level: GZIP_LEVEL, memLevel: 9, chunkSize: 64 * 1024, highWaterMark: BUFFER };
  const head: Writable = spec.gzip ? createGzip(gzipOptions) : measure;
  const done = spec.gzip ? pipeline(head as Transform, measure, createWriteStream(file)) : pipeline(measure, createWriteStream(file));
  // A write error surfaces on close; keep it from being an unhandled rejection meanwhile.
  done.catch(() => undefined);
  // Text is encoded straight into a buffer outside the JS heap as it comes, so no long string is ever built.
  // Chunks come back for reuse once gzip has consumed them (it copies its input), so memory outside the heap stays a
  // few chunks. Plain files pass chunks on to the file stream as they are: those are never reused.
  const spare: Buffer[] = [];
  let chunk: Buffer = Buffer.allocUnsafe(CHUNK);
  let used = 0;
  let records = 0;

  const send = (data: Buffer, owner?: Buffer): Promise<void> | undefined => {
    const ok = head.write(data, () => {
      if (owner && spec.gzip && spare.length < 4) spare.push(owner);
    });
    return ok ? undefined : new Promise((resolve) => head.once('drain', resolve));
  };
  const flush = (): Promise<void> | undefined => {
    if (used === 0) return undefined;
    const full = chunk;
    const data = chunk.subarray(0, used);
    chunk = spare.pop() ?? Buffer.allocUnsafe(CHUNK);
    used = 0;
    return send(data, full);
  };
  const text = (t: string): Promise<void> | undefined => {
    // A UTF-16 code unit takes at most three bytes in UTF-8.
    if (t.length * 3 > CHUNK - used) {
      const flushed = flush();
      if (t.length * 3 > CHUNK) return flushed ? flushed.then(() => send(Buffer.from(t, 'utf8'))) : send(Buffer.from(t, 'utf8'));
      if (flushed) return flushed.then(() => void (used += chunk.write(t, used, 'utf8')));
    }
    used += chunk.write(t, used, 'utf8');
    return undefined;
  };
  const put = (piece: Piece): void => {
    if (typeof piece === 'string') used += chunk.write(piece, used, 'utf8');
    else used += piece.copy(chunk, used);
  };
  const joined = (value: Piece | readonly Piece[]): string =>
    typeof value === 'string'
      ? value
      : Buffer.isBuffer(value)
        ? value.toString('utf8')
        : value.map((p) => (typeof p === 'string' ? p : p.toString('utf8'))).join('');
  const fields = (parts: Fields): Promise<void> | undefined => {
    // At most: three bytes per UTF-16 code unit of text, plus the encoded pieces as they are.
    let chars = 2;
    let encoded = 0;
    for (const [key, value] of parts) {
      chars += key.length + 4;
      if (typeof value === 'string') chars += value.length;
      else if (Buffer.isBuffer(value)) encoded += value.length;
      else for (const piece of value) typeof piece === 'string' ? (chars += piece.length) : (encoded += piece.length);
    }
    const length = chars * 3 + encoded;
    if (length > CHUNK - used) {
      const whole = () => text(`{${parts.map(([k, v]) => `"${k}":${joined(v)}`).join(',')}}\n`);
      if (length > CHUNK) return whole();
      const flushed = flush();
      if (flushed) return flushed.then(whole);
    }
    used += chunk.write('{"', used, 'latin1');
    for (let i = 0; i < parts.length; i++) {
      if (i > 0) used += chunk.write(',"', used, 'latin1');
      used += chunk.write(parts[i]![0], used, 'utf8');
      used += chunk.write('":', used, 'latin1');
      const value = parts[i]![1];
      if (typeof value === 'string' || Buffer.isBuffer(value)) put(value);
      else for (const piece of value) put(piece);
    }
    used += chunk.write('}\n', used, 'latin1');
    return undefined;
  };
  return {
    record(line) {
      records++;
      return text(line);
    },
    fields(parts) {
      records++;
      return fields(parts);
    },
    text,
    async close() {
      await flush();
      head.end();
      await done;
      return { path: spec.path, kind: spec.kind, format: spec.format, records, ...result() };
    },
  };
}
