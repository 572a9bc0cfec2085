/** What the sidebar needs from a help desk, whatever the help desk: one adapter per host implements it. */
import type { HostName, PageAgent, TicketContext } from '../../shared/index.ts';

export type TicketRead =
  /** The active ticket, read confidently. */
  | { status: 'ok'; ticket: TicketContext }
  /** The page is still rendering (or between tickets): try again on the next change. */
  | { status: 'waiting' }
  /** The page is not a ticket (a dashboard, a list view): nothing to suggest, nothing wrong. */
  | { status: 'elsewhere' }
  /**
   * The adapter cannot tell which ticket is active (a selector missed, or two tickets claim to be active); it
   * never guesses. `selectorKey` names the table entry that failed, `selectors` the alternatives tried.
   */
  | { status: 'unreadable'; reason: string; selectorKey?: string; selectors?: readonly string[] };

export type InsertResult = 'inserted' | 'draft_exists' | 'no_composer';

export interface HostAdapter {
  /** Recorded on tickets and annotations. */
  readonly host: HostName;
  /** Whether this adapter serves the page at `url` (pure; tested with URL lists). */
  matches(url: URL): boolean;
  readTicket(doc: Document): TicketRead;
  /**
   * Calls `onChange` when the ticket may have changed: soft navigation, switching tabs, re-render, new messages.
   * Stops when `signal` aborts.
   */
  watch(doc: Document, signal: AbortSignal, onChange: () => void): void;
  /** Puts a reply into the active ticket's composer; never overwrites a draft unless `replaceDraft` is set. */
  insertReply(doc: Document, text: string, options: { replaceDraft: boolean }): Promise<InsertResult>;
  /**
   * Calls `onSend` once per reply the agent sends on the active ticket, with the text sent and the ticket it was
   * sent on — which may no longer be the one shown (the help desk closed its tab on submit). Stops when `signal`
   * aborts.
   */
  watchSends(doc: Document, signal: AbortSignal, onSend: (sentText: string, ticketId?: string) => void): void;
  /**
   * The agent the help desk shows as signed in (name and/or email), recorded with annotations when the tenant shares
   * one key from policy; undefined when the page does not say.
   */
  readAgent(doc: Document): Promise<PageAgent | undefined>;
}
