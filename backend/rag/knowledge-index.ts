/** The searchable knowledge base of one backend process, built from the store's passages. */
import type { Kysely } from 'kysely';
import { latestImport, listPassages } from '../store/passages.ts';
import type { Database, PassageRow } from '../store/schema.ts';
import { Bm25Index, type FieldedDoc } from './bm25.ts';
import { FacetIndex } from './facets.ts';
import { DEFAULT_RERANKER, type RerankerModel } from './reranker.ts';
import { PipelineScratch } from './retrieve.ts';

/** Names the retrieval pipeline (BM25F + facet mentions, first stage); bump when its ranking changes. */
export const RETRIEVAL_VERSION = 'bm25f-facets@2';

export interface KnowledgeIndex {
  passages: PassageRow[];
  bm25: Bm25Index;
  /** Short repeated metadata values (entities, products, categories) and which passages carry them. */
  facets: FacetIndex;
  /** Second-stage model ordering the first stage's passages. */
  reranker: RerankerModel;
  /** Names the pipeline, the reranker and the knowledge it was built from (ends with the import id). */
  version: string;
  buildMs: number;
  /** Reused per-query buffers. */
  scratch: PipelineScratch;
}

export function buildIndex(passages: PassageRow[], importId: string, reranker: RerankerModel = DEFAULT_RERANKER): KnowledgeIndex {
  const started = performance.now();
  const metadata = passages.map((p) => JSON.parse(p.metadata) as Record<string, unknown>);
  const bm25 = new Bm25Index(passages.map((p, i) => toFieldedDoc(p, metadata[i]!)));
  const facets = new FacetIndex(
    passages.map((p, i) => ({ title: p.title, metadata: metadata[i]! })),
    bm25,
  );
  return {
    passages,
    bm25,
    facets,
    reranker,
    version: indexVersion(importId, reranker),
    buildMs: performance.now() - started,
    scratch: new PipelineScratch(passages.length),
  };
}

/** `<pipeline>+rerank-<model version>@<import id>`: what ranked a suggestion, and over which knowledge. */
export function indexVersion(importId: string, reranker: RerankerModel = DEFAULT_RERANKER): string {
  return `${RETRIEVAL_VERSION}+rerank-${reranker.version}@${importId}`;
}

export async function loadIndex(db: Kysely<Database>): Promise<KnowledgeIndex> {
  const [passages, last] = await Promise.all([listPassages(db), latestImport(db)]);
  return buildIndex(passages, last?.id ?? 'empty');
}

/** Short string metadata (section, tags, entity, product…) is searchable; long or nested values are not. */
function toFieldedDoc(p: PassageRow, metadata: Record<string, unknown>): FieldedDoc {
  const meta: string[] = [];
  for (const value of Object.values(metadata)) {
    if (typeof value === 'string' && value.length <= 200) meta.push(value);
    else if (Array.isArray(value)) meta.push(...value.filter((v): v is string => typeof v === 'string' && v.length <= 200));
  }
  return { title: p.title, body: p.text, meta: meta.join(' . ') };
}
