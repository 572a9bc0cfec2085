/**
 * The outbox's rows of the worker's handler table: the answers to the popup's `outbox.*` messages (shared/messages.ts).
 * The worker's dispatch (extension/entrypoints/background.ts) parses each message before it gets here, and turns a
 * handler that throws into the protocol's Failure.
 */
import type { MessageHandlers, MessageType } from '../../shared/messages.ts';
import type { FlushReport } from '../../shared/outbox-messages.ts';
import type { Outbox } from './outbox.ts';

export type OutboxMessageType = Extract<MessageType, `outbox.${string}`>;
export type OutboxHandlers = Pick<MessageHandlers, OutboxMessageType>;

export interface OutboxMessageDeps {
  outbox: Outbox;
  /** Flushes now, even during a backoff. */
  flush: () => Promise<FlushReport>;
  /** GET {baseUrl}/v1/health. */
  checkHealth: () => Promise<{ reachable: boolean; baseUrl: string; message: string }>;
}

export function outboxHandlers(deps: OutboxMessageDeps): OutboxHandlers {
  return {
    'outbox.stats': async () => ({ ok: true, stats: await deps.outbox.stats() }),
    'outbox.flush': async () => ({ ok: true, report: await deps.flush() }),
    'outbox.deadLetters': async () => ({ ok: true, items: await deps.outbox.deadLetterSummaries() }),
    'outbox.exportDeadLetters': async () => {
      const json = await deps.outbox.exportDeadLetters();
      return { ok: true, json, count: (JSON.parse(json) as { count: number }).count };
    },
    'outbox.health': async () => ({ ok: true, ...(await deps.checkHealth()) }),
  };
}
