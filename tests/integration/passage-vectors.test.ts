import { describe, expect, it } from 'vitest';
import { importKnowledge } from '../../backend/kb/import.ts';
import { DEMO_HELP_CENTRE } from '../../backend/demo/tickets.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import { loadPassageVectors, passagesWithoutVectors, savePassageVectors } from '../../backend/store/passage-vectors.ts';
import type { Store } from '../../backend/store/connect.ts';
import { clearTables, DIALECTS, useDatabase } from './dialects.ts';

describe.each(DIALECTS)('passage vectors on $name', (dialect) => {
  let store: Store;
  useDatabase(
    dialect,
    async (d) => {
      store = await d.open();
    },
    async () => clearTables(store.db),
  );

  it('stores, replaces and loads vectors per model, only for passages that exist', async () => {
    const db = store.db;
    await importKnowledge(db, DEMO_HELP_CENTRE);
    const missing = await passagesWithoutVectors(db, SHARED_KNOWLEDGE, 'm1');
    expect(missing.length).toBeGreaterThan(40);
    const [a, b] = missing;
    await savePassageVectors(db, SHARED_KNOWLEDGE, 'm1', [
      { passageId: a!.id, vector: [0.1, 0.2] },
      { passageId: b!.id, vector: [0.3, 0.4] },
      { passageId: 'gone#x', vector: [1, 1] },
    ]);
    await savePassageVectors(db, SHARED_KNOWLEDGE, 'm1', [{ passageId: a!.id, vector: [0.5, 0.6, 0.7] }]);
    const loaded = await loadPassageVectors(db, SHARED_KNOWLEDGE, 'm1');
    expect(Object.fromEntries(loaded)).toEqual({ [a!.id]: [0.5, 0.6, 0.7], [b!.id]: [0.3, 0.4] });
    expect((await passagesWithoutVectors(db, SHARED_KNOWLEDGE, 'm1')).length).toBe(missing.length - 2);
    expect((await loadPassageVectors(db, SHARED_KNOWLEDGE, 'm2')).size).toBe(0);
  });

  it("keeps each knowledge base's vectors apart, even for the same passage id", async () => {
    const db = store.db;
    await importKnowledge(db, DEMO_HELP_CENTRE);
    await importKnowledge(db, DEMO_HELP_CENTRE, { base: 'acme' });
    const [a] = await passagesWithoutVectors(db, 'acme', 'm1');
    await savePassageVectors(db, 'acme', 'm1', [{ passageId: a!.id, vector: [1, 2] }]);
    await savePassageVectors(db, SHARED_KNOWLEDGE, 'm1', [{ passageId: a!.id, vector: [3, 4] }]);
    expect(Object.fromEntries(await loadPassageVectors(db, 'acme', 'm1'))).toEqual({ [a!.id]: [1, 2] });
    expect(Object.fromEntries(await loadPassageVectors(db, SHARED_KNOWLEDGE, 'm1'))).toEqual({ [a!.id]: [3, 4] });
    expect((await loadPassageVectors(db, 'globex', 'm1')).size).toBe(0);
    expect((await passagesWithoutVectors(db, 'acme', 'm1')).map((p) => p.id)).not.toContain(a!.id);
  });
});
