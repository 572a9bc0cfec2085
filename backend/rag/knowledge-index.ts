/** The searchable knowledge of one tenant in one backend process, built from the store's passages and the tenant's promoted versions. */
import type { Kysely } from 'kysely';
import { loadPassageVectors } from '../store/passage-vectors.ts';
import { latestImport, listPassages } from '../store/passages.ts';
import type { Database, PassageRow } from '../store/schema.ts';
import { fnv1a } from '../../shared/index.ts';
import { Bm25Index, type FieldedDoc } from './bm25.ts';
import { DEFAULT_RANKING, DEFAULT_VERSION_ID, RankingArtefact, VariantPolicy } from '../models/artefacts.ts';
import { currentVersion, currentVersionId } from '../models/registry.ts';
import { type KnowledgeMode, servingBaseOf, SHARED_KNOWLEDGE } from './knowledge-bases.ts';
import type { ShownVariants } from './shown-variants.ts';
import { DenseIndex } from './dense.ts';
import { buildFeedbackLayer, type FeedbackLayer } from './feedback-layer.ts';
import { FacetIndex } from './facets.ts';
import { DEFAULT_RERANKER, type RerankerModel } from '../models/reranker.ts';
import { PipelineScratch } from './pipeline-scratch.ts';

/** Names the retrieval pipeline (BM25F + facet mentions, first stage); bump when its ranking changes. */
export const RETRIEVAL_VERSION = 'bm25f-facets@2';

export interface KnowledgeIndex {
  /** The knowledge base the passages come from: a tenant's own, or `*` (rag/knowledge-bases.ts). */
  base: string;
  passages: PassageRow[];
  bm25: Bm25Index;
  /** Short repeated metadata values (entities, products, categories) and which passages carry them. */
  facets: FacetIndex;
  /** Second-stage model ordering the first stage's passages (the feedback layer's, once one is applied). */
  reranker: RerankerModel;
  /** What agents' checks taught (priors, expansions, rejections) from the promoted ranking artefact. */
  feedback: FeedbackLayer;
  /** The reply variants to show (champion, challenger, an untried one on trial) by the promoted variant policy; none promoted: the defaults. */
  replyPolicy: { versionId: string; shown?: ShownVariants | undefined };
  /** The promoted registry versions seen when the index was loaded (applied or not), to tell when it is stale. */
  registry: { ranking: string; variants: string };
  importId: string;
  /** The passages' embeddings by one model, when any are stored and an embeddings model is configured. */
  dense?: DenseIndex | undefined;
  /** Names the pipeline (with dense retrieval when the index has vectors), the reranker and the knowledge it was built from (ends with the import id). */
  version: string;
  /** The version of a suggestion ranked without dense retrieval (equal to `version` for an index without vectors). */
  lexicalVersion: string;
  buildMs: number;
  /** Reused per-query buffers. */
  scratch: PipelineScratch;
}

/** Passage vectors (passage id → vector) of one embeddings model. */
export interface PassageEmbeddings {
  model: string;
  vectors: ReadonlyMap<string, ArrayLike<number>>;
}

export function buildIndex(
  passages: PassageRow[],
  importId: string,
  reranker: RerankerModel = DEFAULT_RERANKER,
  embeddings?: PassageEmbeddings,
): KnowledgeIndex {
  const started = performance.now();
  const metadata = passages.map((p) => JSON.parse(p.metadata) as Record<string, unknown>);
  const bm25 = new Bm25Index(passages.map((p, i) => toFieldedDoc(p, metadata[i]!)));
  return assembleIndex(passages, metadata, bm25, importId, reranker, embeddings, started);
}

/** buildIndex with the slow part in slices, so a server rebuilding its index keeps answering meanwhile. */
export async function buildIndexInSlices(
  passages: PassageRow[],
  importId: string,
  reranker: RerankerModel = DEFAULT_RERANKER,
  embeddings?: PassageEmbeddings,
): Promise<KnowledgeIndex> {
  const started = performance.now();
  const metadata = passages.map((p) => JSON.parse(p.metadata) as Record<string, unknown>);
  const bm25 = await Bm25Index.build(passages.map((p, i) => toFieldedDoc(p, metadata[i]!)));
  return assembleIndex(passages, metadata, bm25, importId, reranker, embeddings, started);
}

