/** Valid annotations of every kind, and small helpers for the batch API, shared by the sync tests and the bench. */
import { type Annotation, type AnnotationKind, SCHEMA_VERSION, uuidv7 } from '../../shared/index.ts';

export type { AnnotationKind };

let clock = Date.parse('2026-11-20T09:00:00.000Z');

/** An annotation of `kind` for `tenant`; every call gets a fresh UUID v7 id. */
export function makeAnnotation(kind: AnnotationKind, tenant = 'acme', overrides: Record<string, unknown> = {}): Annotation {
  clock += 1_000;
  const base = {
    id: uuidv7(),
    schemaVersion: SCHEMA_VERSION,
    tenant,
    agent: 'agent-7',
    host: 'demo',
    ticketId: '1001',
    suggestionId: uuidv7(),
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f@test',
    clientTime: new Date(clock).toISOString(),
  };
  const byKind: Record<AnnotationKind, Record<string, unknown>> = {
    preference: {
      kind: 'preference',
      choice: 'left',
      strength: 'clear',
      leftCandidateId: 's:0',
      rightCandidateId: 's:1',
      leftVariantId: 'extractive-concise@1',
      rightVariantId: 'extractive-detailed@1',
    },
    adoption: {
      kind: 'adoption',
      outcome: 'edited',
      candidateId: 's:0',
      variantId: 'extractive-concise@1',
      sentText: 'Hi [name],\n\nSorry the lamp arrived cracked. Send us a photo and we will refund you within 5 days.', // as the extension sends it: names redacted
      similarity: 0.82,
    },
    rationale: { kind: 'rationale', adoptionId: uuidv7(), reasons: ['incomplete'], note: 'missed the refund timing' },
    relevance: {
      kind: 'relevance',
      snippetId: 'damaged-or-defective-items#report',
      articleId: 'damaged-or-defective-items',
      rank: 1,
      label: 'relevant',
    },
    missing_knowledge: { kind: 'missing_knowledge', description: 'No article on replacing lamp bulbs', proposedTitle: 'Replacing bulbs' },
  };
  return { ...base, ...byKind[kind], ...overrides } as Annotation;
}

export const KINDS: AnnotationKind[] = ['preference', 'adoption', 'rationale', 'relevance', 'missing_knowledge'];

/** `n` annotations cycling through the kinds. */
export function makeAnnotations(n: number, tenant = 'acme'): Annotation[] {
  return Array.from({ length: n }, (_, i) => makeAnnotation(KINDS[i % KINDS.length]!, tenant));
}
