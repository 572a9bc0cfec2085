/**
 * The data bench:insights reads: `n` annotations of one tenant spread over `days` days up to today (every kind, four
 * reply variants, 40 agents), another tenant's noise alongside, a suggestion per five annotations, and the insights
 * rollup counted from the very rows written. Rows go in straight through the driver, in large transactions: through
 * the API this would take an hour and measure ingest, not insights (bench:ingest does that).
 */
import pg from 'pg';
import { rawSqlite } from './raw-sqlite.ts';
import { type Annotation, SCHEMA_VERSION, uuidv7 as makeUuidv7 } from '../../shared/index.ts';
import { annotationRow } from '../../backend/store/annotations.ts';
import { addInsightCounts, annotationCount, suggestionCount } from '../../backend/store/insight-counts.ts';
import type { Store } from '../../backend/store/connect.ts';
import type { NewAnnotation, NewInsightCount, NewSuggestion } from '../../backend/store/schema.ts';
import { prng } from '../../backend/prng.ts';

export const VARIANTS = ['extractive-concise@1', 'extractive-detailed@1', 'prompt-warm@2', 'prompt-brief@3'];
const KINDS = [
  'relevance',
  'relevance',
  'relevance',
  'relevance',
  'preference',
  'preference',
  'adoption',
  'adoption',
  'rationale',
  'missing_knowledge',
] as const;
const CHOICES = ['left', 'left', 'left', 'right', 'right', 'tie', 'both_bad'] as const;
const OUTCOMES = ['verbatim', 'edited', 'edited', 'rejected', 'ignored'] as const;
const LABELS = ['relevant', 'relevant', 'partly', 'irrelevant'] as const;
const CHUNK = 10_000;

/** Writes rows in bulk, a transaction per chunk. */
export interface BulkWriter {
  annotations(rows: NewAnnotation[]): Promise<void>;
  suggestions(rows: NewSuggestion[]): Promise<void>;
  close(): Promise<void>;
}

export function sqliteWriter(file: string): BulkWriter {
  const { db, insertAnnotation, insertSuggestion } = rawSqlite(file);
  const annotations = db.transaction((rows: NewAnnotation[]) => rows.forEach((r) => insertAnnotation.run(r)));
  const suggestions = db.transaction((rows: NewSuggestion[]) => rows.forEach((r) => insertSuggestion.run(r)));
  return {
    annotations: async (rows) => void annotations(rows),
    suggestions: async (rows) => void suggestions(rows),
    close: async () => void db.close(),
  };
}

/** One INSERT … SELECT FROM unnest(…) per chunk: a column of values per parameter, so 10,000 rows are 12 parameters. */
export async function postgresWriter(url: string, schema: string): Promise<BulkWriter> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`SET search_path TO ${schema}`);
  const insert = async (table: string, rows: Record<string, unknown>[]) => {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]!);
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) SELECT * FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')})`;
    await client.query(
      sql,
      columns.map((c) => rows.map((r) => r[c] ?? null)),
    );
  };
  return {
    annotations: (rows) => insert('annotations', rows as never),
    suggestions: (rows) => insert('suggestions', rows as never),
    close: () => client.end(),
  };
}