function assembleIndex(
  passages: PassageRow[],
  metadata: Record<string, unknown>[],
  bm25: Bm25Index,
  importId: string,
  reranker: RerankerModel,
  embeddings: PassageEmbeddings | undefined,
  started: number,
): KnowledgeIndex {
  const facets = new FacetIndex(
    passages.map((p, i) => ({ title: p.title, metadata: metadata[i]! })),
    bm25,
  );
  const dense =
    embeddings &&
    DenseIndex.build(
      embeddings.model,
      passages.map((p) => p.id),
      embeddings.vectors,
    );
  return {
    base: passages[0]?.tenant ?? SHARED_KNOWLEDGE,
    passages,
    bm25,
    facets,
    reranker,
    feedback: buildFeedbackLayer({ passages, bm25 }, DEFAULT_VERSION_ID.ranking, { ...DEFAULT_RANKING, reranker }),
    replyPolicy: { versionId: DEFAULT_VERSION_ID.variants },
    registry: { ranking: DEFAULT_VERSION_ID.ranking, variants: DEFAULT_VERSION_ID.variants },
    importId,
    dense,
    version: indexVersion(importId, reranker, dense?.model),
    lexicalVersion: indexVersion(importId, reranker),
    buildMs: performance.now() - started,
    scratch: new PipelineScratch(passages.length),
  };
}

/**
 * `<pipeline>[+dense-<embeddings model>]+rerank-<model version>@<import id>`: what ranked a suggestion, and over
 * which knowledge. A long embeddings model name is shortened (with a hash) so the version fits the 128 characters
 * a feedback signal may carry.
 */
export function indexVersion(importId: string, reranker: RerankerModel = DEFAULT_RERANKER, denseModel?: string, rankingId?: string): string {
  const dense = denseModel === undefined ? '' : `+dense-${shortLabel(denseModel)}`;
  // A learned artefact is named by its registry id (it holds more than reranker weights); the default by its model.
  const ranking = rankingId === undefined || rankingId === DEFAULT_VERSION_ID.ranking ? reranker.version : rankingId;
  return `${RETRIEVAL_VERSION}${dense}+rerank-${ranking}@${importId}`;
}

/** The same corpus index ranked with another feedback layer (the corpus structures are shared, not rebuilt). */
export function withFeedback(index: KnowledgeIndex, layer: FeedbackLayer): KnowledgeIndex {
  const reranker = layer.artefact.reranker;
  return {
    ...index,
    reranker,
    feedback: layer,
    version: indexVersion(index.importId, reranker, index.dense?.model, layer.versionId),
    lexicalVersion: indexVersion(index.importId, reranker, undefined, layer.versionId),
  };
}

/**
 * The corpus of knowledge base `base` ranked by the built-in defaults; with `embedModel`, the stored vectors of that
 * model are searched too. Tenants reading one base share it (withRegistry makes each one's view).
 */
export async function loadCorpus(db: Kysely<Database>, base: string, embedModel?: string): Promise<KnowledgeIndex> {
  const [passages, last, embeddings] = await Promise.all([
    listPassages(db, base),
    latestImport(db, base),
    embedModel === undefined ? undefined : loadPassageVectors(db, base, embedModel).then((vectors) => ({ model: embedModel, vectors })),
  ]);
  const index = await buildIndexInSlices(passages, last?.id ?? 'empty', DEFAULT_RERANKER, embeddings);
  return { ...index, base };
}

/** The corpus as `tenant` is served it: ranked with its promoted ranking artefact, showing its promoted reply variants. */
export async function withRegistry(db: Kysely<Database>, tenant: string, corpus: KnowledgeIndex): Promise<KnowledgeIndex> {
  const [ranking, variants] = await Promise.all([currentVersion<unknown>(db, tenant, 'ranking'), currentVersion<unknown>(db, tenant, 'variants')]);
  // A stored artefact this code cannot read (e.g. written by a newer release) is ignored, not fatal.
  const artefact = ranking && RankingArtefact.safeParse(ranking.artefact);
  const policy = variants && VariantPolicy.safeParse(variants.artefact);
  const index: KnowledgeIndex = {
    ...corpus,
    replyPolicy:
      variants && policy?.success
        ? { versionId: variants.id, shown: { champion: policy.data.champion, challenger: policy.data.challenger, trial: policy.data.trial ?? null } }
        : { versionId: DEFAULT_VERSION_ID.variants },
    registry: { ranking: currentVersionId(ranking, 'ranking'), variants: currentVersionId(variants, 'variants') },
  };
  return ranking && artefact?.success ? withFeedback(index, buildFeedbackLayer(index, ranking.id, artefact.data)) : index;
}

/** The index serving `tenant`: the knowledge base it reads (its own, else the shared one) with its promoted versions. */
export async function loadIndex(
  db: Kysely<Database>,
  options: { tenant: string; mode?: KnowledgeMode | undefined; embedModel?: string | undefined },
): Promise<KnowledgeIndex> {
  const base = await servingBaseOf(db, options.tenant, options.mode ?? 'per-tenant');
  return withRegistry(db, options.tenant, await loadCorpus(db, base, options.embedModel));
}

function shortLabel(name: string, max = 40): string {
  if (name.length <= max) return name;
  return `${name.slice(0, max - 9)}~${fnv1a(name).toString(16).padStart(8, '0')}`;
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
