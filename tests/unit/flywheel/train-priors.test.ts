import { describe, expect, it } from 'vitest';
import { type RelevanceCheck, trainPriors } from '../../../backend/flywheel/train/priors.ts';

/** `relevant` checks labelled 1 and `irrelevant` labelled 0 for one passage. */
function checks(passageId: string, relevant: number, irrelevant: number, weight = 1): RelevanceCheck[] {
  return [
    ...Array.from({ length: relevant }, () => ({ passageId, label: 1, weight })),
    ...Array.from({ length: irrelevant }, () => ({ passageId, label: 0, weight })),
  ];
}

describe('trainPriors', () => {
  it('raises passages judged relevant more often than average and lowers those judged relevant less', () => {
    const priors = trainPriors([...checks('good', 18, 2), ...checks('bad', 2, 18), ...checks('average', 10, 10)]);
    expect(priors.good).toBeGreaterThan(0.3);
    expect(priors.bad).toBeLessThan(-0.3);
    expect(priors.good).toBeCloseTo(-priors.bad!, 6); // the global rate is ½: symmetric
    expect(Math.abs(priors.average!)).toBeLessThan(1e-9);
    for (const p of Object.values(priors)) expect(Math.abs(p)).toBeLessThanOrEqual(1);
  });

  it('shrinks little evidence toward the average and leaves out passages with too little', () => {
    const priors = trainPriors([...checks('few', 3, 0), ...checks('many', 30, 0), ...checks('rest', 20, 20), ...checks('once', 1, 0)]);
    expect(priors.few).toBeGreaterThan(0);
    expect(priors.few).toBeLessThan(priors.many!);
    expect(priors).not.toHaveProperty('once');
    expect(trainPriors(checks('few', 3, 0), { minEvidence: 4 })).toEqual({});
  });

  it('counts partly relevant as half and weighs checks by the gate', () => {
    const partly = trainPriors([...checks('rest', 10, 10), ...Array.from({ length: 10 }, () => ({ passageId: 'p', label: 0.5, weight: 1 }))]);
    expect(Math.abs(partly.p!)).toBeLessThan(1e-9);
    const distrusted = trainPriors([...checks('rest', 10, 10), ...checks('p', 10, 0, 0.3)]);
    const trusted = trainPriors([...checks('rest', 10, 10), ...checks('p', 10, 0, 1)]);
    expect(distrusted.p).toBeLessThan(trusted.p!);
    expect(trainPriors(checks('p', 10, 0, 0))).toEqual({});
  });
});
