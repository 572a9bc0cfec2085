/** The knowledge snippets behind the replies, best first, with links to their articles. */
import { useState } from 'preact/hooks';
import type { Snippet } from '../../shared/index.ts';
import type { SuggestionContext } from './drafts.ts';
import { RelevanceButtons } from './RelevanceButtons.tsx';

/** Only http(s) links are followed: a `javascript:` URL from the knowledge base must never become a link. */
export function safeHref(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : undefined;
  } catch {
    return undefined;
  }
}

/** `rate: false` leaves out the relevance buttons (feedback prompts switched off). */
export function SnippetList({ snippets, context, rate = true }: { snippets: Snippet[]; context: SuggestionContext; rate?: boolean }) {
  return (
    <ol class="snippets">
      {snippets.map((s) => (
        <SnippetItem snippet={s} context={context} rate={rate} key={s.snippetId} />
      ))}
    </ol>
  );
}

function SnippetItem({ snippet, context, rate }: { snippet: Snippet; context: SuggestionContext; rate: boolean }) {
  const [open, setOpen] = useState(false);
  const href = safeHref(snippet.url);
  return (
    // Focusable from script only: a citation chip jumps here.
    <li class="snippet" data-snippet-id={snippet.snippetId} tabIndex={-1}>
      <div class="snippet-head">
        <span class="rank">{snippet.rank}</span>
        {href ? (
          <a href={href} target="_blank" rel="noopener noreferrer" class="snippet-title">
            {snippet.title}
          </a>
        ) : (
          <span class="snippet-title">{snippet.title}</span>
        )}
      </div>
      <p class={open ? 'snippet-text open' : 'snippet-text'}>{snippet.text}</p>
      <div class="snippet-foot">
        <button type="button" class="link" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? 'Show less' : 'Show more'}
        </button>
        {rate && <RelevanceButtons context={context} snippet={snippet} />}
      </div>
    </li>
  );
}
