/** Signal 4: what the knowledge base lacks, or which shown article is out of date. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Snippet } from '../../shared/index.ts';
import { makeDraft, type SuggestionContext } from './drafts.ts';
import { SaveStatus, useSave } from './use-save.tsx';

export function MissingKnowledgeForm({ context, snippets }: { context: SuggestionContext; snippets: Snippet[] }) {
  const [open, setOpen] = useState(false);
  const [description, setDescription] = useState('');
  const [outdated, setOutdated] = useState('');
  const [title, setTitle] = useState('');
  const { state, save, reset } = useSave();
  const descriptionField = useRef<HTMLTextAreaElement>(null);
  const toggleButton = useRef<HTMLButtonElement>(null);
  // Focus follows the form: into it when it opens, back to its button when it closes.
  const opened = useRef(false);
  useEffect(() => {
    if (open) descriptionField.current?.focus();
    else if (opened.current) toggleButton.current?.focus();
    opened.current ||= open;
  }, [open]);
  const articles = [...new Map(snippets.map((s) => [s.articleId, s.title.split(' — ')[0]!])).entries()];

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!description.trim()) return;
    const saved = await save(
      makeDraft(context, {
        kind: 'missing_knowledge',
        description: description.trim(),
        ...(outdated ? { outdatedArticleId: outdated } : {}),
        ...(title.trim() ? { proposedTitle: title.trim() } : {}),
      }),
    );
    if (saved) {
      setDescription('');
      setOutdated('');
      setTitle('');
      setOpen(false);
    }
  };

  return (
    <section class="missing" aria-label="Missing knowledge">
      {open ? (
        <form onSubmit={submit}>
          <label for="aitl-missing">What is missing from the knowledge base?</label>
          <textarea
            ref={descriptionField}
            id="aitl-missing"
            rows={3}
            required
            value={description}
            onInput={(e) => setDescription((e.target as HTMLTextAreaElement).value)}
          />
          <label for="aitl-outdated">An article shown here is outdated (optional)</label>
          <select id="aitl-outdated" value={outdated} onChange={(e) => setOutdated((e.target as HTMLSelectElement).value)}>
            <option value="">None</option>
            {articles.map(([id, name]) => (
              <option value={id} key={id}>
                {name}
              </option>
            ))}
          </select>
          <label for="aitl-title">Proposed article title (optional)</label>
          <input id="aitl-title" value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
          <div class="signal-row">
            <button type="submit" class="primary">
              Report
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button
          ref={toggleButton}
          type="button"
          class="link"
          onClick={() => {
            reset();
            setOpen(true);
          }}
        >
          Report missing or outdated knowledge
        </button>
      )}
      <SaveStatus state={state} />
    </section>
  );
}
