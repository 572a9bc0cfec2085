import { describe, expect, it } from 'vitest';
import { syntheticLabelledQueries } from '../../../backend/bench/train.ts';
import { type LabelledQuery, trainReranker } from '../../../backend/flywheel/train/reranker.ts';
import { DEFAULT_RERANKER, type RerankerModel } from '../../../backend/rag/reranker.ts';

/** Hidden weights that disagree with the default model: titles matter most, long passages a little less. */
const TRUTH = { lexical: 0.5, facet: 0.5, coverage: 1, title: 1.5, length: -0.2 };

function score(model: RerankerModel, features: Readonly<Record<string, number>>): number {
  return model.features.reduce((sum, f, i) => sum + model.weights[i]! * (features[f] ?? 0), 0);
}

/** Mean reciprocal rank of the relevant candidate. */
function mrr(model: RerankerModel, queries: readonly LabelledQuery[]): number {
  let sum = 0;
  for (const q of queries) {
    const relevant = score(model, q.candidates.find((c) => c.label === 1)!.features);
    sum += 1 / (1 + q.candidates.filter((c) => score(model, c.features) > relevant).length);
  }
  return sum / queries.length;
}

const weightOf = (model: RerankerModel, feature: string) => model.weights[model.features.indexOf(feature as never)]!;
const norm = (model: RerankerModel) => Math.hypot(...model.weights);

describe('trainReranker', () => {
  const train = syntheticLabelledQueries(2_000, TRUTH, { seed: 1 });
  const heldOut = syntheticLabelledQueries(1_000, TRUTH, { seed: 2 });
  const full = trainReranker(train, DEFAULT_RERANKER);

  it('raises the weight of a feature that predicts relevance and orders held-out queries better', () => {
    const { model, stats } = full;
    expect(weightOf(model, 'title')).toBeGreaterThan(0.5);
    expect(weightOf(model, 'title')).toBeGreaterThan(weightOf(model, 'facet'));
    expect(weightOf(model, 'length')).toBeLessThan(0);
    expect(mrr(model, heldOut)).toBeGreaterThan(mrr(DEFAULT_RERANKER, heldOut) + 0.1);
    expect(stats).toMatchObject({ queries: 2_000, converged: true });
    expect(stats.loss).toBeLessThan(stats.baseLoss);
    expect(stats.accuracy).toBeGreaterThan(stats.baseAccuracy);
  });

  it('keeps the base model’s scale, so versions compare weight by weight', () => {
    const { model, stats } = full;
    expect(norm(model)).toBeCloseTo(norm(DEFAULT_RERANKER), 4);
    expect(stats.scale).toBeGreaterThan(1); // the data is sure enough to want larger weights
  });

  it('barely moves on a few labels, and not at all on none', () => {
    const moved = (model: RerankerModel) => Math.max(...model.weights.map((w, i) => Math.abs(w - DEFAULT_RERANKER.weights[i]!)));
    const one = trainReranker(train.slice(0, 1), DEFAULT_RERANKER).model;
    expect(moved(one)).toBeLessThan(0.1);
    expect(moved(one)).toBeLessThan(moved(full.model) / 5);
    const none = trainReranker([{ candidates: [{ features: { lexical: 1 } }, { features: { lexical: 0 } }] }], DEFAULT_RERANKER);
    expect(none.model.weights).toEqual(DEFAULT_RERANKER.weights);
    expect(none.stats).toMatchObject({ queries: 0, pairs: 0 });
  });

  it('learns from hard negatives: irrelevant-marked candidates that look good to the base model', () => {
    // The relevant passage has a matching title; the snippet marked irrelevant matched the words (lexical) only.
    const queries: LabelledQuery[] = Array.from({ length: 200 }, (_, i) => ({
      candidates: [
        { features: { lexical: 1, facet: 0.5, coverage: 0.8, title: 0, length: 0 }, label: 0 },
        { features: { lexical: 0.6, facet: 0.5, coverage: 0.5, title: 1, length: 0 }, label: 1 },
        { features: { lexical: 0.3 + (i % 5) / 10, facet: 0.5, coverage: 0.4, title: 0.2, length: 0 } },
      ],
    }));
    const withNegatives = trainReranker(queries, DEFAULT_RERANKER).model;
    expect(weightOf(withNegatives, 'title')).toBeGreaterThan(0.5);
    expect(weightOf(withNegatives, 'lexical')).toBeLessThan(DEFAULT_RERANKER.weights[0]!);

    // Without the irrelevant marks nothing is learned (an unjudged candidate is not a negative by default)…
    const unmarked = queries.map((q) => ({ candidates: q.candidates.map((c) => (c.label === 0 ? { features: c.features } : c)) }));
    expect(trainReranker(unmarked, DEFAULT_RERANKER).stats.pairs).toBe(0);
    // …and as soft negatives they teach less than as hard ones.
    const soft = trainReranker(unmarked, DEFAULT_RERANKER, { softNegativeWeight: 0.2 });
    expect(soft.stats.pairs).toBe(200);
    expect(weightOf(soft.model, 'title')).toBeGreaterThan(0);
    expect(weightOf(soft.model, 'title')).toBeLessThan(weightOf(withNegatives, 'title'));
  });

  it('weighs pairs by gate weight and label gap', () => {
    const q = (gate: number): LabelledQuery => ({
      candidates: [
        { features: { title: 1 }, label: 1, weight: gate },
        { features: { title: 0 }, label: 0.5, weight: 1 },
        { features: { title: 0 }, label: 0, weight: 1 },
      ],
    });
    expect(trainReranker([q(1)], DEFAULT_RERANKER).stats).toMatchObject({ pairs: 3, pairWeight: 0.5 + 1 + 0.5 });
    expect(trainReranker([q(0.5)], DEFAULT_RERANKER).stats).toMatchObject({ pairs: 3, pairWeight: 0.25 + 0.5 + 0.5 });
  });

  it('adds features the caller names, starting at 0, and names the version', () => {
    const base: RerankerModel = { version: 'learned-3', features: ['lexical', 'facet'], weights: [0.5, 1] };
    const { model } = trainReranker(train, base, { features: ['lexical', 'facet', 'title'] });
    expect(model.features).toEqual(['lexical', 'facet', 'title']);
    expect(weightOf(model, 'title')).toBeGreaterThan(0.3);
    expect(model.version).toBe('learned-4');
    expect(trainReranker(train.slice(0, 5), DEFAULT_RERANKER).model.version).toBe('learned-1');
    expect(trainReranker(train.slice(0, 5), DEFAULT_RERANKER, { version: 'mine' }).model.version).toBe('mine');
  });

  it('is deterministic', () => {
    expect(trainReranker(train.slice(0, 300), DEFAULT_RERANKER)).toEqual(trainReranker(train.slice(0, 300), DEFAULT_RERANKER));
  });
});
