/** The sidebar: two suggested replies side by side and the knowledge they came from, for the active ticket. */
import { useMemo, useRef, useState } from 'preact/hooks';
import type { SuggestionResponse, TicketContext } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { pairwiseSampled } from './pairwise-sampling.ts';
import { CandidateCard } from './CandidateCard.tsx';
import { contextOf, type SuggestionContext } from './drafts.ts';
import { Failed } from './Failed.tsx';
import { MissingKnowledgeForm } from './MissingKnowledgeForm.tsx';
import { PreferenceBar } from './PreferenceBar.tsx';
import { RationalePrompt } from './RationalePrompt.tsx';
import { SnippetList } from './SnippetList.tsx';
import { Unreadable } from './Unreadable.tsx';
import { useAdoption } from './use-adoption.ts';
import { SaveStatus } from './use-save.tsx';
import { useSuggestions, type View } from './use-suggestions.ts';

/** Which feedback the sidebar asks for, as policy, the tenant or the agent set it. */
export interface Prompts {
  /** Off: no feedback prompts at all (what was sent is still compared with the suggestion). */
  annotationPrompts: boolean;
  /** Share of suggestions, in percent, that ask which reply is better. */
  pairwisePromptPercent: number;
}

const ALL_PROMPTS: Prompts = { annotationPrompts: true, pairwisePromptPercent: 100 };

interface SidebarProps {
  adapter: HostAdapter;
  doc: Document;
  reloadAdapter: () => Promise<void>;
  prompts?: Prompts;
}

export function Sidebar({ adapter, doc, reloadAdapter, prompts = ALL_PROMPTS }: SidebarProps) {
  const { view, retry } = useSuggestions(adapter, doc);
  const adoption = useAdoption(adapter, doc, view);
  const [collapsed, setCollapsed] = useState(false);
  return (
    <aside class={collapsed ? 'panel collapsed' : 'panel'} aria-label="AITL reply suggestions" data-state={view.state}>
      <header class="panel-head">
        <strong>AITL</strong>
        <span class="subtitle">Suggested replies</span>
        <button
          type="button"
          class="icon"
          aria-expanded={!collapsed}
          aria-label={collapsed ? 'Show suggestions' : 'Hide suggestions'}
          onClick={() => setCollapsed(!collapsed)}
        >
          {collapsed ? '‹' : '›'}
        </button>
      </header>
      {!collapsed && (
        <div class="panel-body">
          <div class="adoption-status">
            {/* The adoption's own words: it is recorded when the reply is sent, not when the agent clicks here. */}
            <SaveStatus state={adoption.recorded} savedText="Reply outcome recorded" />
          </div>
          {adoption.rationale && prompts.annotationPrompts && (
            <RationalePrompt key={adoption.rationale.adoptionId} pending={adoption.rationale} onDone={adoption.clearRationale} />
          )}
          <Body
            view={view}
            retry={retry}
            reloadAdapter={reloadAdapter}
            adapter={adapter}
            doc={doc}
            onInserted={adoption.recordInsert}
            prompts={prompts}
          />
        </div>
      )}
    </aside>
  );
}

interface BodyProps {
  view: View;
  retry: () => void;
  reloadAdapter: () => Promise<void>;
  adapter: HostAdapter;
  doc: Document;
  onInserted: ReturnType<typeof useAdoption>['recordInsert'];
  prompts: Prompts;
}

function Body({ view, retry, reloadAdapter, adapter, doc, onInserted, prompts }: BodyProps) {
  switch (view.state) {
    case 'reading':
      return <p class="status">Reading the ticket…</p>;
    case 'elsewhere':
      return <p class="status">Open a ticket to see suggested replies.</p>;
    case 'unreadable':
      // Retry fetches the admin's selector overrides again: a repaired configuration applies without a reload.
      return (
        <Unreadable
          host={adapter.host}
          reason={view.reason}
          selectorKey={view.selectorKey}
          selectors={view.selectors}
          retry={() => void reloadAdapter().then(retry)}
        />
      );
    case 'loading':
      return <p class="status" aria-busy="true">{`Finding replies for ticket #${view.ticket.ticketId}…`}</p>;
    case 'failed':
      return <Failed failure={view.failure} retry={retry} />;
    case 'ready':
      return (
        <Suggestion
          key={view.suggestion.suggestionId}
          ticket={view.ticket}
          suggestion={view.suggestion}
          adapter={adapter}
          doc={doc}
          onInserted={onInserted}
          prompts={prompts}
        />
      );
  }
}

interface SuggestionProps {
  ticket: TicketContext;
  suggestion: SuggestionResponse;
  adapter: HostAdapter;
  doc: Document;
  onInserted: (context: SuggestionContext, candidate: SuggestionResponse['candidates'][number]) => void;
  prompts: Prompts;
}

function Suggestion({ ticket, suggestion, adapter, doc, onInserted, prompts }: SuggestionProps) {
  const context = contextOf(ticket, suggestion);
  // Left/right order is random per suggestion, so position bias can be measured and corrected; it is recorded.
  const ordered = useMemo(() => (Math.random() < 0.5 ? [...suggestion.candidates] : [...suggestion.candidates].reverse()), [suggestion]);
  const [left, right] = ordered;
  // Only a share of suggestions asks which reply is better (annotation fatigue), the same ones however often shown.
  const askPreference = prompts.annotationPrompts && pairwiseSampled(suggestion.suggestionId, prompts.pairwisePromptPercent);
  const root = useRef<HTMLDivElement>(null);
  // A citation chip shows its snippet: scrolled into view and focused, so keyboard users land on it too.
  const showSnippet = (snippetId: string) => {
    const item = [...(root.current?.querySelectorAll<HTMLElement>('.snippet') ?? [])].find((li) => li.dataset.snippetId === snippetId);
    item?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    item?.focus({ preventScroll: true });
  };
  return (
    <div ref={root} class="ready" data-ticket-id={ticket.ticketId} data-suggestion-id={suggestion.suggestionId}>
      {ordered.length === 0 ? (
        <p class="status empty">No suggestions: the knowledge base has nothing that matches this ticket.</p>
      ) : (
        <section class="candidates" aria-label="Suggested replies">
          {ordered.map((c, i) => (
            <CandidateCard
              key={c.candidateId}
              label={i === 0 ? 'Reply A' : 'Reply B'}
              candidate={c}
              snippets={suggestion.snippets}
              onCite={showSnippet}
              insert={async (text, replaceDraft) => {
                const result = await adapter.insertReply(doc, text, { replaceDraft });
                if (result === 'inserted') onInserted(context, c);
                return result;
              }}
            />
          ))}
        </section>
      )}
      {left && right && askPreference && <PreferenceBar context={context} left={left} right={right} />}
      {suggestion.snippets.length > 0 && (
        <section aria-label="Knowledge">
          <h2>Knowledge</h2>
          <SnippetList snippets={suggestion.snippets} context={context} rate={prompts.annotationPrompts} />
        </section>
      )}
      {prompts.annotationPrompts && <MissingKnowledgeForm context={context} snippets={suggestion.snippets} />}
      <p class="query" title="The search built from this conversation">{`Searched for: ${suggestion.query}`}</p>
    </div>
  );
}
