/** What the knowledge base holds: the newest import, how many passages, and the index version being served. */
import { z } from 'zod';
import type { AppDeps } from '../deps.ts';
import { countPassages, latestImport } from '../store/passages.ts';

export const KbStatus = z.object({
  latestImport: z
    .object({ id: z.string(), source: z.string(), format: z.string(), articles: z.number().int(), passages: z.number().int(), createdAt: z.string() })
    .nullable(),
  /** Passages in the store now (every import's, newest version of each article). */
  passages: z.number().int(),
  /** The index this process serves suggestions from. */
  indexVersion: z.string(),
});
export type KbStatus = z.infer<typeof KbStatus>;

export async function kbStatus(deps: Pick<AppDeps, 'store' | 'knowledge'>): Promise<KbStatus> {
  const [last, passages] = await Promise.all([latestImport(deps.store.db), countPassages(deps.store.db)]);
  return {
    latestImport: last
      ? { id: last.id, source: last.source, format: last.format, articles: Number(last.articles), passages: Number(last.passages), createdAt: last.created_at }
      : null,
    passages,
    indexVersion: deps.knowledge.index.version,
  };
}
