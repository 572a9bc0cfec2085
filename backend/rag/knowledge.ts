/**
 * Holds the process's current knowledge index and swaps in a new one after an import. Other processes sharing a
 * PostgreSQL store notice a newer import on `refreshIfStale`. With an embeddings model, every (re)load takes that
 * model's stored passage vectors too.
 */
import type { Kysely } from 'kysely';
import { latestImport } from '../store/passages.ts';
import type { Database } from '../store/schema.ts';
import { type KnowledgeIndex, loadIndex } from './knowledge-index.ts';

export interface Knowledge {
  readonly index: KnowledgeIndex;
  reload(): Promise<KnowledgeIndex>;
  /** Rebuilds when another process imported since this index was built. */
  refreshIfStale(): Promise<void>;
}

export async function createKnowledge(db: Kysely<Database>, options: { embedModel?: string | undefined } = {}): Promise<Knowledge> {
  let index = await loadIndex(db, options);
  const reload = async () => (index = await loadIndex(db, options));
  return {
    get index() {
      return index;
    },
    reload,
    async refreshIfStale() {
      const last = await latestImport(db);
      if (last && !index.version.endsWith(last.id)) await reload();
    },
  };
}
