/**
 * Signal 1: which of the two replies is better, and by how much. Positions, not variants, are what the agent sees.
 * "Both bad" then asks why, with the reasons an edited reply is asked for.
 */
import { useState } from 'preact/hooks';
import type { Candidate } from '../../shared/index.ts';
import { makeDraft, type SuggestionContext } from './drafts.ts';
import { ReasonsForm } from './RationalePrompt.tsx';
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
  const [strength, setStrength] = useState<Strength | undefined>(undefined);
  /** The saved "both bad" preference whose reasons are being asked for. */
  const [askWhy, setAskWhy] = useState<string | undefined>(undefined);
  const { state, save, reset } = useSave();
  const record = async (c: Choice, s?: Strength) => {
    const draft = makeDraft(context, {
      kind: 'preference',
      choice: c,
      ...(s ? { strength: s } : {}),
      leftCandidateId: left.candidateId,
      rightCandidateId: right.candidateId,
      leftVariantId: left.variantId,
      rightVariantId: right.variantId,
    });
    if ((await save(draft)) && c === 'both_bad') setAskWhy(draft.id);
  };
  const pick = (c: Choice) => {
    setChoice(c);
    setStrength(undefined);
    setAskWhy(undefined);
    reset();
    // A tie or "both bad" has no direction to weigh: saved at once.
    if (c === 'tie' || c === 'both_bad') void record(c);
  };
  const weigh = (s: Strength) => {
    setStrength(s);
    void record(choice!, s);
  };

  return (
    <section class="preference" aria-label="Which reply is better?">
      <div class="signal-row" role="group" aria-label="Which reply is better?">
        {CHOICES.map(([value, label]) => (
          <button type="button" key={value} aria-pressed={choice === value} onClick={() => pick(value)}>
            {label}
          </button>
        ))}
      </div>
      {(choice === 'left' || choice === 'right') && (
        // Stays after choosing, the choice pressed: the agent sees what was recorded and may change it.
        <div class="signal-row" role="group" aria-label="By how much?">
          <span class="hint">By how much?</span>
          {STRENGTHS.map(([value, label]) => (
            <button type="button" key={value} aria-pressed={strength === value} onClick={() => weigh(value)}>
              {label}
            </button>
          ))}
        </div>
      )}
      <SaveStatus state={state} />
      {askWhy && (
        // A rationale refers to what it explains by id; for "both bad" that is the preference, and no one candidate.
        <ReasonsForm
          key={askWhy}
          question="Both replies were bad. What was wrong with them?"
          context={context}
          explains={askWhy}
          onDone={() => setAskWhy(undefined)}
        />
      )}
    </section>
  );
}
