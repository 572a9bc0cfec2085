import { describe, expect, it } from 'vitest';
import { Annotation, LIMITS, SCHEMA_VERSION, SyncBatch, toIssues, uuidv7 } from '../../../shared/index.ts';

const base = () => ({
  id: uuidv7(),
  schemaVersion: SCHEMA_VERSION,
  tenant: 'acme',
  agent: 'agent-7',
  host: 'demo',
  ticketId: '1001',
  suggestionId: uuidv7(),
  modelVersion: 'builtin-extractive@1',
  indexVersion: 'bm25f@x',
  clientTime: '2026-11-20T09:14:00.000Z',
});

const EXAMPLES = {
  preference: () => ({
    ...base(),
    kind: 'preference',
    choice: 'left',
    strength: 'clear',
    leftCandidateId: 's:0',
    rightCandidateId: 's:1',
    leftVariantId: 'extractive-concise@1',
    rightVariantId: 'extractive-detailed@1',
  }),
  adoption: () => ({ ...base(), kind: 'adoption', outcome: 'edited', candidateId: 's:0', variantId: 'v', sentText: 'Hello', similarity: 0.82 }),
  rationale: () => ({ ...base(), kind: 'rationale', adoptionId: uuidv7(), reasons: ['incomplete', 'wrong_tone'], note: 'missed the refund part' }),
  relevance: () => ({ ...base(), kind: 'relevance', snippetId: 'a#b', articleId: 'a', rank: 3, label: 'partly' }),
  missing_knowledge: () => ({ ...base(), kind: 'missing_knowledge', description: 'No article on lamp bulbs', proposedTitle: 'Replacing bulbs' }),
} as const;

function pathsOf(value: unknown): string[] {
  const parsed = Annotation.safeParse(value);
  expect(parsed.success, 'expected the annotation to be rejected').toBe(false);
  return toIssues(parsed.error!).map((i) => i.path);
}

describe('Annotation', () => {
  it.each(Object.keys(EXAMPLES) as (keyof typeof EXAMPLES)[])('accepts a valid %s annotation', (kind) => {
    const parsed = Annotation.parse(EXAMPLES[kind]());
    expect(parsed.kind).toBe(kind);
  });

  it('covers every kind of the union', () => {
    const kinds = Annotation.options.map((o) => o.shape.kind.value).sort();
    expect(kinds).toEqual(Object.keys(EXAMPLES).sort());
  });

  it('rejects an unknown kind', () => {
    expect(pathsOf({ ...EXAMPLES.preference(), kind: 'thumbs_up' })).toEqual(['kind']);
  });

  it('rejects fields of another kind: a preference without its choice', () => {
    const { choice: _, ...noChoice } = EXAMPLES.preference();
    expect(pathsOf(noChoice)).toEqual(['choice']);
    // An adoption-shaped body labelled as preference is not a preference.
    expect(pathsOf({ ...EXAMPLES.adoption(), kind: 'preference' })).toEqual(
      expect.arrayContaining(['choice', 'leftCandidateId', 'rightCandidateId']),
    );
  });

  it('rejects an id that is a UUID but not version 7', () => {
    const v4 = '3f2b8c1e-9d4a-4b6f-8e2d-1a2b3c4d5e6f';
    const parsed = Annotation.safeParse({ ...EXAMPLES.relevance(), id: v4 });
    expect(parsed.success).toBe(false);
    expect(toIssues(parsed.error!)).toEqual([{ path: 'id', message: 'must be a UUID v7' }]);
    expect(pathsOf({ ...EXAMPLES.relevance(), id: 'not-a-uuid' })).toEqual(['id']);
    expect(pathsOf({ ...EXAMPLES.relevance(), id: uuidv7().toUpperCase() })).toEqual(['id']);
  });

  it('rejects a rationale whose adoptionId is not a UUID v7, or with no reasons', () => {
    expect(pathsOf({ ...EXAMPLES.rationale(), adoptionId: 'adoption-1' })).toEqual(['adoptionId']);
    expect(pathsOf({ ...EXAMPLES.rationale(), reasons: [] })).toEqual(['reasons']);
    expect(pathsOf({ ...EXAMPLES.rationale(), reasons: ['boring'] })).toEqual(['reasons.0']);
  });

  it('rejects another schema version, a time without offset info, bad ranges', () => {
    expect(pathsOf({ ...EXAMPLES.relevance(), schemaVersion: SCHEMA_VERSION + 1 })).toEqual(['schemaVersion']);
    expect(pathsOf({ ...EXAMPLES.relevance(), clientTime: 'last tuesday' })).toEqual(['clientTime']);
    expect(pathsOf({ ...EXAMPLES.relevance(), rank: 0 })).toEqual(['rank']);
    expect(pathsOf({ ...EXAMPLES.adoption(), similarity: 1.01 })).toEqual(['similarity']);
    expect(pathsOf({ ...EXAMPLES.missing_knowledge(), description: '   ' })).toEqual(['description']);
  });
});

describe('SyncBatch', () => {
  const items = (n: number) => Array.from({ length: n }, () => EXAMPLES.relevance());

  it('accepts from one up to LIMITS.batchItems items', () => {
    expect(SyncBatch.safeParse({ items: items(1) }).success).toBe(true);
    expect(SyncBatch.safeParse({ items: items(LIMITS.batchItems), sentAt: new Date().toISOString() }).success).toBe(true);
  });

  it('rejects an empty batch and one over LIMITS.batchItems, naming the list', () => {
    for (const n of [0, LIMITS.batchItems + 1]) {
      const parsed = SyncBatch.safeParse({ items: items(n) });
      expect(parsed.success, `${n} items`).toBe(false);
      expect(toIssues(parsed.error!).map((i) => i.path)).toEqual(['items']);
    }
  });

  it('leaves item validation to the server, item by item, so one bad item cannot sink the batch', () => {
    const batch = items(3) as unknown[];
    batch[2] = { nonsense: true };
    expect(SyncBatch.safeParse({ items: batch }).success).toBe(true);
  });
});
