/**
 * Answers the `outbox.*` runtime messages (shared/outbox-messages.ts) in the background worker. Returns undefined
 * for any other message, so the worker's listener can try its other handlers.
 */
import type { FlushReport, OutboxReply } from '../../shared/outbox-messages.ts';
import { OUTBOX_MESSAGE_PREFIX, OutboxMessage } from '../../shared/outbox-messages.ts';
import type { Outbox } from './outbox.ts';

export interface OutboxMessageDeps {
  outbox: Outbox;
  /** Flushes now, even during a backoff. */
  flush: () => Promise<FlushReport>;
  /** GET {baseUrl}/v1/health. */
  checkHealth: () => Promise<{ reachable: boolean; baseUrl: string; message: string }>;
}

export function isOutboxMessage(raw: unknown): boolean {
  if (!raw || typeof raw !== 'object') return false;
  const type = (raw as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith(OUTBOX_MESSAGE_PREFIX);
}

export function handleOutboxMessage(raw: unknown, deps: OutboxMessageDeps): Promise<OutboxReply> | undefined {
  if (!isOutboxMessage(raw)) return undefined;
  const parsed = OutboxMessage.safeParse(raw);
  if (!parsed.success) return Promise.resolve({ ok: false, message: `Unknown outbox message: ${String((raw as { type: string }).type)}` });
  return answer(parsed.data, deps).catch((error: unknown) => ({ ok: false as const, message: error instanceof Error ? error.message : String(error) }));
}

async function answer(message: OutboxMessage, deps: OutboxMessageDeps): Promise<OutboxReply> {
  switch (message.type) {
    case 'outbox.stats':
      return { ok: true, stats: await deps.outbox.stats() };
    case 'outbox.flush':
      return { ok: true, report: await deps.flush() };
    case 'outbox.deadLetters':
      return { ok: true, items: await deps.outbox.deadLetterSummaries() };
    case 'outbox.exportDeadLetters': {
      const json = await deps.outbox.exportDeadLetters();
      return { ok: true, json, count: (JSON.parse(json) as { count: number }).count };
    }
    case 'outbox.health':
      return { ok: true, ...(await deps.checkHealth()) };
  }
}
