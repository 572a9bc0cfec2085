/**
 * The typed protocol between the content script (sidebar) and the background service worker, which makes every
 * backend call and owns the outbox. Both ends parse with these schemas: a message from a stale or foreign script
 * is refused.
 */
import { z } from 'zod';
import {
  AdoptionAnnotation,
  MissingKnowledgeAnnotation,
  PreferenceAnnotation,
  RationaleAnnotation,
  RelevanceAnnotation,
} from './annotations.ts';
import { HostConfig, PageReport } from './host-config.ts';
import { Failure } from './replies.ts';
import { TicketContext } from './ticket.ts';

/** An annotation as the sidebar makes it (id and client time included); the worker adds tenant and agent. */
const unstamped = { tenant: true, agent: true } as const;
export const AnnotationDraft = z.discriminatedUnion('kind', [
  PreferenceAnnotation.omit(unstamped),
  AdoptionAnnotation.omit(unstamped),
  RationaleAnnotation.omit(unstamped),
  RelevanceAnnotation.omit(unstamped),
  MissingKnowledgeAnnotation.omit(unstamped),
]);
export type AnnotationDraft = z.infer<typeof AnnotationDraft>;

export const SuggestMessage = z.object({ type: z.literal('suggest'), ticket: TicketContext });
export const AnnotateMessage = z.object({ type: z.literal('annotate'), annotation: AnnotationDraft });
/** The selector overrides for the content script's host adapter (fresh from the backend, else the last copy). */
export const HostConfigMessage = z.object({ type: z.literal('hostConfig') });
export const ReportPageMessage = z.object({ type: z.literal('reportPage'), report: PageReport });
/** Opens the extension's options page: content scripts cannot call `runtime.openOptionsPage` themselves. */
export const OpenOptionsMessage = z.object({ type: z.literal('openOptions') });
export const RuntimeMessage = z.discriminatedUnion('type', [SuggestMessage, AnnotateMessage, HostConfigMessage, ReportPageMessage, OpenOptionsMessage]);
export type RuntimeMessage = z.infer<typeof RuntimeMessage>;

export const HostConfigReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), config: HostConfig }), Failure]);
export type HostConfigReply = z.infer<typeof HostConfigReply>;
