import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { importKnowledge } from '../../backend/kb/import.ts';
import { ImportError } from '../../backend/kb/sources.ts';
import type { Store } from '../../backend/store/connect.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import { countPassages, type ImportRecord, latestImport, latestImports, listPassages, savePassages } from '../../backend/store/passages.ts';
import type { PassageDraft } from '../../backend/store/schema.ts';
import { findSuggestion, saveSuggestion } from '../../backend/store/suggestions.ts';
import { type SuggestionResponse, uuidv7 } from '../../shared/index.ts';
import { clearTables, DIALECTS, journalMode, type TestDatabase, useDatabase } from './dialects.ts';

function passage(id: string, importId: string, text = `text of ${id}`): PassageDraft {
  return {
    id,
    article_id: id.split('#')[0]!,
    title: `Title ${id}`,
    text,
    url: `/kb/articles/${id}`,
    anchor: id.split('#')[1] ?? '',
    position: 0,
    metadata: JSON.stringify({ tags: ['t'] }),
    import_id: importId,
    created_at: '2026-01-01T00:00:00.000Z',
  };
}

/** The shared knowledge base, where these tests store unless they name a tenant's. */
const BASE = SHARED_KNOWLEDGE;

function record(id: string, createdAt: string, articles = 1): ImportRecord {
  return { id, source: '/kb', format: 'jsonl', articles, createdAt };
}

function suggestionResponse(createdAt = '2026-11-20T10:00:00.000Z'): SuggestionResponse {
  const suggestionId = uuidv7(Date.parse(createdAt));
  return {
    suggestionId,
    query: 'refund for a cracked lamp [context: Lamp arrived broken]',
    snippets: [
      {
        snippetId: 'damaged#report',
        articleId: 'damaged',
        title: 'Damaged — Report',
        text: 'Report within 7 days — “quotes” & <b>',
        url: 'http://x/kb/articles/damaged#report',
        score: 12.3456,
        rank: 1,
      },
      { snippetId: 'refunds', articleId: 'refunds', title: 'Refunds', text: 'Refunds take 5 days.', url: '', score: 3, rank: 2 },
    ],
    candidates: [
      {
        candidateId: `${suggestionId}:0`,
        variantId: 'extractive-concise@1',
        text: 'Hi Ada,\n\nReport within 7 days.',
        citations: ['damaged#report'],
      },
      {
        candidateId: `${suggestionId}:1`,
        variantId: 'extractive-detailed@1',
        text: 'Hi Ada,\n\n- Refunds take 5 days.',
        citations: ['refunds', 'damaged#report'],
      },
    ],
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f@abc',
    retrieved: 42,
    createdAt,
  };
}

