/**
 * Holds the process's current knowledge index and swaps in a new one after an import or a flywheel promotion.
 * Other processes sharing the store notice a newer import or ranking on `refreshIfStale`. With an embeddings model, every (re)load takes that
 * model's stored passage vectors too.
 */
import type { Kysely } from 'kysely';
import { DEFAULT_VERSION_ID } from '../flywheel/artefacts.ts';
import { currentVersion } from '../flywheel/registry.ts';
import { latestImport } from '../store/passages.ts';
import type { Database } from '../store/schema.ts';
import { type KnowledgeIndex, loadIndex } from './knowledge-index.ts';

export interface Knowledge {
  readonly index: KnowledgeIndex;
  reload(): Promise<KnowledgeIndex>;
  /** Rebuilds when another process imported, or promoted or rolled back a version, since this index was built. */
  refreshIfStale(): Promise<void>;
}

export async function createKnowledge(db: Kysely<Database>, options: { embedModel?: string | undefined } = {}): Promise<Knowledge> {
  let index = await loadIndex(db, options);
  // One rebuild at a time, in the order asked: a rebuild yields while it works, and an older one finishing last
  // would put back the index a newer one replaced.
  let queue: Promise<unknown> = Promise.resolve();
  const reload = () => {
    const next = queue.then(async () => (index = await loadIndex(db, options)));
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    get index() {
      return index;
    },
    reload,
    async refreshIfStale() {
      const [last, ranking, variants] = await Promise.all([latestImport(db), currentVersion(db, 'ranking'), currentVersion(db, 'variants')]);
      const stale =
        (last && last.id !== index.importId) ||
        (ranking?.id ?? DEFAULT_VERSION_ID.ranking) !== index.registry.ranking ||
        (variants?.id ?? DEFAULT_VERSION_ID.variants) !== index.registry.variants;
      if (stale) await reload();
    },
  };
}
