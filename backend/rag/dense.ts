/**
 * Dense retrieval over stored passage embeddings, and reciprocal rank fusion of ranked lists. Not wired into the
 * pipeline yet: the intended use is dense top-k fused with the lexical list by RRF before the reranker.
 */
import type { Kysely } from 'kysely';
import { cosine, type EmbeddingsClient } from '../llm/embeddings.ts';
import { passagesWithoutVectors, savePassageVectors } from '../store/passage-vectors.ts';
import type { Database } from '../store/schema.ts';

export interface DenseHit {
  passageId: string;
  score: number;
}

/** The k passages whose vectors are closest (cosine) to the query vector, best first; ties by id. */
export function denseSearch(vectors: ReadonlyMap<string, readonly number[]>, query: readonly number[], k: number): DenseHit[] {
  const hits: DenseHit[] = [];
  for (const [passageId, vector] of vectors) hits.push({ passageId, score: cosine(query, vector) });
  return hits.sort((a, b) => b.score - a.score || (a.passageId < b.passageId ? -1 : 1)).slice(0, k);
}

/** Reciprocal rank fusion: score(d) = Σ 1 / (k + rank in list), rank 1-based; best first, ties by first appearance. */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = 60): { id: string; score: number }[] {
  const scores = new Map<string, number>();
  for (const list of lists) list.forEach((id, i) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + i + 1)));
  return [...scores].map(([id, score]) => ({ id, score })).sort((a, b) => b.score - a.score);
}

/** Embeds the passages that have no vector of the client's model yet (title and text) and stores them. */
export async function embedMissingPassages(db: Kysely<Database>, client: EmbeddingsClient): Promise<number> {
  const missing = await passagesWithoutVectors(db, client.model);
  if (missing.length === 0) return 0;
  const vectors = await client.embed(missing.map((p) => `${p.title}\n${p.text}`));
  await savePassageVectors(db, client.model, missing.map((p, i) => ({ passageId: p.id, vector: vectors[i]! })));
  return missing.length;
}
