/**
 * Holds the process's knowledge indexes, one per tenant served (built on its first suggestion), and swaps in new
 * ones after an import, a promotion or a rollback. Tenants reading one knowledge base share its corpus; each sees
 * its own promoted versions. Other processes sharing the store are caught up with on `refreshIfStale`. With an
 * embeddings model, every (re)load takes that model's stored passage vectors too.
 *
 * Memory is bounded by `maxPassages` (AITL_INDEX_CACHE_PASSAGES): when the corpora held pass it, the bases used
 * least recently are let go, with the indexes of the tenants they served, and built again on their next request.
 * The shared base and the one just built are always kept, so the bound is soft by at most those two.
 */
import type { Kysely } from 'kysely';
import { DEFAULT_VERSION_ID } from '../models/artefacts.ts';
import { promotedVersionIds } from '../models/registry.ts';
import { latestImports } from '../store/passages.ts';
import type { Database } from '../store/schema.ts';
import { type KnowledgeMode, SHARED_KNOWLEDGE } from './knowledge-bases.ts';
import { type KnowledgeIndex, loadCorpus, withRegistry } from './knowledge-index.ts';

export interface Knowledge {
  readonly mode: KnowledgeMode;
  /** The index serving `tenant`. */
  of(tenant: string): Promise<KnowledgeIndex>;
  /** Rebuilds `tenant`'s index from the store (after its import, promotion, rollback or new vectors) and answers it. */
  reload(tenant: string): Promise<KnowledgeIndex>;
  /** Rebuilds every index whose knowledge or promoted versions another process changed since it was built. */
  refreshIfStale(): Promise<void>;
}

export async function createKnowledge(
  db: Kysely<Database>,
  options: { embedModel?: string | undefined; mode?: KnowledgeMode | undefined; maxPassages?: number | undefined } = {},
): Promise<Knowledge> {
  const mode = options.mode ?? 'per-tenant';
  const maxPassages = options.maxPassages ?? Number.POSITIVE_INFINITY;
  // Base → its corpus, least recently used first (a use moves the base to the end).
  const corpora = new Map<string, KnowledgeIndex>();
  const served = new Map<string, KnowledgeIndex>();
  // One rebuild at a time, in the order asked: a rebuild yields while it works, and an older one finishing last
  // would put back an index a newer one replaced.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work);
    queue = next.catch(() => undefined);
    return next;
  };
  const touch = (base: string) => {
    const corpus = corpora.get(base);
    if (!corpus) return;
    corpora.delete(base);
    corpora.set(base, corpus);
  };
  const evictBeyondBudget = (keep: string) => {
    let held = 0;
    for (const corpus of corpora.values()) held += corpus.passages.length;
    for (const [base, corpus] of corpora) {
      if (held <= maxPassages) break;
      if (base === keep || base === SHARED_KNOWLEDGE) continue;
      corpora.delete(base);
      held -= corpus.passages.length;
      for (const [tenant, index] of served) if (index.base === base) served.delete(tenant);
    }
  };
  /** `tenant`'s index; with `fresh`, its base's corpus is read again (and every tenant served from it moves to the new one). */
  const build = (tenant: string, fresh = false) =>
    serially(async () => {
      const imports = await latestImports(db);
      const base = baseOf(tenant, imports, mode);
      let corpus = corpora.get(base);
      if (fresh || !corpus || corpus.importId !== (imports.get(base) ?? 'empty')) {
        corpus = await loadCorpus(db, base, options.embedModel);
        corpora.set(base, corpus);
        for (const [other, index] of served) if (other !== tenant && index.base === base) served.set(other, await withRegistry(db, other, corpus));
      }
      const index = await withRegistry(db, tenant, corpus);
      served.set(tenant, index);
      touch(base);
      evictBeyondBudget(base);
      return index;
    });
  const knowledge: Knowledge = {
    mode,
    async of(tenant) {
      const index = served.get(tenant);
      if (!index) return build(tenant);
      touch(index.base);
      return index;
    },
    reload: (tenant) => build(tenant, true),
    async refreshIfStale() {
      const [imports, promoted] = await Promise.all([latestImports(db), promotedVersionIds(db)]);
      for (const [tenant, index] of served) {
        const base = baseOf(tenant, imports, mode);
        const current = promoted.get(tenant) ?? DEFAULT_VERSION_ID;
        const stale =
          base !== index.base ||
          (imports.get(base) ?? 'empty') !== index.importId ||
          current.ranking !== index.registry.ranking ||
          current.variants !== index.registry.variants;
        if (stale) await build(tenant);
      }
    },
  };
  return knowledge;
}

/** As servingBaseOf, from the newest import of every base. */
function baseOf(tenant: string, imports: ReadonlyMap<string, string>, mode: KnowledgeMode): string {
  return mode === 'per-tenant' && imports.has(tenant) ? tenant : SHARED_KNOWLEDGE;
}
