/**
 * The service worker: the only place that talks to the backend, and the owner of the annotation outbox. Answers
 * the sidebar's and popup's messages (shared/messages.ts): `dispatch` parses what arrives and hands it to the one
 * handler table (`createHandlers`, one handler per message type, the outbox's rows included). Every request uses the
 * settings in force at that moment (policy, the tenant's config, the agent's options, defaults), so a policy update
 * applies without a reload. Unit-tested under WXT's fake browser: tests/unit/extension/background.test.ts.
 */
import { type Browser, browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import {
  type AnnotateReply,
  type AnnotationDraft,
  type Failure,
  type HostConfig,
  type HostName,
  Message,
  type MessageHandlers,
  type MessageOf,
  type MessageType,
  type PageAgent,
  type PageSettingsReply,
  redactTicket,
  type ReplyOf,
  ROLE_GRANTS,
  type TicketContext,
} from '../../shared/index.ts';
import { recordedAgent } from '../settings/agent-identity.ts';
import { fetchHostConfig, requestSuggestion, sendPageReport, whoAmI } from '../background/backend-client.ts';
import { currentSettings } from '../settings/current-settings.ts';
import { onManagedPolicyChange } from '../settings/managed.ts';
import { hostConfigCache, tenant } from '../settings/settings.ts';
import { createOutboxService, type OutboxService } from '../outbox/index.ts';

export default defineBackground(() => {
  startWorker();
});

export type MessageSender = Browser.runtime.MessageSender;
/** The worker's one handler table: for each message type, what answers it. */
export type WorkerHandlers = MessageHandlers<MessageSender>;

export interface Worker {
  outbox: OutboxService;
  handlers: WorkerHandlers;
}

/**
 * Everything the worker sets up, synchronously at start (so the event that woke it is delivered): the outbox with its
 * alarm and `online` listeners, and the message listener. Returns what it made, for tests.
 */
export function startWorker(): Worker {
  const outbox = createOutboxService();
  const handlers = createHandlers(outbox);
  browser.runtime.onMessage.addListener((raw, sender, sendResponse) => {
    // Only our own content scripts and pages may ask.
    if (sender.id !== browser.runtime.id) return false;
    void dispatch(handlers, raw, sender).then(sendResponse);
    return true;
  });
  // A tenant-wide key from policy without a tenant beside it: the key says which tenant it is.
  void learnTenantFromKey();
  onManagedPolicyChange(() => void learnTenantFromKey());
  return { outbox, handlers };
}

export function createHandlers(outbox: OutboxService): WorkerHandlers {
  return {
    suggest: ({ ticket }) => suggest(ticket),
    annotate: ({ annotation }) => annotate(annotation, null, outbox),
    annotateAs: ({ annotation, pageAgent }) => annotate(annotation, pageAgent, outbox),
    pageSettings: ({ host }) => pageSettings(host),
    reportPage: async ({ report }) => {
      const s = await currentSettings();
      const sent = await sendPageReport(s.backendUrl.value, s.apiKey.value, report);
      return sent.ok ? { ok: true } : sent;
    },
    openOptions: async () => {
      await browser.runtime.openOptionsPage();
      return { ok: true };
    },
    ...outbox.handlers,
  };
}

const MESSAGE_TYPES: ReadonlySet<string> = new Set(Message.options.map((option) => option.shape.type.value));

/**
 * Parses what arrived and answers it with its handler. Never throws: a message that is not one of ours, or a handler
 * that throws, gets the protocol's Failure.
 */
export async function dispatch(handlers: WorkerHandlers, raw: unknown, sender: MessageSender): Promise<ReplyOf<MessageType>> {
  const parsed = Message.safeParse(raw);
  if (!parsed.success) {
    const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
    const message =
      typeof type === 'string' && MESSAGE_TYPES.has(type)
        ? `Malformed message: ${type}`
        : `Unknown message${typeof type === 'string' ? `: ${type}` : ''}`;
    return { ok: false, kind: 'invalid_response', message } satisfies Failure;
  }
  try {
    return await answer<MessageType>(handlers, parsed.data, sender);
  } catch (error) {
    return { ok: false, kind: 'refused', message: error instanceof Error ? error.message : String(error) } satisfies Failure;
  }
}

function answer<T extends MessageType>(handlers: WorkerHandlers, message: MessageOf<T>, sender: MessageSender): Promise<ReplyOf<T>> {
  const handler: WorkerHandlers[T] = handlers[message.type as T];
  return handler(message, sender);
}

async function suggest(ticket: TicketContext) {
  const s = await currentSettings();
  // Strict redaction: the ticket leaves the browser as the backend would keep it (redacted, without requester or authors).
  const sent = s.redactionLevel.value === 'strict' ? redactTicket(ticket) : ticket;
  const reply = await requestSuggestion(s.backendUrl.value, sent, s.apiKey.value);
  if (reply.ok || reply.kind !== 'rejected') return reply;
  // A 403 arrives as "rejected": when the key's role cannot ask for suggestions, say that, not the backend's words.
  const who = await whoAmI(s.backendUrl.value, s.apiKey.value);
  if (!who.ok || ROLE_GRANTS[who.value.role].includes('agent')) return reply;
  return { ok: false, kind: 'forbidden', message: `This API key has the ${who.value.role} role; the sidebar needs an agent key.` } satisfies Failure;
}

/** The tenant's config fresh from the backend when it answers (kept for when it does not), else the last copy. */
async function tenantConfig(): Promise<HostConfig> {
  const s = await currentSettings();
  const fresh = await fetchHostConfig(s.backendUrl.value, s.apiKey.value);
  if (fresh.ok) {
    await hostConfigCache.setValue(fresh.value);
    return fresh.value;
  }
  return hostConfigCache.getValue();
}

/** What the sidebar on `host` does: on or off, its selectors (policy over tenant), and which prompts it shows. */
async function pageSettings(host: HostName): Promise<PageSettingsReply> {
  await tenantConfig();
  const s = await currentSettings();
  return {
    ok: true,
    settings: {
      enabled: s.enabledHosts.value.includes(host),
      selectors: s.selectors[host].overrides,
      annotationPrompts: s.annotationPrompts.value,
      pairwisePromptPercent: s.pairwisePromptPercent.value,
      identifyAgent: s.keySource.value === 'policy',
    },
  };
}

/** Stamps who gave the signal, then queues it durably; the reply says "saved" only after the commit. */
async function annotate(draft: AnnotationDraft, pageAgent: PageAgent | null, outbox: OutboxService): Promise<AnnotateReply> {
  const s = await currentSettings();
  const { agent } = await recordedAgent(
    { keySource: s.keySource.value, agentIdentity: s.agentIdentity.value, tenant: s.tenant.value },
    s.agentId.value || 'agent',
    pageAgent,
  );
  const result = await outbox.add({ ...draft, tenant: s.tenant.value, agent });
  return result.ok ? { ok: true, id: result.id } : { ok: false, kind: 'refused', message: result.message };
}

/** Records the tenant of a policy key that came without one, as the options page does for a key typed in. */
async function learnTenantFromKey(): Promise<void> {
  const s = await currentSettings();
  if (s.keySource.value !== 'policy' || !s.apiKey.value || s.tenant.source === 'policy') return;
  const who = await whoAmI(s.backendUrl.value, s.apiKey.value);
  if (who.ok && who.value.tenant !== s.tenant.value) await tenant.setValue(who.value.tenant);
}
