import { describe, expect, it } from 'vitest';
import { type Adoption, adoptionRates } from '../../../backend/flywheel/train/adoption.ts';

const adoption = (variantId: string | undefined, outcome: Adoption['outcome'], weight = 1, modelVersion = 'm1'): Adoption => ({
  variantId,
  modelVersion,
  outcome,
  weight,
});

describe('adoptionRates', () => {
  it('rates used over used-or-rejected per variant and per model, counting ignored apart', () => {
    const { byVariant, byModel } = adoptionRates([
      adoption('a', 'verbatim'),
      adoption('a', 'edited'),
      adoption('a', 'rejected'),
      adoption('a', 'ignored'),
      adoption('b', 'rejected', 1, 'm2'),
      adoption(undefined, 'ignored', 1, 'm2'),
    ]);
    expect(byVariant.a).toEqual({ n: 4, verbatim: 1, edited: 1, rejected: 1, ignored: 1, rate: 0.6667 });
    expect(byVariant.b).toMatchObject({ n: 1, rate: 0 });
    expect(Object.keys(byVariant)).toEqual(['a', 'b']);
    expect(byModel.m1).toMatchObject({ n: 4, rate: 0.6667 });
    expect(byModel.m2).toEqual({ n: 2, verbatim: 0, edited: 0, rejected: 1, ignored: 1, rate: 0 });
  });

  it('has no rate when nothing was used or rejected, and weighs by the gate', () => {
    expect(adoptionRates([adoption('a', 'ignored')]).byVariant.a!.rate).toBeNull();
    const { byVariant } = adoptionRates([adoption('a', 'verbatim', 0.5), adoption('a', 'rejected', 1.5), adoption('a', 'edited', 0)]);
    expect(byVariant.a).toMatchObject({ n: 2, verbatim: 0.5, edited: 0, rejected: 1.5, rate: 0.25 });
  });
});
