/**
 * The first records of each file of a batch, kept in its manifest when the batch is written (what
 * GET /v1/exports/:id/preview answers). Kept rather than read back from the stored archive because a tar.gz cannot be
 * read from the middle: previewing its last file would mean inflating every file before it, chunk by chunk from the
 * store — the whole batch, for a glance. Reading the head of each file while it is still on disk costs a few
 * kilobytes a file, once, and the manifest grows by at most EXPORT_PREVIEW_FILE_BYTES a file.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { EXPORT_PREVIEW_FILE_BYTES, EXPORT_PREVIEW_RECORDS, type ExportFile, type ExportManifest } from '../../shared/index.ts';

/**
 * The first records of one file: JSON lines parsed, other lines (CSV, TSV, header included) as text. At most
 * EXPORT_PREVIEW_RECORDS, and no more than EXPORT_PREVIEW_FILE_BYTES of text once the first is in (a first record
 * larger than that is kept alone, so every file with records shows one).
 */
async function headOf(root: string, file: ExportFile): Promise<unknown[]> {
  const raw = createReadStream(join(root, ...file.path.split('/')));
  const source: Readable = file.path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const json = /\.jsonl(\.gz)?$/.test(file.path);
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  const out: unknown[] = [];
  let bytes = 0;
  try {
    for await (const line of lines) {
      if (!line) continue;
      bytes += Buffer.byteLength(line);
      if (out.length > 0 && bytes > EXPORT_PREVIEW_FILE_BYTES) break;
      out.push(json ? JSON.parse(line) : line);
      if (out.length >= EXPORT_PREVIEW_RECORDS) break;
    }
  } finally {
    lines.close();
    raw.destroy();
    source.destroy();
  }
  return out;
}

/** Previews of the files that hold records, by path, in the manifest's file order. */
export async function previewFiles(root: string, files: readonly ExportFile[]): Promise<NonNullable<ExportManifest['preview']>> {
  const preview: NonNullable<ExportManifest['preview']> = {};
  for (const file of files) if (file.records > 0) preview[file.path] = await headOf(root, file);
  return preview;
}
