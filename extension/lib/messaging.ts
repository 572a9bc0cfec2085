/** Sends typed messages to the background worker and checks its replies with the shared schemas. */
import type { z } from 'zod';
import { browser } from 'wxt/browser';
import {
  type AnnotateReply,
  AnnotateReply as AnnotateReplySchema,
  type AnnotationDraft,
  type Failure,
  type HostConfigReply,
  HostConfigReply as HostConfigReplySchema,
  type PageReport,
  type ReportPageReply,
  ReportPageReply as ReportPageReplySchema,
  type RuntimeMessage,
  type SuggestReply,
  SuggestReply as SuggestReplySchema,
  type TicketContext,
} from '../../shared/index.ts';

export function askForSuggestion(ticket: TicketContext): Promise<SuggestReply> {
  return send({ type: 'suggest', ticket }, SuggestReplySchema);
}

/** Resolves once the worker has durably queued the annotation (or refused it, with the reason). */
export function saveAnnotation(annotation: AnnotationDraft): Promise<AnnotateReply> {
  return send({ type: 'annotate', annotation }, AnnotateReplySchema);
}

export function askForHostConfig(): Promise<HostConfigReply> {
  return send({ type: 'hostConfig' }, HostConfigReplySchema);
}

export function reportPage(report: PageReport): Promise<ReportPageReply> {
  return send({ type: 'reportPage', report }, ReportPageReplySchema);
}

async function send<T>(message: RuntimeMessage, schema: z.ZodType<T>): Promise<T | Failure> {
  try {
    const raw: unknown = await browser.runtime.sendMessage(message);
    // A worker stopped mid-message answers nothing: not confirmed, and safe to try again.
    if (raw === undefined) return { ok: false, kind: 'unreachable', message: 'The extension did not confirm this; please try again.' };
    const reply = schema.safeParse(raw);
    if (reply.success) return reply.data;
    return { ok: false, kind: 'invalid_response', message: 'The extension answered in an unexpected shape; reload the page.' };
  } catch {
    // The worker is gone, e.g. the extension was updated or reloaded under this page.
    return { ok: false, kind: 'unreachable', message: 'The extension was reloaded; reload this page to reconnect.' };
  }
}
