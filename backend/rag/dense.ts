/**
 * Dense retrieval over stored passage embeddings: one model's vectors as a normalised Float32Array matrix aligned to
 * the index's document numbers (a query is one dot-product pass), reciprocal rank fusion of ranked lists, the query
 * embedder of the suggestion path (which never fails a suggestion) and embedding the passages that lack a vector.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { EmbeddingsClient } from '../llm/embeddings.ts';
import { LlmError } from '../llm/http.ts';
import { passagesWithoutVectors, savePassageVectors } from '../store/passage-vectors.ts';
import type { Database } from '../store/schema.ts';
import { type Hit, topK } from './bm25.ts';

/** Unit-length copy of a vector; undefined for an empty, all-zero or non-finite one. */
export function normalise(vector: ArrayLike<number>): Float32Array | undefined {
  let norm = 0;
  for (let i = 0; i < vector.length; i++) norm += vector[i]! * vector[i]!;
  if (!(norm > 0 && Number.isFinite(norm))) return undefined;
  const scale = 1 / Math.sqrt(norm);
  const unit = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) unit[i] = vector[i]! * scale;
  return unit;
}

/** The passage vectors of one model, row `doc` of the matrix for document `doc`; rows of passages without one stay unused. */
export class DenseIndex {
  /** Per-query buffer: cosine per document of the last search, 0 for documents without a vector. */
  private readonly scores: Float64Array;

  private constructor(
    readonly model: string,
    readonly dims: number,
    private readonly matrix: Float32Array,
    /** Documents that have a vector, ascending. */
    readonly docs: Int32Array,
    size: number,
  ) {
    this.scores = new Float64Array(size);
  }

  /**
   * Aligns `vectors` (passage id → vector) to document numbers (positions in `ids`). Undefined when no passage has a
   * vector; a vector of another size than the first one found (or all zeros) is left out, as if missing.
   */
  static build(model: string, ids: readonly string[], vectors: ReadonlyMap<string, ArrayLike<number>>): DenseIndex | undefined {
    const dims = ids.map((id) => vectors.get(id)?.length ?? 0).find((n) => n > 0);
    if (!dims) return undefined;
    const matrix = new Float32Array(ids.length * dims);
    const docs: number[] = [];
    ids.forEach((id, doc) => {
      const vector = vectors.get(id);
      const unit = vector?.length === dims ? normalise(vector) : undefined;
      if (!unit) return;
      matrix.set(unit, doc * dims);
      docs.push(doc);
    });
    return docs.length ? new DenseIndex(model, dims, matrix, Int32Array.from(docs), ids.length) : undefined;
  }

  /** The k documents closest to a unit-length query of `dims` numbers, best first (ties: lower document number). */
  search(query: Float32Array, k: number): Hit[] {
    const { matrix, dims, docs, scores } = this;
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      // Four running sums: about 1.5× faster than one in V8, the loop being bound by the dependent additions.
      let a = 0;
      let b = 0;
      let c = 0;
      let d = 0;
      let at = doc * dims;
      let j = 0;
      for (; j + 3 < dims; j += 4, at += 4) {
        a += matrix[at]! * query[j]!;
        b += matrix[at + 1]! * query[j + 1]!;
        c += matrix[at + 2]! * query[j + 2]!;
        d += matrix[at + 3]! * query[j + 3]!;
      }
      for (; j < dims; j++, at++) a += matrix[at]! * query[j]!;
      scores[doc] = a + b + c + d;
    }
    return topK(docs, scores, k);
  }

  /** Cosine of a document and the last searched query (valid until the next search); 0 without a vector. */
  similarity(doc: number): number {
    return this.scores[doc]!;
  }
}

/** Reciprocal rank fusion: score(d) = Σ 1 / (k + rank in list), rank 1-based; best first, ties by first appearance. */
export function reciprocalRankFusion<T>(lists: readonly (readonly T[])[], k = 60): { id: T; score: number }[] {
  const scores = new Map<T, number>();
  for (const list of lists) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/** Embeds the passages of knowledge base `base` that have no vector of the client's model yet (title and text) and stores them. */
export async function embedMissingPassages(db: Kysely<Database>, client: EmbeddingsClient, base: string): Promise<number> {
  const missing = await passagesWithoutVectors(db, base, client.model);
  if (missing.length === 0) return 0;
  const vectors = await client.embed(missing.map((p) => `${p.title}\n${p.text}`));
  await savePassageVectors(
    db,
    base,
    client.model,
    missing.map((p, i) => ({ passageId: p.id, vector: vectors[i]! })),
  );
  return missing.length;
}

export interface QueryEmbedder {
  readonly model: string;
  /** The query's unit-length embedding, or undefined when it cannot be had now (the caller ranks lexically). */
  embedQuery(text: string): Promise<Float32Array | undefined>;
}

/**
 * The suggestion path's embedder: never throws. A failure (timeout, HTTP error, bad answer) is logged once per run of
 * failures, and for `cooldownMs` after one no call is tried, so a dead API does not add its timeout to every suggestion.
 */
export function createQueryEmbedder(
  client: EmbeddingsClient,
  options: { logger?: Pick<Logger, 'warn' | 'info'> | undefined; cooldownMs?: number } = {},
): QueryEmbedder {
  const { logger, cooldownMs = 30_000 } = options;
  let failing = false;
  let retryAt = 0;
  return {
    model: client.model,
    async embedQuery(text) {
      if (!text.trim() || Date.now() < retryAt) return undefined;
      try {
        const [vector] = await client.embed([text]);
        const unit = vector && normalise(vector);
        if (!unit) throw new LlmError('malformed', 'the query embedding is empty or all zeros');
        if (failing) logger?.info({ model: client.model }, 'query embeddings work again: dense retrieval resumed');
        failing = false;
        return unit;
      } catch (error) {
        retryAt = Date.now() + cooldownMs;
        if (!failing) {
          const kind = error instanceof LlmError ? error.kind : 'error';
          logger?.warn(
            { model: client.model, kind, err: (error as Error).message, retryInMs: cooldownMs },
            'query embedding failed: lexical retrieval only until it works again',
          );
        }
        failing = true;
        return undefined;
      }
    },
  };
}
