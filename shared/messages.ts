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
import { SuggestionResponse } from './suggestion.ts';
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

/** Why a call failed, in terms the sidebar can explain to the agent. */
export const FailureKind = z.enum([
  /** No answer: backend down, wrong URL, offline. Retrying later may help. */
  'unreachable',
  /** The backend answered with an error envelope. */
  'rejected',
  /** The backend refused the API key (unknown, revoked or missing): only an admin can fix it. */
  'unauthorized',
  /** The key is valid but its role may not do this (e.g. an analyst key where the sidebar needs an agent key). */
  'forbidden',
  /** The backend answered something that is not our contract (wrong server or version). */
  'invalid_response',
  /** The extension refused to keep an annotation (too large, storage full, invalid). */
  'refused',
]);
export type FailureKind = z.infer<typeof FailureKind>;

export const Failure = z.object({ ok: z.literal(false), kind: FailureKind, message: z.string() });
export type Failure = z.infer<typeof Failure>;

export const SuggestReply = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), suggestion: SuggestionResponse }),
  Failure,
]);
export type SuggestReply = z.infer<typeof SuggestReply>;

/** The annotation is committed to the outbox (durably) — only now may the sidebar say "saved". */
export const AnnotateReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), id: z.string() }), Failure]);
export type AnnotateReply = z.infer<typeof AnnotateReply>;

export const HostConfigReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), config: HostConfig }), Failure]);
export type HostConfigReply = z.infer<typeof HostConfigReply>;

export const ReportPageReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true) }), Failure]);
export type ReportPageReply = z.infer<typeof ReportPageReply>;

export const OpenOptionsReply = ReportPageReply;
export type OpenOptionsReply = ReportPageReply;
