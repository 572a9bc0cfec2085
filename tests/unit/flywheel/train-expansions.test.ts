import { describe, expect, it } from 'vitest';
import { normaliseQuery, trainExpansions } from '../../../backend/flywheel/train/expansions.ts';

const check = (query: string, label: number, weight = 1, passageId = 'p') => ({ passageId, query, label, weight });

describe('trainExpansions', () => {
  it('keeps queries judged relevant or partly relevant, deduplicated after normalisation, last wording kept', () => {
    const expansions = trainExpansions([
      check('How do I reset my PIN?', 1),
      check('how do i  reset my pin', 1),
      check('Where is my parcel', 0.5),
      check('Cancel my order', 0),
    ]);
    expect(expansions).toEqual({ p: ['how do i reset my pin', 'Where is my parcel'] });
    expect(normaliseQuery('  Ｒeset—my PIN!! ')).toBe('reset my pin');
  });

  it('leaves out a query the majority judged irrelevant for that passage (but not for another)', () => {
    const expansions = trainExpansions([
      check('refund policy', 1),
      check('refund policy', 0),
      check('refund policy', 0),
      check('refund policy', 1, 1, 'other'),
      check('opening hours', 1),
      check('opening hours', 0),
    ]);
    expect(expansions).toEqual({ other: ['refund policy'], p: ['opening hours'] });
  });

  it('ignores checks the gate does not trust enough', () => {
    expect(trainExpansions([check('reset pin', 1, 0.4)])).toEqual({});
    expect(trainExpansions([check('reset pin', 1, 0.4)], { minWeight: 0.3 })).toEqual({ p: ['reset pin'] });
    // A distrusted irrelevant vote does not outvote a trusted relevant one either.
    expect(trainExpansions([check('reset pin', 1), check('reset pin', 0, 0.2), check('reset pin', 0, 0.2)])).toEqual({ p: ['reset pin'] });
  });

  it('orders by how often a query was judged relevant, then the most recent first, and caps the list', () => {
    const labels = [check('a query', 1), check('b query', 1), check('c query', 1), check('c query', 1), check('d query', 0.5)];
    expect(trainExpansions(labels).p).toEqual(['c query', 'b query', 'a query', 'd query']);
    expect(trainExpansions(labels, { maxPerPassage: 2 }).p).toEqual(['c query', 'b query']);
  });

  it('cuts long queries at a word boundary', () => {
    const long = `${'word '.repeat(100)}end`;
    const [kept] = trainExpansions([check(long, 1)], { maxChars: 52 }).p!;
    expect(kept).toBe('word '.repeat(10).trim());
    expect(trainExpansions([check(`${'x'.repeat(9)}😀`, 1)], { maxChars: 10 }).p).toEqual(['x'.repeat(9)]);
  });
});
