/**
 * Signal 2b: why suggestions fell short. After an edited or rejected reply the sidebar asks once — dismissibly — and
 * "Both bad" asks the same; both are recorded as a rationale annotation.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { makeDraft, type SuggestionContext } from './drafts.ts';
import { SaveStatus, useSave } from './use-save.tsx';

export interface PendingRationale {
  context: SuggestionContext;
  adoptionId: string;
  outcome: 'edited' | 'rejected';
  candidateId?: string | undefined;
  variantId?: string | undefined;
}

/** shared/annotations.ts RationaleReason, with the words agents see. */
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

interface ReasonsFormProps {
  question: string;
  /** Refers the rationale to what it explains: the adoption, or the "both bad" preference. */
  context: SuggestionContext;
  explains: string;
  candidateId?: string | undefined;
  variantId?: string | undefined;
  onDone: () => void;
}

/** Reasons (at least one) and an optional note, saved as a rationale; focus moves into it when it opens. */
export function ReasonsForm({ question, context, explains, candidateId, variantId, onDone }: ReasonsFormProps) {
  const [reasons, setReasons] = useState<Reason[]>([]);
  const [note, setNote] = useState('');
  const { state, save } = useSave();
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => form.current?.querySelector('input')?.focus(), []);
  const toggle = (r: Reason) => setReasons(reasons.includes(r) ? reasons.filter((x) => x !== r) : [...reasons, r]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (reasons.length === 0) return;
    const saved = await save(
      makeDraft(context, {
        kind: 'rationale',
        adoptionId: explains,
        ...(candidateId ? { candidateId } : {}),
        ...(variantId ? { variantId } : {}),
        reasons,
        ...(note.trim() ? { note: note.trim() } : {}),
      }),
    );
    if (saved) onDone();
  };

  return (
    <form ref={form} class="rationale" aria-label={question} onSubmit={submit}>
      <p>{question}</p>
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

export function RationalePrompt({ pending, onDone }: { pending: PendingRationale; onDone: () => void }) {
  const question =
    pending.outcome === 'edited' ? 'You edited the suggestion. What was wrong with it?' : 'You did not use the suggestion. What was wrong with it?';
  return (
    <ReasonsForm
      question={question}
      context={pending.context}
      explains={pending.adoptionId}
      candidateId={pending.candidateId}
      variantId={pending.variantId}
      onDone={onDone}
    />
  );
}
