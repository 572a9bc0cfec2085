/**
 * Runs one export batch: a single pass over the window's annotations (backend/exports/records.ts) feeds every
 * requested format writer, each file is streamed to disk gzipped and hashed, and `manifest.json` says what came
 * out. Deterministic: the same request over the same data writes byte-identical files (fixed order, no timestamps
 * inside the files, gzip without mtime); only the manifest's batch id and creation time differ.
 *
 *   const manifest = await writeBatch(db, spec, '/tmp/out', { onProgress: (done, total) => … });
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { EXPORT_SCHEMA_VERSION, type ExportKind, type ExportManifest, type ExportWindow, type NormalisedExportRequest } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';
import { Agreement } from './agreement.ts';
import { beirWriter } from './beir.ts';
import { dpoWriter } from './dpo.ts';
import { gapsWriter } from './gaps.ts';
import { ktoWriter } from './kto.ts';
import { PROMPT_VARIANT } from './prompt.ts';
import { explainEmpty } from './empty.ts';
import { previewFiles } from './preview.ts';
import { countWindow, type ReadCounts, readGroups } from './records.ts';
import { retrievalWriter } from './retrieval.ts';
import { sftWriter } from './sft.ts';
import type { ExportWriter, WriterContext } from './writer.ts';

const WRITERS: Record<ExportKind, (ctx: WriterContext) => ExportWriter> = {
  dpo: dpoWriter,
  sft: sftWriter,
  kto: ktoWriter,
  retrieval: retrievalWriter,
  beir: beirWriter,
  gaps: gapsWriter,
};

export const REDACTION_POLICY: ExportManifest['redaction'] = {
  function: 'redactText (shared/redact.ts): redactPii, then the names of shared/names.ts',
  placeholders: ['[EMAIL]', '[PHONE]', '[CARD]', '[IBAN]', '[SSN]', '[name]'],
  appliedTo:
    'every free text written (replies sent, suggestions, conversation messages and subject, snippets, queries, notes, descriptions, titles), ' +
    'again on export although it was redacted when stored; names: those the texts about a suggestion greet or sign with, and agent ids that are names, ' +
    'redacted from all of them (the browser and the server redacted the requester, message authors and signed-in agent on the way in)',
  dropped: ['ticket requester (name, email)', 'message authors', 'internal notes (from prompts and BEIR conversations)'],
};

export interface BatchSpec {
  batchId: string;
  tenant: string;
  createdAt: string;
  createdBy: string;
  window: ExportWindow;
  request: NormalisedExportRequest;
  /** The export lag the window was resolved with, for the reason an empty batch gives (empty.ts). */
  lagSeconds?: number | undefined;
}

export interface BatchOptions {
  /** Called after each suggestion group with annotations read so far and the window's total. */
  onProgress?: (done: number, total: number) => void;
  pageSize?: number;
}

/** Writes the batch's files and `manifest.json` into `root` (which must exist) and answers the manifest, with its preview. */
export async function writeBatch(db: Kysely<Database>, spec: BatchSpec, root: string, options: BatchOptions = {}): Promise<ExportManifest> {
  const counts: ReadCounts = { read: 0 };
  const ctx: WriterContext = { root, counts };
  const writers = spec.request.kinds.map((kind) => WRITERS[kind](ctx));
  const total = options.onProgress ? await countWindow(db, spec.tenant, spec.window) : 0;
  const agreement = new Agreement();
  const modelVersions = new Set<string>();
  const indexVersions = new Set<string>();
  try {
    const groups = readGroups(db, { tenant: spec.tenant, window: spec.window, filters: spec.request.filters, pageSize: options.pageSize }, counts);
    for await (const group of groups) {
      if (group.items.length > 0 && group.suggestion) {
        modelVersions.add(group.suggestion.modelVersion);
        indexVersions.add(group.suggestion.indexVersion);
      }
      agreement.add(group);
      for (const w of writers) await w.write(group);
      options.onProgress?.(counts.read!, total);
    }
  } catch (error) {
    // Close what is open so no stream is left dangling; the caller removes the folder.
    await Promise.allSettled(writers.map((w) => w.finish()));
    throw error;
  }
  const files = [];
  for (const w of writers) files.push(...(await w.finish()));
  const preview = await previewFiles(root, files);
  // The reader counts superseded signals with the rest; the manifest gives them a field of their own, present only
  // when some were (so a batch without any is byte-identical to one written before the rule existed).
  const { superseded = 0, ...readCounts } = counts;
  const sortedCounts = Object.fromEntries(Object.entries(readCounts).sort(([a], [b]) => (a < b ? -1 : 1)));
  const emptyReason = await explainEmpty(db, spec, { files, counts: sortedCounts, superseded });
  const manifest: ExportManifest = {
    schemaVersion: EXPORT_SCHEMA_VERSION,
    batchId: spec.batchId,
    tenant: spec.tenant,
    created: spec.createdAt,
    createdBy: spec.createdBy,
    window: spec.window,
    kinds: spec.request.kinds,
    filters: spec.request.filters,
    files,
    counts: sortedCounts,
    ...(superseded > 0 ? { superseded } : {}),
    ...(emptyReason === undefined ? {} : { emptyReason }),
    ...(Object.keys(preview).length === 0 ? {} : { preview }),
    agreement: agreement.summary(),
    redaction: REDACTION_POLICY,
    modelVersions: [...modelVersions].sort(),
    indexVersions: [...indexVersions].sort(),
    promptVariant: PROMPT_VARIANT.id,
  };
  // The preview is kept with the batch in the store (the preview route serves it), not in manifest.json: the files
  // themselves are beside it there.
  const { preview: _preview, ...written } = manifest;
  writeFileSync(join(root, 'manifest.json'), `${JSON.stringify(written, null, 2)}\n`);
  return manifest;
}

/** The files of a finished batch folder in archive order: manifest first, then the data files as listed. */
export function archiveEntries(manifest: ExportManifest): string[] {
  return ['manifest.json', ...manifest.files.map((f) => f.path)];
}
