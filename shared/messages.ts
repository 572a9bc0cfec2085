/**
 * The typed protocol between the content script (sidebar) and the background service worker, which makes every
 * backend call. Both ends parse with these schemas: a message from a stale or foreign script is refused.
 */
import { z } from 'zod';
import { SuggestionResponse } from './suggestion.ts';
import { TicketContext } from './ticket.ts';

export const SuggestMessage = z.object({ type: z.literal('suggest'), ticket: TicketContext });
export const RuntimeMessage = z.discriminatedUnion('type', [SuggestMessage]);
export type RuntimeMessage = z.infer<typeof RuntimeMessage>;

/** Why a backend call failed, in terms the sidebar can explain to the agent. */
export const FailureKind = z.enum([
  /** No answer: backend down, wrong URL, offline. Retrying later may help. */
  'unreachable',
  /** The backend answered with an error envelope. */
  'rejected',
  /** The backend answered something that is not our contract (wrong server or version). */
  'invalid_response',
]);
export type FailureKind = z.infer<typeof FailureKind>;

export const Failure = z.object({ ok: z.literal(false), kind: FailureKind, message: z.string() });
export type Failure = z.infer<typeof Failure>;

export const SuggestReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), suggestion: SuggestionResponse }),
  Failure,
]);
export type SuggestReply = z.infer<typeof SuggestReply>;
