/** The sidebar: two suggested replies side by side and the knowledge they came from, for the active ticket. */
import { useState } from 'preact/hooks';
import type { HostAdapter } from '../hosts/types.ts';
import { CandidateCard } from './CandidateCard.tsx';
import { SnippetList } from './SnippetList.tsx';
import { useSuggestions, type View } from './use-suggestions.ts';

const LABELS = ['Reply A', 'Reply B'] as const;

export function Sidebar({ adapter, doc }: { adapter: HostAdapter; doc: Document }) {
  const { view, retry } = useSuggestions(adapter, doc);
  const [collapsed, setCollapsed] = useState(false);
  return (
    <aside class={collapsed ? 'panel collapsed' : 'panel'} aria-label="AITL reply suggestions" data-state={view.state}>
      <header class="panel-head">
        <strong>AITL</strong>
        <span class="subtitle">Suggested replies</span>
        <button type="button" class="icon" aria-expanded={!collapsed} aria-label={collapsed ? 'Show suggestions' : 'Hide suggestions'} onClick={() => setCollapsed(!collapsed)}>
          {collapsed ? '‹' : '›'}
        </button>
      </header>
      {!collapsed && <div class="panel-body">{body(view, adapter, doc, retry)}</div>}
    </aside>
  );
}

function body(view: View, adapter: HostAdapter, doc: Document, retry: () => void) {
  switch (view.state) {
    case 'reading':
      return <p class="status">Reading the ticket…</p>;
    case 'unreadable':
      return <p class="status warning" role="alert">{`Can't read this ticket: ${view.reason} No suggestions are shown rather than risk the wrong ticket.`}</p>;
    case 'loading':
      return <p class="status" aria-busy="true">{`Finding replies for ticket #${view.ticket.ticketId}…`}</p>;
    case 'failed':
      return (
        <div class="status error" role="alert" data-failure={view.failure.kind}>
          <p>{view.failure.kind === 'unreachable' ? "Can't reach the AITL backend." : 'The AITL backend could not answer.'}</p>
          <p class="detail">{view.failure.message}</p>
          <button type="button" class="primary retry" onClick={retry}>
            Retry
          </button>
        </div>
      );
    case 'ready': {
      const { suggestion, ticket } = view;
      const insert = (text: string, replaceDraft: boolean) => adapter.insertReply(doc, text, { replaceDraft });
      return (
        <div class="ready" data-ticket-id={ticket.ticketId} data-suggestion-id={suggestion.suggestionId}>
          {suggestion.candidates.length === 0 ? (
            <p class="status empty">No suggestions: the knowledge base has nothing that matches this ticket.</p>
          ) : (
            <section class="candidates" aria-label="Suggested replies">
              {suggestion.candidates.map((c, i) => (
                <CandidateCard key={c.candidateId} label={LABELS[i]!} candidate={c} snippets={suggestion.snippets} insert={insert} />
              ))}
            </section>
          )}
          {suggestion.snippets.length > 0 && (
            <section aria-label="Knowledge">
              <h2>Knowledge</h2>
              <SnippetList snippets={suggestion.snippets} />
            </section>
          )}
          <p class="query" title="The search built from this conversation">{`Searched for: ${suggestion.query}`}</p>
        </div>
      );
    }
  }
}
