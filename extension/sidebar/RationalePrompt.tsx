/** Signal 2b: after an edited or rejected reply, asks once — dismissibly — why it fell short. */
import { useState } from 'preact/hooks';
import { redactPii } from '../../shared/index.ts';
import { makeDraft, type SuggestionContext } from './drafts.ts';
import { SaveStatus, useSave } from './use-save.tsx';

export interface PendingRationale {
  context: SuggestionContext;
  adoptionId: string;
  outcome: 'edited' | 'rejected';
  candidateId?: string | undefined;
  variantId?: string | undefined;
}

type Reason = 'inaccurate' | 'incomplete' | 'outdated' | 'wrong_tone' | 'against_policy' | 'irrelevant_knowledge' | 'too_long' | 'other';
const REASONS: [Reason, string][] = [
  ['inaccurate', 'Inaccurate'],
  ['incomplete', 'Incomplete'],
  ['outdated', 'Outdated'],
  ['wrong_tone', 'Wrong tone'],
  ['against_policy', 'Against policy'],
  ['irrelevant_knowledge', 'Irrelevant knowledge'],
  ['too_long', 'Too long'],
  ['other', 'Other'],
];

export function RationalePrompt({ pending, onDone }: { pending: PendingRationale; onDone: () => void }) {
  const [reasons, setReasons] = useState<Reason[]>([]);
  const [note, setNote] = useState('');
  const { state, save } = useSave();
  const toggle = (r: Reason) => setReasons(reasons.includes(r) ? reasons.filter((x) => x !== r) : [...reasons, r]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (reasons.length === 0) return;
    const saved = await save(
      makeDraft(pending.context, {
        kind: 'rationale',
        adoptionId: pending.adoptionId,
        ...(pending.candidateId ? { candidateId: pending.candidateId } : {}),
        ...(pending.variantId ? { variantId: pending.variantId } : {}),
        reasons,
        ...(note.trim() ? { note: redactPii(note.trim()) } : {}),
      }),
    );
    if (saved) onDone();
  };

  return (
    <form class="rationale" aria-label="Why did the suggestion fall short?" onSubmit={submit}>
      <p>{pending.outcome === 'edited' ? 'You edited the suggestion. What was wrong with it?' : 'You did not use the suggestion. What was wrong with it?'}</p>
      <div class="reasons">
        {REASONS.map(([value, label]) => (
          <label key={value}>
            <input type="checkbox" checked={reasons.includes(value)} onChange={() => toggle(value)} /> {label}
          </label>
        ))}
      </div>
      <input aria-label="Note (optional)" placeholder="Note (optional)" value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      <div class="signal-row">
        <button type="submit" class="primary" disabled={reasons.length === 0}>
          Send reasons
        </button>
        <button type="button" onClick={onDone}>
          Dismiss
        </button>
      </div>
      <SaveStatus state={state} />
    </form>
  );
}
