import { describe, expect, it } from 'vitest';
import { buildIndex, indexVersion, RETRIEVAL_VERSION } from '../../../backend/rag/knowledge-index.ts';
import { DEFAULT_RERANKER, FEATURES, type FeatureVector, loadReranker, rerank, rerankScore } from '../../../backend/models/reranker.ts';

const zero: FeatureVector = { lexical: 0, facet: 0, coverage: 0, title: 0, length: 0 };

describe('reranker model', () => {
  it('ships default weights for every feature it names, and a version', () => {
    expect(DEFAULT_RERANKER.version).toMatch(/\S/);
    expect(DEFAULT_RERANKER.features).toHaveLength(DEFAULT_RERANKER.weights.length);
    for (const f of DEFAULT_RERANKER.features) expect(FEATURES).toContain(f);
    expect(loadReranker(JSON.parse(JSON.stringify(DEFAULT_RERANKER)))).toEqual(DEFAULT_RERANKER);
  });

  it('refuses a model with a weight missing, an unknown or repeated feature, or a non-finite weight', () => {
    expect(() => loadReranker({ version: 'x', features: ['lexical', 'facet'], weights: [1] })).toThrow(/one weight per feature/);
    expect(() => loadReranker({ version: 'x', features: ['lexical', 'clicks'], weights: [1, 1] })).toThrow();
    expect(() => loadReranker({ version: 'x', features: ['lexical', 'lexical'], weights: [1, 1] })).toThrow(/repeat/);
    expect(() => loadReranker({ version: 'x', features: ['lexical'], weights: [Number.NaN] })).toThrow();
    expect(() => loadReranker({ version: '', features: ['lexical'], weights: [1] })).toThrow();
  });

  it('scores the weighted sum of the features it names (others are ignored)', () => {
    const model = loadReranker({ version: 't', features: ['lexical', 'length'], weights: [2, -0.5] });
    expect(rerankScore(model, { ...zero, lexical: 0.5, length: 1, facet: 100 })).toBeCloseTo(0.5);
  });

  it('orders candidates by score, keeping the incoming order on ties', () => {
    const model = loadReranker({ version: 't', features: ['coverage'], weights: [1] });
    const ranked = rerank(model, [
      { id: 'a', features: { ...zero, coverage: 0.2 } },
      { id: 'b', features: { ...zero, coverage: 0.9 } },
      { id: 'c', features: { ...zero, coverage: 0.2 } },
    ]);
    expect(ranked.map((r) => r.id)).toEqual(['b', 'a', 'c']);
    expect(ranked.map((r) => r.score)).toEqual([0.9, 0.2, 0.2]);
  });

  it('is part of the index version, which still ends with the import id', () => {
    const model = loadReranker({ version: 'learned-7', features: ['lexical'], weights: [1] });
    expect(indexVersion('imp-1', model)).toBe(`${RETRIEVAL_VERSION}+rerank-learned-7@imp-1`);
    expect(buildIndex([], 'imp-2').version.endsWith('@imp-2')).toBe(true);
    expect(buildIndex([], 'imp-2', model).reranker).toBe(model);
  });
});
