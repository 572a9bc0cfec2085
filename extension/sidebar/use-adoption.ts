/**
 * Signal 2a: follows what the agent does with a suggestion. "Use" remembers the inserted candidate; when the host
 * adapter sees a send on the same ticket, the sent text is compared with it and the outcome recorded. Edited and
 * rejected outcomes open a one-time, dismissible prompt for reasons.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { adoptionOutcome, type Candidate, redactPii, LIMITS } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { saveAnnotation } from '../lib/messaging.ts';
import { contextOf, makeDraft, type SuggestionContext } from './drafts.ts';
import type { PendingRationale } from './RationalePrompt.tsx';
import type { SaveState } from './use-save.tsx';
import type { View } from './use-suggestions.ts';

interface Inserted {
  context: SuggestionContext;
  candidate: Candidate;
}

export function useAdoption(adapter: HostAdapter, doc: Document, view: View) {
  const shown = useRef<SuggestionContext | undefined>(undefined);
  const inserted = useRef(new Map<string, Inserted>());
  const [rationale, setRationale] = useState<PendingRationale | undefined>(undefined);
  const [recorded, setRecorded] = useState<SaveState>({ status: 'idle' });

  useEffect(() => {
    if (view.state === 'ready' && view.suggestion.candidates.length > 0) shown.current = contextOf(view.ticket, view.suggestion);
  }, [view]);

  const onSend = useCallback(
    async (sentText: string) => {
      const read = adapter.readTicket(doc);
      const ticketId = read.status === 'ok' ? read.ticket.ticketId : undefined;
      const context = shown.current;
      // Only a send on the ticket whose suggestions were on screen says anything about them.
      if (!context || context.ticketId !== ticketId) return;
      const used = inserted.current.get(ticketId);
      inserted.current.delete(ticketId);
      const { outcome, similarity } = adoptionOutcome(used?.candidate.text, sentText);
      const adopted = used?.context ?? context;
      const draft = makeDraft(adopted, {
        kind: 'adoption',
        outcome,
        ...(used ? { candidateId: used.candidate.candidateId, variantId: used.candidate.variantId } : {}),
        sentText: redactPii(sentText).slice(0, LIMITS.annotationBytes / 2),
        ...(similarity === undefined ? {} : { similarity }),
      });
      setRecorded({ status: 'saving' });
      const reply = await saveAnnotation(draft);
      setRecorded(reply.ok ? { status: 'saved', id: reply.id } : { status: 'error', message: reply.message });
      if (reply.ok && (outcome === 'edited' || outcome === 'rejected')) {
        setRationale({ context: adopted, adoptionId: draft.id, outcome, candidateId: used?.candidate.candidateId, variantId: used?.candidate.variantId });
      }
    },
    [adapter, doc],
  );

  useEffect(() => {
    const controller = new AbortController();
    adapter.watchSends(doc, controller.signal, (text) => void onSend(text));
    return () => controller.abort();
  }, [adapter, doc, onSend]);

  const recordInsert = useCallback((context: SuggestionContext, candidate: Candidate) => {
    inserted.current.set(context.ticketId, { context, candidate });
  }, []);

  return { recordInsert, rationale, clearRationale: () => setRationale(undefined), recorded };
}
