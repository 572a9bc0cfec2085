/**
 * The annotation outbox's shapes: its stats, flush reports and dead letters, and the worker's answers to the popup's
 * `outbox.*` messages (the messages themselves are members of the one protocol, messages.ts). Every answer is
 * `{ ok: true, … }` or the protocol's one Failure shape (replies.ts). Times are Unix milliseconds.
 */
import { z } from 'zod';
import { Failure } from './replies.ts';

export const OutboxError = z.object({ at: z.number(), message: z.string() });
export type OutboxError = z.infer<typeof OutboxError>;

export const OutboxStats = z.object({
  /** Waiting to be sent. */
  pending: z.number().int().nonnegative(),
  /** Sent (or being sent) and not yet confirmed by the server. */
  inflight: z.number().int().nonnegative(),
  /** When the oldest unconfirmed annotation was queued; null when the queue is empty. */
  oldestPendingAt: z.number().nullable(),
  deadLetters: z.number().int().nonnegative(),
  lastSyncAt: z.number().nullable(),
  lastError: OutboxError.nullable(),
  /** No automatic sync before this time (backoff); null when none is scheduled. */
  nextAttemptAt: z.number().nullable(),
});
export type OutboxStats = z.infer<typeof OutboxStats>;

export const FlushStatus = z.enum([
  /** Everything queued was answered by the server. */
  'drained',
  /** Another flush (in this or another extension context) holds the lock. */
  'busy',
  /** A transient failure: the batch went back to the queue; retried after nextAttemptAt. */
  'backoff',
  /** 401/403: the API key is missing or not allowed; retried after a long backoff. */
  'auth',
]);
export type FlushStatus = z.infer<typeof FlushStatus>;

export const FlushReport = z.object({
  status: FlushStatus,
  batches: z.number().int().nonnegative(),
  requests: z.number().int().nonnegative(),
  accepted: z.number().int().nonnegative(),
  duplicate: z.number().int().nonnegative(),
  /** Moved to the dead letters by a server verdict (rejected, or a lone item refused with 400/413). */
  rejected: z.number().int().nonnegative(),
  nextAttemptAt: z.number().optional(),
  error: z.string().optional(),
});
export type FlushReport = z.infer<typeof FlushReport>;

export const DeadLetterSummary = z.object({
  id: z.string(),
  kind: z.string(),
  code: z.string(),
  message: z.string(),
  /** When it was dead-lettered. */
  at: z.number(),
  /** When the agent acted (the annotation's clientTime). */
  clientTime: z.string(),
});
export type DeadLetterSummary = z.infer<typeof DeadLetterSummary>;

export const AddRefusal = z.enum(['invalid', 'too_large', 'storage_full', 'storage_error']);
export type AddRefusal = z.infer<typeof AddRefusal>;

export const AddResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), id: z.string(), duplicate: z.boolean() }),
  z.object({ ok: z.literal(false), code: AddRefusal, message: z.string() }),
]);
export type AddResult = z.infer<typeof AddResult>;

export const OutboxStatsReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), stats: OutboxStats }), Failure]);
export type OutboxStatsReply = z.infer<typeof OutboxStatsReply>;
export const OutboxFlushReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), report: FlushReport }), Failure]);
export type OutboxFlushReply = z.infer<typeof OutboxFlushReply>;
export const OutboxDeadLettersReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), items: z.array(DeadLetterSummary) }), Failure]);
export type OutboxDeadLettersReply = z.infer<typeof OutboxDeadLettersReply>;
export const OutboxExportReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), json: z.string(), count: z.number().int() }), Failure]);
export type OutboxExportReply = z.infer<typeof OutboxExportReply>;
export const OutboxHealthReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), reachable: z.boolean(), baseUrl: z.string(), message: z.string() }),
  Failure,
]);
export type OutboxHealthReply = z.infer<typeof OutboxHealthReply>;

/** The dead-letter export file (what "Export dead letters (JSON)" downloads). */
export const DeadLetterExport = z.object({
  exportedAt: z.string(),
  count: z.number().int().nonnegative(),
  items: z.array(z.object({ id: z.string(), code: z.string(), message: z.string(), at: z.string(), annotation: z.record(z.string(), z.unknown()) })),
});
export type DeadLetterExport = z.infer<typeof DeadLetterExport>;
