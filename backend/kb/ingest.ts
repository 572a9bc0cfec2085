/**
 * A knowledge import as every entry point runs it (`aitl kb import`, POST /v1/admin/kb/import): one import into a
 * base at a time across every process on the store, then the new passages embedded when an embeddings API is set.
 * Vectors are an addition: if the API fails the import stands and lexical search serves it.
 */
import type { EmbedConfig } from '../config.ts';
import { createEmbeddingsClient } from '../llm/embeddings.ts';
import { embedMissingPassages } from '../rag/dense.ts';
import type { Store } from '../store/connect.ts';
import { withExclusive } from '../store/exclusive.ts';
import { importKnowledge, type ImportSummary } from './import.ts';

export interface IngestOptions {
  /** The knowledge base: a tenant's, or `*`, the shared one. */
  base: string;
  /** What kb_imports records as the source (the path by default). */
  source?: string | undefined;
  embed?: EmbedConfig | undefined;
}

export interface IngestResult extends ImportSummary {
  /** Passages embedded, or why none could be; absent without an embeddings API. */
  embedding?: { embedded: number } | { error: string } | undefined;
}

/** Another import into the same knowledge base is running somewhere on the store. */
export class ImportBusyError extends Error {
  override name = 'ImportBusyError';
  constructor(base: string) {
    super(`Another import into knowledge base ${base} is running on this store; try again when it has finished`);
  }
}

/** Imports and embeds, holding the base's import lock; ImportBusyError at once if another holds it. */
export async function ingestKnowledge(store: Store, path: string, options: IngestOptions): Promise<IngestResult> {
  return withImportLock(store, options.base, () => importAndEmbed(store, path, options));
}

/** Runs `work` holding the import lock of knowledge base `base` (e.g. receiving an upload, then importAndEmbed). */
export async function withImportLock<T>(store: Store, base: string, work: () => Promise<T>): Promise<T> {
  const run = await withExclusive(store, `knowledge-import:${base}`, work);
  if (!run.ran) throw new ImportBusyError(base);
  return run.value;
}

/** The import and its embeddings, for a caller that holds the base's import lock. */
export async function importAndEmbed(store: Store, path: string, options: IngestOptions): Promise<IngestResult> {
  const { base, source, embed } = options;
  const summary = await importKnowledge(store.db, path, { base, ...(source && { source }) });
  if (!embed) return summary;
  try {
    return { ...summary, embedding: { embedded: await embedMissingPassages(store.db, createEmbeddingsClient(embed), base) } };
  } catch (error) {
    return { ...summary, embedding: { error: (error as Error).message } };
  }
}
