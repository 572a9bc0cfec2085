/** Signal 1: which of the two replies is better, and by how much. Positions, not variants, are what the agent sees. */
import { useState } from 'preact/hooks';
import type { Candidate } from '../../shared/index.ts';
import { makeDraft, type SuggestionContext } from './drafts.ts';
import { SaveStatus, useSave } from './use-save.tsx';

type Choice = 'left' | 'right' | 'tie' | 'both_bad';
type Strength = 'slight' | 'clear' | 'strong';

const CHOICES: [Choice, string][] = [
  ['left', 'A is better'],
  ['right', 'B is better'],
  ['tie', 'Tie'],
  ['both_bad', 'Both bad'],
];
const STRENGTHS: [Strength, string][] = [
  ['slight', 'Slightly'],
  ['clear', 'Clearly'],
  ['strong', 'Much better'],
];

export function PreferenceBar({ context, left, right }: { context: SuggestionContext; left: Candidate; right: Candidate }) {
  const [choice, setChoice] = useState<Choice | undefined>(undefined);
  const { state, save, reset } = useSave();
  const record = (c: Choice, strength?: Strength) =>
    save(
      makeDraft(context, {
        kind: 'preference',
        choice: c,
        ...(strength ? { strength } : {}),
        leftCandidateId: left.candidateId,
        rightCandidateId: right.candidateId,
        leftVariantId: left.variantId,
        rightVariantId: right.variantId,
      }),
    );
  const pick = (c: Choice) => {
    setChoice(c);
    reset();
    // A tie or "both bad" has no direction to weigh: saved at once.
    if (c === 'tie' || c === 'both_bad') void record(c);
  };
  const needsStrength = (choice === 'left' || choice === 'right') && state.status === 'idle';

  return (
    <section class="preference" aria-label="Which reply is better?">
      <div class="signal-row" role="group" aria-label="Which reply is better?">
        {CHOICES.map(([value, label]) => (
          <button type="button" key={value} aria-pressed={choice === value} onClick={() => pick(value)}>
            {label}
          </button>
        ))}
      </div>
      {needsStrength && (
        <div class="signal-row" role="group" aria-label="By how much?">
          <span class="hint">By how much?</span>
          {STRENGTHS.map(([value, label]) => (
            <button type="button" key={value} onClick={() => void record(choice, value)}>
              {label}
            </button>
          ))}
        </div>
      )}
      <SaveStatus state={state} savedText="Preference saved" />
    </section>
  );
}
