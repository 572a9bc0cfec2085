/** The knowledge indexes a backend holds stay within AITL_INDEX_CACHE_PASSAGES (backend/rag/knowledge.ts). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { importKnowledge } from '../../../backend/kb/import.ts';
import { SHARED_KNOWLEDGE } from '../../../backend/rag/knowledge-bases.ts';
import { createKnowledge } from '../../../backend/rag/knowledge.ts';
import { openStore, type Store } from '../../../backend/store/connect.ts';

let store: Store;
let dir: string;
beforeEach(async () => {
  store = await openStore(':memory:');
  dir = mkdtempSync(join(tmpdir(), 'aitl-knowledge-cache-'));
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A base of `n` short articles (one passage each) for `base`. */
async function seedBase(base: string, n: number): Promise<void> {
  const path = join(dir, `${base === SHARED_KNOWLEDGE ? 'shared' : base}.jsonl`);
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ id: `${base}-${i}`, title: `Article ${i} of ${base}`, body: `How to change setting ${i} for ${base} customers.` }),
  );
  writeFileSync(path, `${lines.join('\n')}\n`);
  await importKnowledge(store.db, path, { base });
}

describe('the knowledge cache', () => {
  it('lets the least recently used base go when the passages held pass the budget, and builds it again on its next request', async () => {
    await seedBase('a', 10);
    await seedBase('b', 10);
    await seedBase('c', 10);
    const knowledge = await createKnowledge(store.db, { maxPassages: 20 });
    const a = await knowledge.of('a');
    const b = await knowledge.of('b');
    expect(a.passages).toHaveLength(10);
    expect(await knowledge.of('a')).toBe(a); // a is now the most recently used

    await knowledge.of('c'); // 30 held: b, the least recently used, goes
    expect(await knowledge.of('a')).toBe(a);
    const bAgain = await knowledge.of('b'); // rebuilt; c (used before a) goes
    expect(bAgain).not.toBe(b);
    expect(bAgain.passages.map((p) => p.id)).toEqual(b.passages.map((p) => p.id));
    expect(await knowledge.of('a')).toBe(a);
  });

  it('keeps the shared base and the base just built, even when either alone is over the budget', async () => {
    await seedBase(SHARED_KNOWLEDGE, 8);
    await seedBase('big', 12);
    const knowledge = await createKnowledge(store.db, { maxPassages: 5 });
    const shared = await knowledge.of('tenant-without-a-base');
    expect(shared.base).toBe(SHARED_KNOWLEDGE);
    const big = await knowledge.of('big');
    expect(big.passages).toHaveLength(12);
    // Serving another tenant from the shared base lets `big` go, never the shared corpus.
    const other = await knowledge.of('another-tenant');
    expect(other.bm25).toBe(shared.bm25);
    expect(await knowledge.of('tenant-without-a-base')).toBe(shared);
    expect(await knowledge.of('big')).not.toBe(big);
  });

  it('holds every base without a budget', async () => {
    await seedBase('a', 10);
    await seedBase('b', 10);
    const knowledge = await createKnowledge(store.db);
    const a = await knowledge.of('a');
    await knowledge.of('b');
    expect(await knowledge.of('a')).toBe(a);
  });
});
