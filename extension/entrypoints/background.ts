/**
 * The service worker: the only place that talks to the backend, and the owner of the annotation outbox. Answers
 * the sidebar's and popup's typed messages.
 */
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import { type AnnotateReply, type AnnotationDraft, type Failure, type HostConfigReply, RuntimeMessage } from '../../shared/index.ts';
import { fetchHostConfig, requestSuggestion, sendPageReport } from '../lib/backend-client.ts';
import { agentId, apiKey, backendUrl, hostConfigCache, tenant } from '../lib/settings.ts';
import { createOutboxService, type OutboxService } from '../outbox/index.ts';

export default defineBackground(() => {
  // Created synchronously at worker start so the outbox's alarm and `online` listeners are registered in time.
  const outbox = createOutboxService();
  browser.runtime.onMessage.addListener((raw, sender, sendResponse) => {
    // Only our own content scripts and pages may ask.
    if (sender.id !== browser.runtime.id) return false;
    const reply = outbox.handleMessage(raw) ?? handle(raw, outbox);
    reply.then(sendResponse, (error: unknown) => sendResponse({ ok: false, kind: 'refused', message: String(error) } satisfies Failure));
    return true;
  });
});

async function handle(raw: unknown, outbox: OutboxService) {
  const parsed = RuntimeMessage.safeParse(raw);
  if (!parsed.success) return { ok: false, kind: 'invalid_response', message: 'Unknown message' } satisfies Failure;
  const message = parsed.data;
  switch (message.type) {
    case 'suggest':
      return requestSuggestion(await backendUrl.getValue(), message.ticket, await apiKey.getValue());
    case 'annotate':
      return annotate(message.annotation, outbox);
    case 'hostConfig':
      return hostConfig();
    case 'reportPage': {
      const sent = await sendPageReport(await backendUrl.getValue(), await apiKey.getValue(), message.report);
      return sent.ok ? { ok: true as const } : sent;
    }
  }
}

/** Fresh overrides from the backend when it answers, else the last ones it gave. */
async function hostConfig(): Promise<HostConfigReply> {
  const fresh = await fetchHostConfig(await backendUrl.getValue(), await apiKey.getValue());
  if (fresh.ok) {
    await hostConfigCache.setValue(fresh.value);
    return { ok: true, config: fresh.value };
  }
  return { ok: true, config: await hostConfigCache.getValue() };
}

/** Stamps who gave the signal, then queues it durably; the reply says "saved" only after the commit. */
async function annotate(draft: AnnotationDraft, outbox: OutboxService): Promise<AnnotateReply> {
  const [tenantId, agent] = await Promise.all([tenant.getValue(), agentId.getValue()]);
  const result = await outbox.add({ ...draft, tenant: tenantId, agent });
  return result.ok ? { ok: true, id: result.id } : { ok: false, kind: 'refused', message: result.message };
}
