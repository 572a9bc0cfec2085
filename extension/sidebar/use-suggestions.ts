/**
 * Follows the active ticket and keeps one suggestion request per ticket state in flight. A reply that arrives
 * after the agent moved on is dropped, so the sidebar never shows suggestions for the wrong ticket.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Failure, SuggestionResponse, TicketContext } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { askForSuggestion } from '../lib/messaging.ts';

export type View =
  | { state: 'reading' }
  | { state: 'elsewhere' }
  | { state: 'unreadable'; reason: string; selectorKey?: string | undefined; selectors?: readonly string[] | undefined }
  | { state: 'loading'; ticket: TicketContext }
  | { state: 'ready'; ticket: TicketContext; suggestion: SuggestionResponse }
  | { state: 'failed'; ticket: TicketContext; failure: Failure };

/** Identifies what was asked about: a new message on the same ticket asks again. */
export function ticketKey(ticket: TicketContext): string {
  const last = ticket.messages[ticket.messages.length - 1]!;
  return JSON.stringify([ticket.host, ticket.ticketId, ticket.messages.length, last.role, last.text]);
}

export function useSuggestions(adapter: HostAdapter, doc: Document) {
  const [view, setView] = useState<View>({ state: 'reading' });
  const lastKey = useRef<string | undefined>(undefined);
  const sequence = useRef(0);

  const refresh = useCallback(async () => {
    const read = adapter.readTicket(doc);
    if (read.status !== 'ok') {
      lastKey.current = undefined;
      sequence.current++;
      setView(
        read.status === 'waiting'
          ? { state: 'reading' }
          : read.status === 'elsewhere'
            ? { state: 'elsewhere' }
            : { state: 'unreadable', reason: read.reason, selectorKey: read.selectorKey, selectors: read.selectors },
      );
      return;
    }
    const key = ticketKey(read.ticket);
    if (key === lastKey.current) return;
    lastKey.current = key;
    const mine = ++sequence.current;
    setView({ state: 'loading', ticket: read.ticket });
    const reply = await askForSuggestion(read.ticket);
    if (mine !== sequence.current) return;
    setView(reply.ok ? { state: 'ready', ticket: read.ticket, suggestion: reply.suggestion } : { state: 'failed', ticket: read.ticket, failure: reply });
  }, [adapter, doc]);

  useEffect(() => {
    const controller = new AbortController();
    adapter.watch(doc, controller.signal, () => void refresh());
    void refresh();
    return () => controller.abort();
  }, [adapter, doc, refresh]);

  const retry = useCallback(() => {
    lastKey.current = undefined;
    void refresh();
  }, [refresh]);

  return { view, retry };
}
