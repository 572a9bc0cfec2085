/**
 * Helpers of the export tests: an in-memory store seeded with suggestions (with their tickets), annotations at
 * chosen receive times and gate results, and a batch run into a temp folder whose files can be read back.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Kysely } from 'kysely';
import { afterAll } from 'vitest';
import { writeBatch } from '../../../backend/exports/batch.ts';
import { storeAnnotations } from '../../../backend/store/annotations.ts';
import type { Database } from '../../../backend/store/schema.ts';
import { saveSuggestion } from '../../../backend/store/suggestions.ts';
import {
  type Annotation,
  type AnnotationKind,
  type ExportManifest,
  type ExportRequest,
  normaliseExportRequest,
  type Snippet,
  type TicketContext,
  uuidv7,
} from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';

export const TENANT = 'acme';

export function snippets(n = 8, prefix = 'doc'): Snippet[] {
  return Array.from({ length: n }, (_, i) => ({
    snippetId: `${prefix}-${i + 1}#part`,
    articleId: `${prefix}-${i + 1}`,
    title: `Article ${prefix} ${i + 1}`,
    text: `Passage ${i + 1} of ${prefix}: how returns and refunds work, step ${i + 1}.`,
    url: `/kb/articles/${prefix}-${i + 1}`,
    score: 10 - i,
    rank: i + 1,
  }));
}

export interface SeededSuggestion {
  id: string;
  candidates: [string, string];
}

export const TICKET: TicketContext = {
  host: 'demo',
  ticketId: '1001',
  subject: 'Lamp arrived broken',
  messages: [
    { role: 'customer', text: 'My lamp arrived cracked.' },
    { role: 'agent', text: 'Sorry to hear that! Could you send a photo?' },
    { role: 'note', text: 'internal: VIP customer' },
    { role: 'customer', text: 'Here it is. How do I get a refund?' },
  ],
};

/** Stores a suggestion with two candidates (`<id>:0`, `<id>:1`) and the given ticket and snippets. */
export async function seedSuggestion(
  db: Kysely<Database>,
  options: { tenant?: string; ticket?: TicketContext | null; snippets?: Snippet[]; texts?: [string, string]; createdAt?: string } = {},
): Promise<SeededSuggestion> {
  const id = uuidv7();
  const texts = options.texts ?? [
    'Hi! Please send a photo and we will refund you.',
    'Hello, sorry about the lamp. Steps:\n- send a photo\n- we refund within 5 days',
  ];
  const shown = options.snippets ?? snippets();
  await saveSuggestion(
    db,
    { tenant: options.tenant ?? TENANT, host: 'demo', ticketId: '1001', agent: 'agent-7' },
    {
      suggestionId: id,
      query: 'lamp cracked refund',
      snippets: shown,
      candidates: texts.map((text, i) => ({
        candidateId: `${id}:${i}`,
        variantId: i ? 'extractive-detailed@1' : 'extractive-concise@1',
        text,
        citations: [shown[0]!.snippetId],
      })),
      modelVersion: 'builtin-extractive@1',
      indexVersion: 'bm25f@test',
      retrieved: 75,
      createdAt: options.createdAt ?? '2026-11-20T08:00:00.000Z',
    },
    options.ticket === null ? undefined : (options.ticket ?? TICKET),
  );
  return { id, candidates: [`${id}:0`, `${id}:1`] };
}

/** An annotation of `kind` about `s`, with `overrides`. */
export function about(s: SeededSuggestion, kind: AnnotationKind, overrides: Record<string, unknown> = {}, tenant = TENANT): Annotation {
  const defaults: Record<string, unknown> =
    kind === 'preference'
      ? { leftCandidateId: s.candidates[0], rightCandidateId: s.candidates[1] }
      : kind === 'adoption'
        ? { candidateId: s.candidates[0] }
        : {};
  return makeAnnotation(kind, tenant, { suggestionId: s.id, ...defaults, ...overrides });
}

/** Stores annotations as received at `receivedAt`, as they are (no redaction), like rows written before it existed. */
export async function seedAnnotations(
  db: Kysely<Database>,
  items: Annotation[],
  receivedAt = '2026-11-20T09:00:00.000Z',
  tenant = TENANT,
): Promise<void> {
  const outcomes = await storeAnnotations(
    db,
    tenant,
    items.map((annotation) => ({ annotation, hash: annotation.id })),
    { sentAt: null, receivedAt },
  );
  if (outcomes.some((o) => o !== 'accepted')) throw new Error(`seed not stored: ${outcomes.join(',')}`);
}

export async function seedGate(
  db: Kysely<Database>,
  annotationId: string,
  weight: number,
  reasons: { rule: string; detail: string }[] = [],
  tenant = TENANT,
): Promise<void> {
  await db
    .insertInto('gate_results')
    .values({
      tenant,
      annotation_id: annotationId,
      run_id: 'run-1',
      weight,
      reasons: JSON.stringify(reasons),
      decided_at: '2026-11-21T00:00:00.000Z',
    })
    .execute();
}

export interface BatchRun {
  dir: string;
  manifest: ExportManifest;
  /** Records of a file of the batch (gunzipped and parsed when it is JSONL). */
  jsonl(path: string): Record<string, unknown>[];
  text(path: string): string;
}

export const WINDOW = { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' };

/** Batch folders made here, removed after the test file. */
const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A folder for a batch, removed after the test file. */
export function batchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aitl-export-'));
  made.push(dir);
  return dir;
}

export async function runBatch(
  db: Kysely<Database>,
  request: ExportRequest,
  options: { window?: typeof WINDOW; tenant?: string; batchId?: string; dir?: string } = {},
): Promise<BatchRun> {
  const dir = options.dir ?? batchDir();
  const manifest = await writeBatch(
    db,
    {
      batchId: options.batchId ?? uuidv7(),
      tenant: options.tenant ?? TENANT,
      createdAt: '2026-12-01T10:00:00.000Z',
      createdBy: 'test',
      window: options.window ?? WINDOW,
      request: normaliseExportRequest(request),
    },
    dir,
  );
  const text = (path: string) => {
    const raw = readFileSync(join(dir, path));
    return (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  };
  return {
    dir,
    manifest,
    text,
    jsonl: (path) =>
      text(path)
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
