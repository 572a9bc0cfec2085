/**
 * The service worker: the only place that talks to the backend, and the owner of the annotation outbox. Answers
 * the sidebar's and popup's typed messages. Every request uses the settings in force at that moment (policy, the
 * tenant's config, the agent's options, defaults), so a policy update applies without a reload.
 */
import { browser } from 'wxt/browser';
import { defineBackground } from 'wxt/utils/define-background';
import {
  type AnnotateReply,
  type AnnotationDraft,
  type Failure,
  type HostConfig,
  type HostConfigReply,
  type HostName,
  type PageAgent,
  type PageSettingsReply,
  redactTicket,
  ROLE_GRANTS,
  RuntimeMessage,
  SettingsMessage,
  type TicketContext,
} from '../../shared/index.ts';
import { recordedAgent } from '../lib/agent-identity.ts';
import { fetchHostConfig, requestSuggestion, sendPageReport, whoAmI } from '../lib/backend-client.ts';
import { currentSettings } from '../lib/current-settings.ts';
import { onManagedPolicyChange } from '../lib/managed.ts';
import { hostConfigCache, tenant } from '../lib/settings.ts';
import { createOutboxService, type OutboxService } from '../outbox/index.ts';

export default defineBackground(() => {
  // Created synchronously at worker start so the outbox's alarm and `online` listeners are registered in time.
  const outbox = createOutboxService();
  browser.runtime.onMessage.addListener((raw, sender, sendResponse) => {
    // Only our own content scripts and pages may ask.
    if (sender.id !== browser.runtime.id) return false;
    const reply = outbox.handleMessage(raw) ?? handleSettings(raw, outbox) ?? handle(raw, outbox);
    reply.then(sendResponse, (error: unknown) => sendResponse({ ok: false, kind: 'refused', message: String(error) } satisfies Failure));
    return true;
  });
  // A tenant-wide key from policy without a tenant beside it: the key says which tenant it is.
  void learnTenantFromKey();
  onManagedPolicyChange(() => void learnTenantFromKey());
});

async function handle(raw: unknown, outbox: OutboxService) {
  const parsed = RuntimeMessage.safeParse(raw);
  if (!parsed.success) return { ok: false, kind: 'invalid_response', message: 'Unknown message' } satisfies Failure;
  const message = parsed.data;
  switch (message.type) {
    case 'suggest':
      return suggest(message.ticket);
    case 'annotate':
      return annotate(message.annotation, null, outbox);
    case 'hostConfig':
      return hostConfig();
    case 'reportPage': {
      const s = await currentSettings();
      const sent = await sendPageReport(s.backendUrl.value, s.apiKey.value, message.report);
      return sent.ok ? { ok: true as const } : sent;
    }
    case 'openOptions':
      await browser.runtime.openOptionsPage();
      return { ok: true as const };
  }
}

/** The settings protocol (shared/managed-settings.ts); undefined for any other message. */
function handleSettings(raw: unknown, outbox: OutboxService): Promise<AnnotateReply | PageSettingsReply> | undefined {
  const parsed = SettingsMessage.safeParse(raw);
  if (!parsed.success) return undefined;
  const message = parsed.data;
  return message.type === 'annotateAs' ? annotate(message.annotation, message.pageAgent, outbox) : pageSettings(message.host);
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

async function hostConfig(): Promise<HostConfigReply> {
  return { ok: true, config: await tenantConfig() };
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
