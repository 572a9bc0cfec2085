/** The one error shape every backend answer uses: `{"error": {"code", "message", "issues"?}}`. */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'bad_request',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'gone',
  'payload_too_large',
  'conflict',
  'busy',
  'unsupported_media_type',
  'rate_limited',
  /** The store has no room left (disk full or a size limit): nothing was stored; retry once space is freed. */
  'storage_full',
  /** The store failed and rolled back (I/O error, lost connection): nothing was stored; retry later. */
  'storage_unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorIssue = z.object({
  /** Dotted path of the offending field, e.g. `ticket.messages.0.role`. */
  path: z.string(),
  message: z.string(),
});
export type ErrorIssue = z.infer<typeof ErrorIssue>;

export const ErrorEnvelope = z.object({
  error: z.object({ code: ErrorCode, message: z.string(), issues: z.array(ErrorIssue).optional() }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

/** Turns zod issues into envelope issues whose path names the field. */
export function toIssues(error: z.ZodError): ErrorIssue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message }));
}
