/**
 * Send detection by what happened, shared by the host adapters. An agent sends a reply in many ways — the submit
 * button, its "Submit as …" menu, a keyboard shortcut, Enter in a chat composer, a macro — and the one thing every
 * way shares is a new reply of the agent appearing in the ticket's conversation. That is the send, with the text as
 * the help desk shows it. Button and keyboard evidence only corroborate it, and stand in for it when the
 * conversation cannot show it: the help desk closed the ticket's tab on "Submit as Solved", or never rendered the
 * new message. A send is counted once, whichever pieces of evidence arrive and in whichever order.
 */

/**
 * A public reply of an agent as the conversation shows it; `key` stays the same across re-renders. An internal
 * note the agent added is passed too, as `note`: it is no send, and it settles the evidence its submit left.
 */
export interface ShownReply {
  key: string;
  text: string;
  note?: boolean;
}

export interface SendTracker {
  /**
   * The agent replies ticket `ticketId` shows now, oldest first. The first reading of a ticket is its baseline:
   * what was there before is not a send. Later, a reply with a new key after the last one known is.
   */
  observe(ticketId: string, replies: readonly ShownReply[]): void;
  /**
   * Button or keyboard evidence that the agent sent `text` from ticket `ticketId`'s composer. Unless a new reply
   * confirms it first, it counts after `confirmMs` — but only if `stillDrafted()` says the composer no longer holds
   * the text (a refused send leaves it there).
   */
  evidence(ticketId: string, text: string, stillDrafted: () => boolean): void;
}

export interface SendTrackerOptions {
  now?: () => number;
  /** How long button evidence waits for the conversation to show the reply. */
  confirmMs?: number;
  setTimeout?: (callback: () => void, ms: number) => unknown;
  clearTimeout?: (timer: unknown) => void;
}

/** Zendesk renders a submitted comment within a second or two; a slow network may take longer. */
const CONFIRM_MS = 8000;
/** Tickets whose replies are remembered (an agent's open tabs); the oldest is forgotten first. */
const MAX_TICKETS = 50;
/** A reply shown this long after evidence already counted its send is that send, rendered late. */
const LATE_MS = 60_000;

interface Pending {
  text: string;
  at: number;
  stillDrafted: () => boolean;
  timer: unknown;
}

export function createSendTracker(
  onSend: (text: string, ticketId: string) => void,
  signal: AbortSignal,
  options: SendTrackerOptions = {},
): SendTracker {
  const now = options.now ?? Date.now;
  const confirmMs = options.confirmMs ?? CONFIRM_MS;
  const schedule = options.setTimeout ?? ((callback, ms) => globalThis.setTimeout(callback, ms));
  const cancel = options.clearTimeout ?? ((timer) => globalThis.clearTimeout(timer as ReturnType<typeof setTimeout>));
  const known = new Map<string, Set<string>>();
  /** Evidence waiting for its reply, oldest first, per ticket: two quick sends are two. */
  const pending = new Map<string, Pending[]>();
  /** When evidence alone counted a send whose reply may still render, per ticket, oldest first. */
  const countedEarly = new Map<string, number[]>();

  const emit = (text: string, ticketId: string) => {
    if (!signal.aborted && text.trim()) onSend(text, ticketId);
  };
  const queue = <T>(map: Map<string, T[]>, ticketId: string) => {
    let list = map.get(ticketId);
    if (!list) map.set(ticketId, (list = []));
    return list;
  };
  signal.addEventListener('abort', () => [...pending.values()].flat().forEach((p) => cancel(p.timer)), { once: true });

  return {
    observe(ticketId, replies) {
      const seen = known.get(ticketId);
      if (!seen) {
        if (known.size >= MAX_TICKETS) known.delete(known.keys().next().value!);
        known.set(ticketId, new Set(replies.map((r) => r.key)));
        return;
      }
      // Only replies after the newest one known: older ones appear when the agent loads earlier messages.
      let last = -1;
      replies.forEach((r, i) => seen.has(r.key) && (last = i));
      const added = replies.slice(last + 1).filter((r) => !seen.has(r.key));
      for (const r of replies) seen.add(r.key);
      for (const reply of added) {
        const early = queue(countedEarly, ticketId);
        while (early.length > 0 && now() - early[0]! >= LATE_MS) early.shift();
        if (early.shift() !== undefined) continue;
        // The reply the oldest evidence announced, or one sent another way (a macro, a chat composer): one send each.
        const waiting = queue(pending, ticketId).shift();
        if (waiting) cancel(waiting.timer);
        if (!reply.note) emit(reply.text || waiting?.text || '', ticketId);
      }
    },

    evidence(ticketId, text, stillDrafted) {
      if (signal.aborted || !text.trim()) return;
      const waiting = queue(pending, ticketId);
      // A shortcut that also clicks the button, or a double click: the same text twice is one send.
      if (waiting.some((p) => p.text === text && now() - p.at < confirmMs)) return;
      const entry: Pending = { text, at: now(), stillDrafted, timer: undefined };
      entry.timer = schedule(() => {
        const at = waiting.indexOf(entry);
        if (at < 0) return;
        waiting.splice(at, 1);
        if (entry.stillDrafted()) return;
        queue(countedEarly, ticketId).push(now());
        emit(entry.text, ticketId);
      }, confirmMs);
      waiting.push(entry);
    },
  };
}
