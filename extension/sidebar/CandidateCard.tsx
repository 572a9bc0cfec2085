/** One suggested reply: its text, the snippets it cites, and "Use" to put it into the composer. */
import { useState } from 'preact/hooks';
import type { Candidate, Snippet } from '../../shared/index.ts';
import type { InsertResult } from '../hosts/types.ts';

interface Props {
  label: string;
  candidate: Candidate;
  snippets: Snippet[];
  insert: (text: string, replaceDraft: boolean) => Promise<InsertResult>;
  /** Shows a cited snippet in the knowledge list. */
  onCite: (snippetId: string) => void;
}

const NOTICES: Record<Exclude<InsertResult, 'draft_exists'>, string> = {
  inserted: 'Inserted into the reply box.',
  no_composer: 'No reply box was found on this page.',
};

export function CandidateCard({ label, candidate, snippets, insert, onCite }: Props) {
  const [outcome, setOutcome] = useState<InsertResult | undefined>(undefined);
  const cited = candidate.citations.flatMap((id) => snippets.filter((s) => s.snippetId === id));
  const use = async (replaceDraft: boolean) => setOutcome(await insert(candidate.text, replaceDraft));

  return (
    <article class="candidate" data-variant={candidate.variantId} aria-label={label}>
      <h3>{label}</h3>
      {/* Untrusted text: rendered as a text node, never as HTML. */}
      <p class="candidate-text">{candidate.text}</p>
      {cited.length > 0 && (
        <p class="citations">
          Sources:{' '}
          {cited.map((s) => (
            <button
              type="button"
              class="chip"
              key={s.snippetId}
              title={s.title}
              aria-label={`Source ${s.rank}: ${s.title}`}
              onClick={() => onCite(s.snippetId)}
            >
              [{s.rank}]
            </button>
          ))}
        </p>
      )}
      {outcome === 'draft_exists' ? (
        <div class="confirm" role="alertdialog" aria-label="Replace your draft?">
          <span>The reply box already has your draft.</span>
          <button type="button" class="primary" onClick={() => void use(true)}>
            Replace draft
          </button>
          <button type="button" onClick={() => setOutcome(undefined)}>
            Keep draft
          </button>
        </div>
      ) : (
        <button type="button" class="primary use" onClick={() => void use(false)}>
          Use {label}
        </button>
      )}
      {outcome && outcome !== 'draft_exists' && (
        <p class={`notice ${outcome}`} role="status">
          {NOTICES[outcome]}
        </p>
      )}
    </article>
  );
}
