/** Stored passage embeddings (table passage_vectors): one vector per passage of a knowledge base, tagged with the model that made it. */
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface PassageVector {
  passageId: string;
  vector: number[];
}

/** Inserts or replaces the vectors of these passages of knowledge base `base` for `model`. */
export async function savePassageVectors(
  db: Kysely<Database>,
  base: string,
  model: string,
  vectors: readonly PassageVector[],
  now = new Date(),
): Promise<void> {
  if (vectors.length === 0) return;
  const createdAt = now.toISOString();
  for (let start = 0; start < vectors.length; start += 200) {
    const rows = vectors.slice(start, start + 200).map((v) => ({
      tenant: base,
      passage_id: v.passageId,
      model,
      dims: v.vector.length,
      vector: JSON.stringify(v.vector),
      created_at: createdAt,
    }));
    await db
      .insertInto('passage_vectors')
      .values(rows)
      .onConflict((oc) =>
        oc.columns(['tenant', 'passage_id']).doUpdateSet((eb) => ({
          model: eb.ref('excluded.model'),
          dims: eb.ref('excluded.dims'),
          vector: eb.ref('excluded.vector'),
          created_at: eb.ref('excluded.created_at'),
        })),
      )
      .execute();
  }
}

/** Vectors of `model` for passages of `base` that still exist. */
export async function loadPassageVectors(db: Kysely<Database>, base: string, model: string): Promise<Map<string, number[]>> {
  const rows = await db
    .selectFrom('passage_vectors')
    .innerJoin('passages', (join) =>
      join.onRef('passages.id', '=', 'passage_vectors.passage_id').onRef('passages.tenant', '=', 'passage_vectors.tenant'),
    )
    .select(['passage_vectors.passage_id', 'passage_vectors.vector'])
    .where('passage_vectors.tenant', '=', base)
    .where('passage_vectors.model', '=', model)
    .execute();
  return new Map(rows.map((r) => [r.passage_id, JSON.parse(r.vector) as number[]]));
}

/** Passages of `base` with no vector of `model`, in id order. */
export async function passagesWithoutVectors(
  db: Kysely<Database>,
  base: string,
  model: string,
): Promise<{ id: string; title: string; text: string }[]> {
  const rows = await db.selectFrom('passage_vectors').select('passage_id').where('tenant', '=', base).where('model', '=', model).execute();
  const have = new Set(rows.map((r) => r.passage_id));
  const all = await db.selectFrom('passages').select(['id', 'title', 'text']).where('tenant', '=', base).orderBy('id').execute();
  return all.filter((p) => !have.has(p.id));
}
