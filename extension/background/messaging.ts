/**
 * Sends the protocol's messages (shared/messages.ts) to the background worker and parses its answers: `send` for the
 * content scripts (through the helpers below) and the popup alike.
 */
import type { z } from 'zod';
import { browser } from 'wxt/browser';
import type { MessageOf, MessageType, ReplyOf } from '../../shared/messages.ts';
import {
  type AnnotateReply,
  AnnotateReply as AnnotateReplySchema,
  type AnnotationDraft,
  type Failure,
  type HostName,
  type OpenOptionsReply,
  OpenOptionsReply as OpenOptionsReplySchema,
  type PageAgent,
  type PageReport,
  type PageSettingsReply,
  PageSettingsReply as PageSettingsReplySchema,
  type ReportPageReply,
  ReportPageReply as ReportPageReplySchema,
  type SuggestReply,
  SuggestReply as SuggestReplySchema,
  type TicketContext,
} from '../../shared/index.ts';

export function askForSuggestion(ticket: TicketContext): Promise<SuggestReply> {
  return send({ type: 'suggest', ticket }, SuggestReplySchema);
}

/** How long a save waits for the help desk to say who is signed in before going without. */
const AGENT_READ_MS = 2_000;
let agentReader: (() => Promise<PageAgent | undefined>) | undefined;

/**
 * Set by the sidebar when the key is tenant-wide: each annotation then carries the agent the help desk shows as
 * signed in. `undefined` stops it.
 */
export function setAgentReader(reader: (() => Promise<PageAgent | undefined>) | undefined): void {
  agentReader = reader;
}

/** Resolves once the worker has durably queued the annotation (or refused it, with the reason). */
export async function saveAnnotation(annotation: AnnotationDraft): Promise<AnnotateReply> {
  if (!agentReader) return send({ type: 'annotate', annotation }, AnnotateReplySchema);
  const timeout = new Promise<undefined>((resolve) => setTimeout(resolve, AGENT_READ_MS));
  const pageAgent = (await Promise.race([agentReader().catch(() => undefined), timeout])) ?? null;
  return send({ type: 'annotateAs', annotation, pageAgent }, AnnotateReplySchema);
}

/** What the sidebar on `host` should do (on or off, selectors, prompts), resolved by the worker. */
export function askForPageSettings(host: HostName): Promise<PageSettingsReply> {
  return send({ type: 'pageSettings', host }, PageSettingsReplySchema);
}

export function reportPage(report: PageReport): Promise<ReportPageReply> {
  return send({ type: 'reportPage', report }, ReportPageReplySchema);
}

/** Asks the worker to open the options page (where the backend URL and API key are set). */
export function openOptions(): Promise<OpenOptionsReply> {
  return send({ type: 'openOptions' }, OpenOptionsReplySchema);
}

/**
 * Sends one message to the worker and parses its answer with `reply`, the schema of that message type's answer
 * (shared/messages.ts `Replies[type]`; passed in, so a page loads only the answer schemas it uses). Never throws:
 * no answer, or an answer in another shape, is a Failure.
 *
 *   const reply = await send({ type: 'outbox.stats' }, OutboxStatsReply);
 *   if (reply.ok) show(reply.stats); else warn(reply.message);
 */
export async function send<T extends MessageType>(message: MessageOf<T> & { type: T }, reply: z.ZodType<ReplyOf<T>>): Promise<ReplyOf<T> | Failure> {
  try {
    const raw: unknown = await browser.runtime.sendMessage(message);
    // A worker stopped mid-message answers nothing: not confirmed, and safe to try again.
    if (raw === undefined) return { ok: false, kind: 'unreachable', message: 'The extension did not confirm this; please try again.' };
    const parsed = reply.safeParse(raw);
    if (parsed.success) return parsed.data;
    return { ok: false, kind: 'invalid_response', message: 'The extension answered in an unexpected shape; reload the page.' };
  } catch {
    // The worker is gone, e.g. the extension was updated or reloaded under this page.
    return { ok: false, kind: 'unreachable', message: 'The extension was reloaded; reload this page to reconnect.' };
  }
}
