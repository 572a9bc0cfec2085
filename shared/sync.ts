/**
 * POST /v1/annotations:batch — the outbox sends a batch; the server answers, per item and only after its commit,
 * what it did. Items are parsed one by one on the server, so one malformed item is rejected alone.
 */
import { z } from 'zod';
import { Annotation } from './annotations.ts';
import { LIMITS } from './limits.ts';

export const SyncBatch = z.object({
  items: z.array(z.unknown()).min(1).max(LIMITS.batchItems),
  /** When the client sent this batch (its clock); kept beside the creation and receive times. */
  sentAt: z.iso.datetime({ offset: true }).optional(),
});
export type SyncBatch = z.infer<typeof SyncBatch>;

/** What the client sends; the server reads it as SyncBatch and checks each item with Annotation. */
export interface SyncBatchOut {
  items: Annotation[];
  sentAt: string;
}

export const ItemStatus = z.enum([
  /** Stored by this request, committed. */
  'accepted',
  /** The same id with the same content was stored before: safe to drop. */
  'duplicate',
  /** Refused for good (invalid, conflicting id reuse, wrong tenant); retrying will not help. */
  'rejected',
]);
export type ItemStatus = z.infer<typeof ItemStatus>;

export const ItemResult = z.object({
  /** The item's id, or `#<index>` when the item had no usable id. */
  id: z.string(),
  status: ItemStatus,
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});
export type ItemResult = z.infer<typeof ItemResult>;

/** One result per item, in the order of the batch. */
export const SyncResponse = z.object({ results: z.array(ItemResult) });
export type SyncResponse = z.infer<typeof SyncResponse>;

/** GET /v1/annotations: stored annotations with the server's bookkeeping, oldest received first. */
export const StoredAnnotation = z.object({
  annotation: Annotation,
  receivedAt: z.iso.datetime(),
  sentAt: z.iso.datetime({ offset: true }).nullable(),
});
export type StoredAnnotation = z.infer<typeof StoredAnnotation>;

export const AnnotationPage = z.object({
  items: z.array(StoredAnnotation),
  /** Pass as `cursor` to get the next page; null at the end. */
  nextCursor: z.string().nullable(),
});
export type AnnotationPage = z.infer<typeof AnnotationPage>;
