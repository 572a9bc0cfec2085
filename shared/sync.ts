/** POST /v1/annotations:batch — the outbox sends a batch; the server says, per id, what it did. */
import { z } from 'zod';
import { Annotation } from './annotations.ts';
import { LIMITS } from './limits.ts';

export const SyncBatch = z.object({
  annotations: z.array(Annotation).min(1).max(LIMITS.batchSize),
});
export type SyncBatch = z.infer<typeof SyncBatch>;

export const SyncResult = z.object({
  /** Stored by this request, after commit. */
  accepted: z.array(z.string()),
  /** Already stored earlier (same id): safe for the client to drop. */
  duplicates: z.array(z.string()),
  /** Refused for good, with the reason; retrying will not help. */
  rejected: z.array(z.object({ id: z.string(), code: z.string(), message: z.string() })),
});
export type SyncResult = z.infer<typeof SyncResult>;
