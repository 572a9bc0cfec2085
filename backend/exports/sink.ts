/**
 * One output file of a batch: records go in as text lines, are buffered into large chunks, optionally gzipped
 * (no name, mtime 0: the same lines always give the same bytes) and written to disk with backpressure, while the
 * file's SHA-256, size and record count are kept for the manifest.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ExportFile, ExportKind } from '../../shared/index.ts';

const CHUNK = 256 * 1024;
const BUFFER = 1024 * 1024;
export const GZIP_LEVEL = 4;

export interface Sink {
  /** Appends one record (a whole line, newline included). Await it: it resolves at once unless the disk is behind. */
  record(line: string): Promise<void> | undefined;
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

export function openSink(root: string, spec: SinkSpec): Sink {
  const file = join(root, ...spec.path.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  // Level 4: on this kind of text about three times as fast as the default 6 for files about a quarter larger. A
  // large buffer lets records be built while earlier ones are compressed on the thread pool.
  // (zlib hands its options on to the Transform it is, highWaterMark included.)
  const gzipOptions = { level: GZIP_LEVEL, memLevel: 9, chunkSize: 64 * 1024, highWaterMark: BUFFER };
  const head: Writable = spec.gzip ? createGzip(gzipOptions) : measure;
  const done = spec.gzip
    ? pipeline(head as Transform, measure, createWriteStream(file))
    : pipeline(measure, createWriteStream(file));
  // A write error surfaces on close; keep it from being an unhandled rejection meanwhile.
  done.catch(() => undefined);
  let buffer = '';
  let records = 0;

  const flush = (): Promise<void> | undefined => {
    if (buffer === '') return undefined;
    const ok = head.write(buffer);
    buffer = '';
    return ok ? undefined : new Promise((resolve) => head.once('drain', resolve));
  };
  const text = (t: string) => {
    buffer += t;
    return buffer.length >= CHUNK ? flush() : undefined;
  };
  return {
    record(line) {
      records++;
      return text(line);
    },
    text,
    async close() {
      await flush();
      head.end();
      await done;
      return { path: spec.path, kind: spec.kind, format: spec.format, records, bytes, sha256: hash.digest('hex') };
    },
  };
}