function annotation(tenant: string, at: number, random: () => number): Annotation {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  // Random bits from the seeded generator: the platform's cost 20 µs an id, minutes over two million of them.
  const bits = (bytes: Uint8Array) => bytes.map(() => Math.floor(random() * 256));
  const uuidv7 = (ms: number) => makeUuidv7(ms, bits);
  const base = {
    id: uuidv7(at),
    schemaVersion: SCHEMA_VERSION,
    tenant,
    agent: `agent-${Math.floor(random() * 40)}`,
    host: 'zendesk',
    ticketId: String(10_000 + Math.floor(random() * 100_000)),
    suggestionId: uuidv7(at - 60_000),
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f@bench',
    clientTime: new Date(at - 2_000).toISOString(),
  } as const;
  const kind = pick(KINDS);
  switch (kind) {
    case 'preference': {
      const [left, right] =
        random() < 0.5 ? [pick(VARIANTS.slice(0, 2)), pick(VARIANTS.slice(2))] : [pick(VARIANTS.slice(2)), pick(VARIANTS.slice(0, 2))];
      return {
        ...base,
        kind,
        choice: pick(CHOICES),
        strength: 'clear',
        leftCandidateId: 's:0',
        rightCandidateId: 's:1',
        leftVariantId: left!,
        rightVariantId: right!,
      };
    }
    case 'adoption': {
      const outcome = pick(OUTCOMES);
      const used = outcome === 'verbatim' || outcome === 'edited';
      const sentText = 'Hi [name],\n\nSorry the lamp arrived cracked. Send us a photo and we will refund you within 5 working days.';
      return { ...base, kind, outcome, sentText, ...(used ? { candidateId: 's:0', variantId: pick(VARIANTS), similarity: 0.8 } : {}) };
    }
    case 'relevance':
      return {
        ...base,
        kind,
        snippetId: `article-${Math.floor(random() * 500)}#s1`,
        articleId: `article-${Math.floor(random() * 500)}`,
        rank: 1 + Math.floor(random() * 8),
        label: pick(LABELS),
      };
    case 'rationale':
      return { ...base, kind, adoptionId: uuidv7(at - 1_000), reasons: ['incomplete'], note: 'Missed that damaged items need no return.' };
    case 'missing_knowledge':
      return { ...base, kind, description: 'No article on replacing the bulb of the ceramic lamp.', proposedTitle: 'Replacing lamp bulbs' };
  }
}

export interface FillCounts {
  annotations: number;
  suggestions: number;
  rollupRows: number;
}

/** Fills `tenants` (name → annotations) over the `days` days before `end`, and the rollup of what was written. */
export async function fill(
  store: Store,
  writer: BulkWriter,
  tenants: Record<string, number>,
  days: number,
  end: number,
  seed = 7,
): Promise<FillCounts> {
  const random = prng(seed);
  const counts = new Map<string, NewInsightCount>();
  const count = (c: NewInsightCount) => {
    const key = `${c.tenant}\u0000${c.day}\u0000${c.kind}\u0000${c.value}\u0000${c.variant_a}\u0000${c.variant_b}`;
    const seen = counts.get(key);
    if (seen) seen.n += 1;
    else counts.set(key, c);
  };
  let annotations = 0;
  let suggestions = 0;
  const span = days * 86_400_000;
  for (const [tenant, n] of Object.entries(tenants)) {
    const step = span / n;
    for (let i = 0; i < n; i += CHUNK) {
      const rows: NewAnnotation[] = [];
      const shown: NewSuggestion[] = [];
      for (let j = i; j < Math.min(n, i + CHUNK); j++) {
        const at = Math.floor(end - span + j * step);
        const receivedAt = new Date(at).toISOString();
        const a = annotation(tenant, at, random);
        rows.push(annotationRow(tenant, a, `bench-${a.id}`, { sentAt: receivedAt, receivedAt }));
        count(annotationCount(tenant, a, receivedAt));
        if (j % 5 === 0) {
          shown.push({
            id: a.suggestionId,
            tenant,
            agent: a.agent,
            host: a.host,
            ticket_id: a.ticketId,
            query: 'lamp arrived cracked',
            snippets: '[]',
            candidates: '[]',
            model_version: a.modelVersion,
            index_version: a.indexVersion,
            created_at: new Date(at - 60_000).toISOString(),
            ticket: null,
          });
          count(suggestionCount(tenant, new Date(at - 60_000).toISOString()));
        }
      }
      await writer.annotations(rows);
      await writer.suggestions(shown);
      annotations += rows.length;
      suggestions += shown.length;
    }
  }
  await addInsightCounts(store.db, [...counts.values()]);
  return { annotations, suggestions, rollupRows: counts.size };
}
