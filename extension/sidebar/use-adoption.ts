/**
 * Signal 2a: follows what the agent does with a suggestion. "Use" remembers the inserted candidate; when the host
 * adapter sees a send on the same ticket, the sent text is compared with it and the outcome recorded. Edited and
 * rejected outcomes open a one-time, dismissible prompt for reasons. The outcome notice and the prompt belong to the
 * ticket they were given on: moving to another ticket clears them.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { adoptionOutcome, type Candidate, LIMITS } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { saveAnnotation } from '../background/messaging.ts';
import { contextOf, makeDraft, type SuggestionContext } from './drafts.ts';
import type { PendingRationale } from './RationalePrompt.tsx';
import type { SaveState } from './use-save.tsx';
import type { View } from './use-suggestions.ts';

/**
 * The ticket the sidebar is on, given the ticket it was on before: a ticket the view names, none on a page that is
 * not a ticket, and the previous one while the page is still being read (or could not be), which says nothing new.
 */
export function ticketOnScreen(view: View, previous: string | undefined): string | undefined {
  if (view.state === 'loading' || view.state === 'ready' || view.state === 'failed') return view.ticket.ticketId;
  return view.state === 'elsewhere' ? undefined : previous;
}

interface Inserted {
  context: SuggestionContext;
  candidate: Candidate;
}

export function useAdoption(adapter: HostAdapter, doc: Document, view: View) {
  /** The suggestion last shown on each ticket: a send may be reported for a ticket no longer on screen. */
  const shown = useRef(new Map<string, SuggestionContext>());
  const inserted = useRef(new Map<string, Inserted>());
  const [rationale, setRationale] = useState<PendingRationale | undefined>(undefined);
  const [notice, setNotice] = useState<{ ticketId: string; state: SaveState } | undefined>(undefined);
  const onScreen = useRef<string | undefined>(undefined);
  onScreen.current = ticketOnScreen(view, onScreen.current);
  const current = onScreen.current;

  useEffect(() => {
    setNotice((n) => (n && n.ticketId !== current ? undefined : n));
    setRationale((r) => (r && r.context.ticketId !== current ? undefined : r));
  }, [current]);

  useEffect(() => {
    if (view.state === 'ready' && view.suggestion.candidates.length > 0)
      shown.current.set(view.ticket.ticketId, contextOf(view.ticket, view.suggestion));
  }, [view]);

  const onSend = useCallback(
    async (sentText: string, sentOn?: string) => {
      const read = adapter.readTicket(doc);
      const ticketId = sentOn ?? (read.status === 'ok' ? read.ticket.ticketId : undefined);
      // Only a send on a ticket whose suggestions were shown says anything about them.
      const context = ticketId === undefined ? undefined : shown.current.get(ticketId);
      if (!context || ticketId === undefined) return;
      const used = inserted.current.get(ticketId);
      inserted.current.delete(ticketId);
      const { outcome, similarity } = adoptionOutcome(used?.candidate.text, sentText);
      const adopted = used?.context ?? context;
      const draft = makeDraft(adopted, {
        kind: 'adoption',
        outcome,
        ...(used ? { candidateId: used.candidate.candidateId, variantId: used.candidate.variantId } : {}),
        // makeDraft redacts it (personal data, the ticket's and the agent's names).
        sentText: sentText.slice(0, LIMITS.annotationBytes / 2),
        ...(similarity === undefined ? {} : { similarity }),
      });
      setNotice({ ticketId: adopted.ticketId, state: { status: 'saving' } });
      const reply = await saveAnnotation(draft);
      setNotice({ ticketId: adopted.ticketId, state: reply.ok ? { status: 'saved', id: reply.id } : { status: 'error', message: reply.message } });
      if (reply.ok && (outcome === 'edited' || outcome === 'rejected')) {
        setRationale({
          context: adopted,
          adoptionId: draft.id,
          outcome,
          candidateId: used?.candidate.candidateId,
          variantId: used?.candidate.variantId,
        });
      }
    },
    [adapter, doc],
  );

  useEffect(() => {
    const controller = new AbortController();
    adapter.watchSends(doc, controller.signal, (text, ticketId) => void onSend(text, ticketId));
    return () => controller.abort();
  }, [adapter, doc, onSend]);

  const recordInsert = useCallback((context: SuggestionContext, candidate: Candidate) => {
    inserted.current.set(context.ticketId, { context, candidate });
  }, []);

  return {
    recordInsert,
    // Filtered as well as cleared: an answer that lands after the agent moved on is not shown on the next ticket.
    rationale: rationale?.context.ticketId === current ? rationale : undefined,
    clearRationale: () => setRationale(undefined),
    recorded: notice && notice.ticketId === current ? notice.state : ({ status: 'idle' } as SaveState),
  };
}
