/** The searchable knowledge base of one backend process, built from the store's passages. */
import type { Kysely } from 'kysely';
import { latestImport, listPassages } from '../store/passages.ts';
import type { Database, PassageRow } from '../store/schema.ts';
import { Bm25Index, type FieldedDoc } from './bm25.ts';

export interface KnowledgeIndex {
  passages: PassageRow[];
  bm25: Bm25Index;
  /** Names the knowledge it was built from; suggestions record it. */
  version: string;
  buildMs: number;
}

export function buildIndex(passages: PassageRow[], version: string): KnowledgeIndex {
  const started = performance.now();
  const bm25 = new Bm25Index(passages.map(toFieldedDoc));
  return { passages, bm25, version, buildMs: performance.now() - started };
}

export async function loadIndex(db: Kysely<Database>): Promise<KnowledgeIndex> {
  const [passages, last] = await Promise.all([listPassages(db), latestImport(db)]);
  return buildIndex(passages, `bm25f@${last?.id ?? 'empty'}`);
}

/** Short string metadata (section, tags, entity, product…) is searchable; long or nested values are not. */
function toFieldedDoc(p: PassageRow): FieldedDoc {
  const meta: string[] = [];
  for (const value of Object.values(JSON.parse(p.metadata) as Record<string, unknown>)) {
    if (typeof value === 'string' && value.length <= 200) meta.push(value);
    else if (Array.isArray(value)) meta.push(...value.filter((v): v is string => typeof v === 'string' && v.length <= 200));
  }
  return { title: p.title, body: p.text, meta: meta.join(' . ') };
}
