/**
 * The one protocol between the extension's parts: what the content scripts (sidebar) and the popup ask the
 * background service worker, which makes every backend call and owns the outbox, and what it answers. Every message
 * is one member of `Message`, discriminated on `type`; `Replies` names the answer's schema for each type.
 *
 * Both ends parse: the worker parses what arrives with `Message` (a message from a stale or foreign script gets a
 * Failure, never a throw); the sender parses the answer with `Replies[type]` (extension/background/messaging.ts `send`).
 * Every answer is `{ ok: true, … }` or the one Failure shape (replies.ts).
 *
 * The answers' schemas live beside their payloads (replies.ts for the sidebar's, outbox-messages.ts for the popup's),
 * not here: a content script builds every schema of every module it loads, on the help desk's page, and needs only
 * its own answers — never the requests below, which carry whole annotations. So a content script imports this module
 * for its types only, and passes `send` the one answer schema it needs.
 */
import { z } from 'zod';
import { AdoptionAnnotation, MissingKnowledgeAnnotation, PreferenceAnnotation, RationaleAnnotation, RelevanceAnnotation } from './annotations.ts';
import { HostName, PageReport } from './host-config.ts';
import { OutboxDeadLettersReply, OutboxExportReply, OutboxFlushReply, OutboxHealthReply, OutboxStatsReply } from './outbox-messages.ts';
import { AnnotateReply, OpenOptionsReply, PageSettingsReply, ReportPageReply, SuggestReply } from './replies.ts';
import { PageAgent, TicketContext } from './ticket.ts';

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

// From the sidebar (content scripts).

/** A suggested reply for the ticket on the page. */
export const SuggestMessage = z.object({ type: z.literal('suggest'), ticket: TicketContext });
/** Queue an annotation durably; the worker stamps tenant and agent (the browser's agent id). */
export const AnnotateMessage = z.object({ type: z.literal('annotate'), annotation: AnnotationDraft });
/** Like `annotate`, with the page's signed-in agent, recorded instead of the browser's id when the key is tenant-wide. */
export const AnnotateAsMessage = z.object({ type: z.literal('annotateAs'), annotation: AnnotationDraft, pageAgent: PageAgent.nullable() });
/** What the sidebar on `host` should do, resolved from policy, tenant config, options and defaults. */
export const PageSettingsMessage = z.object({ type: z.literal('pageSettings'), host: HostName });
/** A page the host adapter could not read, reported to the backend. */
export const ReportPageMessage = z.object({ type: z.literal('reportPage'), report: PageReport });
/** Opens the extension's options page: content scripts cannot call `runtime.openOptionsPage` themselves. */
export const OpenOptionsMessage = z.object({ type: z.literal('openOptions') });

// From the popup: the annotation outbox (extension/outbox).

/** The queue's counts and times. */
export const OutboxStatsMessage = z.object({ type: z.literal('outbox.stats') });
/** Flush now, even during a backoff ("Sync now"). */
export const OutboxFlushMessage = z.object({ type: z.literal('outbox.flush') });
export const OutboxDeadLettersMessage = z.object({ type: z.literal('outbox.deadLetters') });
export const OutboxExportMessage = z.object({ type: z.literal('outbox.exportDeadLetters') });
/** Whether the backend in force answers GET /v1/health. */
export const OutboxHealthMessage = z.object({ type: z.literal('outbox.health') });

export const Message = z.discriminatedUnion('type', [
  SuggestMessage,
  AnnotateMessage,
  AnnotateAsMessage,
  PageSettingsMessage,
  ReportPageMessage,
  OpenOptionsMessage,
  OutboxStatsMessage,
  OutboxFlushMessage,
  OutboxDeadLettersMessage,
  OutboxExportMessage,
  OutboxHealthMessage,
]);
export type Message = z.infer<typeof Message>;
export type MessageType = Message['type'];
export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** The schema of the worker's answer to each message type: success, or the one Failure shape. */
export const Replies = {
  suggest: SuggestReply,
  annotate: AnnotateReply,
  annotateAs: AnnotateReply,
  pageSettings: PageSettingsReply,
  reportPage: ReportPageReply,
  openOptions: OpenOptionsReply,
  'outbox.stats': OutboxStatsReply,
  'outbox.flush': OutboxFlushReply,
  'outbox.deadLetters': OutboxDeadLettersReply,
  'outbox.exportDeadLetters': OutboxExportReply,
  'outbox.health': OutboxHealthReply,
} as const satisfies { [T in MessageType]: z.ZodType };
export type ReplyOf<T extends MessageType> = z.infer<(typeof Replies)[T]>;

/**
 * How the worker answers: one handler per message type (the table in extension/entrypoints/background.ts). A
 * handler may throw; the worker's dispatch turns that into a Failure.
 */
export type MessageHandlers<Sender = unknown> = { [T in MessageType]: (message: MessageOf<T>, sender: Sender) => Promise<ReplyOf<T>> };
