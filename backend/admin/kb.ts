/** What a tenant's knowledge base holds: which base serves it, the newest import, how many passages, the index version served. */
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { countPassages, latestImport } from '../store/passages.ts';

export const KbStatus = z.object({
  /** The knowledge base serving the tenant: its own (named by the tenant), or `*`, the shared one. */
  base: z.string(),
  latestImport: z
    .object({ id: z.string(), source: z.string(), format: z.string(), articles: z.number().int(), passages: z.number().int(), createdAt: z.string() })
    .nullable(),
  /** Passages in that base now (every import's, newest version of each article). */
  passages: z.number().int(),
  /** The index this process serves suggestions from. */
  indexVersion: z.string(),
});
export type KbStatus = z.infer<typeof KbStatus>;

export async function kbStatus(deps: Pick<AppDeps, 'store' | 'knowledge'>, tenant: string): Promise<KbStatus> {
  const index = await deps.knowledge.of(tenant);
  const [last, passages] = await Promise.all([latestImport(deps.store.db, index.base), countPassages(deps.store.db, index.base)]);
  return {
    base: index.base,
    latestImport: last
      ? {
          id: last.id,
          source: last.source,
          format: last.format,
          articles: Number(last.articles),
          passages: Number(last.passages),
          createdAt: last.created_at,
        }
      : null,
    passages,
    indexVersion: index.version,
  };
}