describe.each(DIALECTS)('store on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;

  useDatabase(
    dialect,
    async (db) => {
      database = db;
      store = await db.open();
    },
    () => clearTables(store.db),
  );

  it('opens where it was told to, with the dialect’s durable settings', async () => {
    expect(store.dialect).toBe(dialect.name);
    if (dialect.name === 'sqlite') {
      expect(existsSync(database.where)).toBe(true);
      expect(await journalMode(store.db)).toBe('wal');
      expect(store.location).toBe(database.where);
    } else {
      const { rows } = await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(store.db);
      expect(rows[0]!.schema).toBe(database.where);
      expect(store.location).toContain(`(schema ${database.where})`);
    }
  });

  it('runs migrations once: opening the same database again is a no-op that sees the same data', async () => {
    await savePassages(store.db, BASE, record('imp-1', '2026-01-01T00:00:00.000Z'), [passage('a', 'imp-1')]);
    const again = await database.open();
    const third = await database.open();
    expect(await countPassages(again.db, BASE)).toBe(1);
    expect(await countPassages(third.db, BASE)).toBe(1);
    const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(again.db);
    expect(rows.map((r) => r.name)).toEqual([
      '0001_knowledge_and_suggestions',
      '0002_api_keys_and_annotations',
      '0003_host_config_and_page_reports',
      '0004_passage_vectors',
      '0005_flywheel_and_audit',
      '0006_export_batches',
      '0007_export_archives',
      '0008_tenant_knowledge_and_models',
      '0009_insight_counts',
    ]);
  });

  it('opens a second, separate database alongside this one', async () => {
    // On PostgreSQL, another schema of the same database already holds Kysely's migration tables.
    await savePassages(store.db, BASE, record('imp-1', '2026-01-01T00:00:00.000Z'), [passage('a', 'imp-1')]);
    const other = await dialect.create();
    try {
      const otherStore = await other.open();
      expect(await countPassages(otherStore.db, BASE)).toBe(0);
      await savePassages(otherStore.db, BASE, record('imp-2', '2026-01-01T00:00:00.000Z'), [passage('b', 'imp-2'), passage('c', 'imp-2')]);
      expect(await countPassages(otherStore.db, BASE)).toBe(2);
      expect(await countPassages(store.db, BASE)).toBe(1);
    } finally {
      await other.dispose();
    }
  });

  it('counts passages', async () => {
    expect(await countPassages(store.db, BASE)).toBe(0);
    const many = Array.from({ length: 450 }, (_, i) => passage(`doc-${String(i).padStart(3, '0')}`, 'imp-1'));
    await savePassages(store.db, BASE, record('imp-1', '2026-01-01T00:00:00.000Z', 450), many);
    expect(await countPassages(store.db, BASE)).toBe(450);
    const listed = await listPassages(store.db, BASE);
    expect(listed.map((p) => p.id)).toEqual(many.map((p) => p.id));
  });

  it('upserts passages by id and records each import', async () => {
    await savePassages(store.db, BASE, record('imp-1', '2026-01-01T00:00:00.000Z', 2), [
      passage('a', 'imp-1', 'old a'),
      passage('b#s', 'imp-1', 'old b'),
    ]);
    await savePassages(store.db, BASE, record('imp-2', '2026-01-02T00:00:00.000Z', 2), [
      { ...passage('a', 'imp-2', 'new a'), title: 'Renamed', position: 3, metadata: '{"tags":["n"]}' },
      passage('c', 'imp-2', 'new c'),
    ]);
    expect(await countPassages(store.db, BASE)).toBe(3);
    const byId = Object.fromEntries((await listPassages(store.db, BASE)).map((p) => [p.id, p]));
    expect(byId.a).toMatchObject({ text: 'new a', title: 'Renamed', position: 3, metadata: '{"tags":["n"]}', import_id: 'imp-2' });
    expect(byId['b#s']).toMatchObject({ text: 'old b', import_id: 'imp-1', anchor: 's', article_id: 'b', position: 0 });
    expect(byId.c).toMatchObject({ text: 'new c', import_id: 'imp-2' });
    const imports = await store.db.selectFrom('kb_imports').selectAll().orderBy('id').execute();
    expect(imports.map((i) => [i.id, i.passages, i.articles])).toEqual([
      ['imp-1', 2, 2],
      ['imp-2', 2, 2],
    ]);
  });

  it('keeps nothing of an import that fails part-way', async () => {
    await savePassages(store.db, BASE, record('imp-1', '2026-01-01T00:00:00.000Z'), [passage('a', 'imp-1')]);
    // Same import id again: the kb_imports insert fails after the passages were written, so they roll back.
    await expect(savePassages(store.db, BASE, record('imp-1', '2026-01-02T00:00:00.000Z'), [passage('z', 'imp-1')])).rejects.toThrow();
    expect((await listPassages(store.db, BASE)).map((p) => p.id)).toEqual(['a']);
  });

  it('names the latest import by time, then by id', async () => {
    expect(await latestImport(store.db, BASE)).toBeUndefined();
    await savePassages(store.db, BASE, record('imp-b', '2026-01-02T00:00:00.000Z', 5), [passage('a', 'imp-b')]);
    await savePassages(store.db, BASE, record('imp-a', '2026-01-03T00:00:00.000Z', 7), [passage('a', 'imp-a')]);
    await savePassages(store.db, BASE, record('imp-c', '2026-01-01T00:00:00.000Z'), [passage('c', 'imp-c')]);
    expect(await latestImport(store.db, BASE)).toEqual({
      id: 'imp-a',
      tenant: BASE,
      source: '/kb',
      format: 'jsonl',
      articles: 7,
      passages: 1,
      created_at: '2026-01-03T00:00:00.000Z',
    });
    await savePassages(store.db, BASE, record('imp-z', '2026-01-03T00:00:00.000Z'), [passage('d', 'imp-z')]);
    expect((await latestImport(store.db, BASE))?.id).toBe('imp-z');
  });

  it('keeps knowledge bases apart: the same passage id in two bases, each counted, listed and imported on its own', async () => {
    await savePassages(store.db, BASE, record('imp-shared', '2026-01-01T00:00:00.000Z'), [
      passage('a', 'imp-shared', 'shared a'),
      passage('b', 'imp-shared'),
    ]);
    await savePassages(store.db, 'acme', record('imp-acme', '2026-01-02T00:00:00.000Z'), [passage('a', 'imp-acme', 'acme a')]);
    expect(await countPassages(store.db, BASE)).toBe(2);
    expect(await countPassages(store.db, 'acme')).toBe(1);
    expect(await countPassages(store.db, 'globex')).toBe(0);
    expect((await listPassages(store.db, 'acme')).map((p) => [p.tenant, p.id, p.text])).toEqual([['acme', 'a', 'acme a']]);
    expect((await listPassages(store.db, BASE)).find((p) => p.id === 'a')?.text).toBe('shared a');
    expect((await latestImport(store.db, BASE))?.id).toBe('imp-shared');
    expect((await latestImport(store.db, 'acme'))?.id).toBe('imp-acme');
    expect(await latestImport(store.db, 'globex')).toBeUndefined();
    await savePassages(store.db, 'acme', record('imp-acme-2', '2026-01-03T00:00:00.000Z'), [passage('c', 'imp-acme-2')]);
    expect(await latestImports(store.db)).toEqual(
      new Map([
        [BASE, 'imp-shared'],
        ['acme', 'imp-acme-2'],
      ]),
    );
  });

  it('round-trips a suggestion exactly as shown', async () => {
    const shown = suggestionResponse();
    await saveSuggestion(store.db, { tenant: 'acme', agent: 'agent-7', host: 'zendesk', ticketId: '1001' }, shown);
    expect(await findSuggestion(store.db, shown.suggestionId)).toEqual({
      suggestionId: shown.suggestionId,
      tenant: 'acme',
      agent: 'agent-7',
      host: 'zendesk',
      ticketId: '1001',
      query: shown.query,
      snippets: shown.snippets,
      candidates: shown.candidates,
      modelVersion: shown.modelVersion,
      indexVersion: shown.indexVersion,
      createdAt: shown.createdAt,
    });
  });

  it('stores a suggestion without an agent, refuses the same id twice, finds nothing for an unknown id', async () => {
    const shown = suggestionResponse('2026-11-21T10:00:00.000Z');
    await saveSuggestion(store.db, { tenant: 'default', host: 'demo', ticketId: '7' }, shown);
    const found = await findSuggestion(store.db, shown.suggestionId);
    expect(found?.agent).toBeUndefined();
    expect(found?.tenant).toBe('default');
    await expect(saveSuggestion(store.db, { tenant: 'default', host: 'demo', ticketId: '7' }, shown)).rejects.toThrow();
    expect(await findSuggestion(store.db, uuidv7())).toBeUndefined();
  });

  it('imports a knowledge source in one go and refuses one that repeats an article id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aitl-import-'));
    try {
      const good = join(dir, 'good.jsonl');
      writeFileSync(
        good,
        [
          { id: 'a', title: 'A', body: 'Alpha.' },
          { id: 'b', title: 'B', body: 'Beta.' },
        ]
          .map((d) => JSON.stringify(d))
          .join('\n'),
      );
      const summary = await importKnowledge(store.db, good, { now: new Date('2026-02-01T00:00:00.000Z') });
      expect(summary).toMatchObject({ base: SHARED_KNOWLEDGE, format: 'jsonl', articles: 2, passages: 2 });
      expect(await latestImport(store.db, BASE)).toMatchObject({
        id: summary.importId,
        source: good,
        passages: 2,
        created_at: '2026-02-01T00:00:00.000Z',
      });

      const repeated = join(dir, 'repeated.jsonl');
      writeFileSync(
        repeated,
        [
          { id: 'x', title: 'X', body: 'One.' },
          { id: 'x', title: 'X again', body: 'Two.' },
        ]
          .map((d) => JSON.stringify(d))
          .join('\n'),
      );
      const error = await importKnowledge(store.db, repeated).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportError);
      expect((error as Error).message).toContain('"x"');
      expect(await countPassages(store.db, BASE)).toBe(2);
      expect((await latestImport(store.db, BASE))?.id).toBe(summary.importId);

      // Into a tenant's own base, named as asked: the shared base is untouched.
      const own = await importKnowledge(store.db, good, { base: 'acme', source: 'upload', now: new Date('2026-02-02T00:00:00.000Z') });
      expect(own).toMatchObject({ base: 'acme', articles: 2, passages: 2 });
      expect(await latestImport(store.db, 'acme')).toMatchObject({ id: own.importId, tenant: 'acme', source: 'upload' });
      expect((await latestImport(store.db, BASE))?.id).toBe(summary.importId);
      expect(await countPassages(store.db, 'acme')).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
