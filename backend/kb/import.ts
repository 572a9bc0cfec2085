/** Imports a knowledge-base source into the store, split into passages, in one transaction. */
import type { Kysely } from 'kysely';
import { uuidv7 } from '../../shared/index.ts';
import { savePassages } from '../store/passages.ts';
import type { Database, PassageDraft } from '../store/schema.ts';
import { SHARED_KNOWLEDGE } from '../rag/knowledge-bases.ts';
import { inSlices } from '../event-loop.ts';
import { ImportError, readSource, type SourceFormat } from './sources.ts';
import { splitArticle } from './split.ts';

export interface ImportSummary {
  importId: string;
  /** The knowledge base imported into. */
  base: string;
  format: SourceFormat;
  articles: number;
  passages: number;
}

/** Imports `path` into knowledge base `base` (a tenant's, or the shared one by default); `source` names it in kb_imports (the path by default). */
export async function importKnowledge(
  db: Kysely<Database>,
  path: string,
  options: { base?: string; source?: string; now?: Date } = {},
): Promise<ImportSummary> {
  const { base = SHARED_KNOWLEDGE, source = path, now = new Date() } = options;
  const { format, articles } = await readSource(path);
  const importId = uuidv7(now.getTime());
  const createdAt = now.toISOString();
  const passages: PassageDraft[] = [];
  // In slices: the server keeps answering while a large source is split.
  await inSlices(articles, (article) => passages.push(...splitArticle(article, importId, createdAt)));
  // One import must not hold an id twice: PostgreSQL refuses such an upsert outright, SQLite would silently keep
  // only the last one.
  const ids = new Set<string>();
  for (const p of passages) {
    if (ids.has(p.id)) throw new ImportError(`${path}: more than one passage has the id "${p.id}"; article ids must be unique`);
    ids.add(p.id);
  }
  await savePassages(db, base, { id: importId, source, format, articles: articles.length, createdAt }, passages);
  return { importId, base, format, articles: articles.length, passages: passages.length };
}
