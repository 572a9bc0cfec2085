/**
 * Follows the active ticket and keeps one suggestion request per ticket state in flight. A reply that arrives
 * after the agent moved on is dropped, so the sidebar never shows suggestions for the wrong ticket. Every state it
 * waits in is bounded: a page that never finishes showing the ticket, or a worker that never answers, ends in a
 * state with Retry.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Failure, SuggestionResponse, TicketContext } from '../../shared/index.ts';
import type { HostAdapter } from '../hosts/types.ts';
import { askForSuggestion } from '../background/messaging.ts';

export type View =
  | { state: 'reading' }
  | { state: 'elsewhere' }
  | { state: 'unreadable'; reason: string; selectorKey?: string | undefined; selectors?: readonly string[] | undefined }
  | { state: 'loading'; ticket: TicketContext }
  | { state: 'ready'; ticket: TicketContext; suggestion: SuggestionResponse }
  | { state: 'failed'; ticket: TicketContext; failure: Failure };

/**
 * How long the adapter may keep answering "waiting" before the sidebar says it cannot read the ticket. Help desks
 * swap tickets in well under a few seconds (the demo desk in 120 ms); ten seconds of "still rendering" means the
 * page is stuck — the demo desk, for one, never finishes showing a ticket whose fetch failed in a backend outage —
 * and the agent is better served by a Retry than by "Reading the ticket…" for ever.
 */
export const TICKET_WAIT_MS = 10_000;

/**
 * How long the sidebar waits for the worker's answer to a suggestion request. Longer than the worker's own bound
 * (two 15 s attempts in backend-client.ts), so a live worker always answers first with its more specific failure;
 * only a worker that stopped mid-message without closing the channel reaches this.
 */
export const SUGGESTION_WAIT_MS = 40_000;

export const STUCK_REASON = `The page did not finish showing the ticket within ${TICKET_WAIT_MS / 1000} seconds.`;
const NO_ANSWER: Failure = {
  ok: false,
  kind: 'unreachable',
  message: `The extension did not answer within ${SUGGESTION_WAIT_MS / 1000} seconds; try again, or reload the page.`,
};

/**
 * Identifies what was asked about: the ticket and its conversation up to and including the newest customer
 * message. The agent's own reply or an internal note added after it does not ask again; a new customer message does.
 */
export function ticketKey(ticket: TicketContext): string {
  const newestCustomer = ticket.messages.findLastIndex((m) => m.role === 'customer');
  const asked = ticket.messages.slice(0, newestCustomer + 1).map((m) => [m.role, m.text]);
  return JSON.stringify([ticket.host, ticket.ticketId, asked]);
}

/** Resolves with `promise`'s value, or with `fallback` once `ms` have passed without one. */
function withDeadline<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

export function useSuggestions(adapter: HostAdapter, doc: Document) {
  const [view, setView] = useState<View>({ state: 'reading' });
  const lastKey = useRef<string | undefined>(undefined);
  const sequence = useRef(0);
  /** When the adapter first answered "waiting" in the current run of such answers. */
  const waitingSince = useRef<number | undefined>(undefined);
  const waitTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  /** The newest `refresh`, for the wait timer: the adapter may have been replaced (Retry reloads it) meanwhile. */
  const latest = useRef<() => Promise<void>>(async () => undefined);

  const stopWaiting = useCallback(() => {
    waitingSince.current = undefined;
    clearTimeout(waitTimer.current);
    waitTimer.current = undefined;
  }, []);

  const refresh = useCallback(async () => {
    const read = adapter.readTicket(doc);
    if (read.status === 'waiting') {
      lastKey.current = undefined;
      sequence.current++;
      const now = Date.now();
      const since = (waitingSince.current ??= now);
      if (now - since >= TICKET_WAIT_MS) return setView({ state: 'unreadable', reason: STUCK_REASON });
      setView({ state: 'reading' });
      // The page may fall silent while stuck: read again when the wait is up, whether or not it changes.
      waitTimer.current ??= setTimeout(
        () => {
          waitTimer.current = undefined;
          void latest.current();
        },
        TICKET_WAIT_MS - (now - since),
      );
      return;
    }
    stopWaiting();
    if (read.status !== 'ok') {
      lastKey.current = undefined;
      sequence.current++;
      setView(
        read.status === 'elsewhere'
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
    const reply = await withDeadline(askForSuggestion(read.ticket), SUGGESTION_WAIT_MS, NO_ANSWER);
    if (mine !== sequence.current) return;
    setView(
      reply.ok ? { state: 'ready', ticket: read.ticket, suggestion: reply.suggestion } : { state: 'failed', ticket: read.ticket, failure: reply },
    );
  }, [adapter, doc, stopWaiting]);
  latest.current = refresh;

  useEffect(() => {
    const controller = new AbortController();
    stopWaiting();
    adapter.watch(doc, controller.signal, () => void refresh());
    void refresh();
    return () => {
      controller.abort();
      stopWaiting();
    };
  }, [adapter, doc, refresh, stopWaiting]);

  const retry = useCallback(() => {
    lastKey.current = undefined;
    // A retry waits the full bound again for a page that was stuck.
    stopWaiting();
    void refresh();
  }, [refresh, stopWaiting]);

  return { view, retry };
}
