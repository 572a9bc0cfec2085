/** Signal 3: was this snippet relevant to the ticket? One click. */
import { useState } from 'preact/hooks';
import type { Snippet } from '../../shared/index.ts';
import { makeDraft, type SuggestionContext } from './drafts.ts';
import { SaveStatus, useSave } from './use-save.tsx';

type Label = 'relevant' | 'partly' | 'irrelevant';
const LABELS: [Label, string, string][] = [
  ['relevant', '✓', 'Relevant'],
  ['partly', '≈', 'Partly relevant'],
  ['irrelevant', '✗', 'Not relevant'],
];

export function RelevanceButtons({ context, snippet }: { context: SuggestionContext; snippet: Snippet }) {
  const [label, setLabel] = useState<Label | undefined>(undefined);
  const { state, save } = useSave();
  const pick = (value: Label) => {
    setLabel(value);
    void save(
      makeDraft(context, { kind: 'relevance', snippetId: snippet.snippetId, articleId: snippet.articleId, rank: snippet.rank, label: value }),
    );
  };
  return (
    <div class="relevance" role="group" aria-label={`Was “${snippet.title}” relevant?`}>
      {LABELS.map(([value, symbol, name]) => (
        <button
          type="button"
          key={value}
          class={`rel ${value}`}
          aria-pressed={label === value}
          aria-label={name}
          title={name}
          onClick={() => pick(value)}
        >
          {symbol}
        </button>
      ))}
      <SaveStatus state={state} />
    </div>
  );
}
