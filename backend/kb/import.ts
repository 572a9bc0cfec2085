/** Imports a knowledge-base source into the store, split into passages, in one transaction. */
import type { Kysely } from 'kysely';
import { uuidv7 } from '../../shared/index.ts';
import { savePassages } from '../store/passages.ts';
import type { Database } from '../store/schema.ts';
import { readSource, type SourceFormat } from './sources.ts';
import { splitArticle } from './split.ts';

export interface ImportSummary {
  importId: string;
  format: SourceFormat;
  articles: number;
  passages: number;
}

export async function importKnowledge(db: Kysely<Database>, path: string, now: Date = new Date()): Promise<ImportSummary> {
  const { format, articles } = readSource(path);
  const importId = uuidv7(now.getTime());
  const createdAt = now.toISOString();
  const passages = articles.flatMap((article) => splitArticle(article, importId, createdAt));
  await savePassages(db, { id: importId, source: path, format, articles: articles.length, createdAt }, passages);
  return { importId, format, articles: articles.length, passages: passages.length };
}
