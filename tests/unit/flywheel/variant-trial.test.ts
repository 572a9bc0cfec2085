import { describe, expect, it } from 'vitest';
import { nextVariantPolicy } from '../../../backend/flywheel/train/variant-trial.ts';
import { shownPair } from '../../../backend/rag/shown-variants.ts';
import { type Preference, trainVariantStrengths } from '../../../backend/flywheel/train/variants.ts';

/** `n` comparisons of a and b, each shown on both sides equally, a preferred in `aWins` of them. */
function duel(a: string, b: string, n: number, aWins: number): Preference[] {
  return Array.from({ length: n }, (_, i): Preference => {
    const aLeft = i % 2 === 0;
    const aWon = i < aWins;
    return { left: aLeft ? a : b, right: aLeft ? b : a, choice: aWon === aLeft ? 'left' : 'right', weight: 1 };
  });
}

const POOL = ['a', 'b', 'c', 'd'];

describe('nextVariantPolicy', () => {
  it('keeps a challenger that lost with confidence in the pair and puts the next untried variant on trial', () => {
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: null }, trainVariantStrengths(duel('a', 'b', 200, 150)), POOL);
    expect(step).toMatchObject({ champion: 'a', challenger: 'b', trial: { variant: 'c', share: 0.1 }, changed: true });
    expect(step.reason).toContain('c goes on trial');
  });

  it('changes nothing while the evidence is open', () => {
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: null }, trainVariantStrengths(duel('a', 'b', 200, 104)), POOL);
    expect(step).toMatchObject({ champion: 'a', challenger: 'b', trial: null, changed: false });
  });

  it('a trial variant that beats the challenger with confidence takes its place, and the next one is tried', () => {
    const prefs = [...duel('a', 'b', 200, 150), ...duel('c', 'b', 100, 85)];
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: { variant: 'c', share: 0.1 } }, trainVariantStrengths(prefs), POOL);
    expect(step).toMatchObject({ champion: 'a', challenger: 'c', changed: true });
    expect(step.reason).toContain('c beat b on trial');
    expect(step.trial).toBeNull(); // a vs c has no comparisons yet: nothing is settled about the new pair
  });

  it('a trial variant that loses with confidence is dropped for the next untried one', () => {
    const prefs = [...duel('a', 'b', 200, 150), ...duel('c', 'b', 100, 15)];
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: { variant: 'c', share: 0.1 } }, trainVariantStrengths(prefs), POOL);
    expect(step).toMatchObject({ champion: 'a', challenger: 'b', trial: { variant: 'd' }, changed: true });
    expect(step.reason).toContain('c lost its trial to b');
  });

  it('a trial with too few comparisons goes on', () => {
    const prefs = [...duel('a', 'b', 200, 150), ...duel('c', 'b', 10, 9)];
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: { variant: 'c', share: 0.1 } }, trainVariantStrengths(prefs), POOL);
    expect(step).toMatchObject({ champion: 'a', challenger: 'b', trial: { variant: 'c' }, changed: false });
  });

  it('on a switch the old champion stays on as challenger and an untried variant goes on trial', () => {
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: null }, trainVariantStrengths(duel('a', 'b', 200, 50)), POOL, {
      trialShare: 0.2,
    });
    expect(step).toMatchObject({ champion: 'b', challenger: 'a', trial: { variant: 'c', share: 0.2 }, changed: true });
  });

  it('with nothing left untried the pair is all there is', () => {
    const step = nextVariantPolicy({ champion: 'a', challenger: 'b', trial: null }, trainVariantStrengths(duel('a', 'b', 200, 150)), ['a', 'b']);
    expect(step).toMatchObject({ champion: 'a', challenger: 'b', trial: null, changed: false });
  });
});

describe('shownPair', () => {
  const keys = Array.from({ length: 5_000 }, (_, i) => `zendesk\u0000${10_000 + i}`);

  it('shows the trial variant in the challenger’s place on about its share of tickets, the same ticket always alike', () => {
    const policy = { champion: 'a', challenger: 'b', trial: { variant: 'c', share: 0.1 } };
    const onTrial = keys.filter((k) => shownPair(policy, k)[1] === 'c');
    expect(onTrial.length / keys.length).toBeGreaterThan(0.08);
    expect(onTrial.length / keys.length).toBeLessThan(0.12);
    for (const k of keys.slice(0, 200)) expect(shownPair(policy, k)).toEqual(shownPair(policy, k));
    expect(keys.every((k) => shownPair(policy, k)[0] === 'a')).toBe(true);
  });

  it('without a trial every ticket sees the pair', () => {
    expect(keys.every((k) => shownPair({ champion: 'a', challenger: 'b', trial: null }, k).join() === 'a,b')).toBe(true);
  });
});
