/**
 * The annotation outbox for the background worker: durable queue (outbox.ts) + exactly-once sync (sync.ts) +
 * when to sync (scheduler.ts) + the answers to the popup's messages (messages.ts, rows of the worker's handler
 * table). Call `createOutboxService()` once, synchronously, in `defineBackground`'s main function, so its alarm and
 * `online` listeners are registered at worker start.
 */
import { checkBackend } from '../background/backend-client.ts';
import { currentSettings } from '../settings/current-settings.ts';
import { onManagedPolicyChange } from '../settings/managed.ts';
import { apiKey, backendUrl } from '../settings/settings.ts';
import type { AddResult, FlushReport } from '../../shared/outbox-messages.ts';
import { OutboxDb } from './db.ts';
import { type OutboxHandlers, outboxHandlers } from './messages.ts';
import { createOutbox, type Outbox } from './outbox.ts';
import { type OutboxScheduler, startOutboxSync } from './scheduler.ts';
import { createSyncer, type SyncConfig, type Syncer } from './sync.ts';

export { OutboxDb, OUTBOX_DB_NAME } from './db.ts';
export { outboxHandlers, type OutboxHandlers, type OutboxMessageType } from './messages.ts';
export { createOutbox } from './outbox.ts';
export { startOutboxSync } from './scheduler.ts';
export { createSyncer } from './sync.ts';

export interface OutboxService {
  outbox: Outbox;
  syncer: Syncer;
  scheduler: OutboxScheduler;
  /** Stores the annotation durably (idempotent by id), then schedules a sync. Never throws. */
  add(annotation: unknown): Promise<AddResult>;
  /** Flushes now, even during a backoff (the popup's "Sync now"). */
  flushNow(): Promise<FlushReport>;
  /** The answers to the `outbox.*` messages, for the worker's handler table. */
  handlers: OutboxHandlers;
}

/** Where and how to sync, from the settings in force (policy, tenant config, options, defaults). */
export async function readSyncConfig(): Promise<SyncConfig> {
  const s = await currentSettings();
  const limits = { batchItems: s.syncBatchItems.value, batchBytes: s.syncBatchBytes.value };
  return s.apiKey.value ? { baseUrl: s.backendUrl.value, apiKey: s.apiKey.value, ...limits } : { baseUrl: s.backendUrl.value, ...limits };
}

export function createOutboxService(): OutboxService {
  const db = new OutboxDb();
  const outbox = createOutbox(db);
  const syncer = createSyncer({ outbox, config: readSyncConfig });
  const scheduler = startOutboxSync(syncer, outbox);

  // A new key or backend URL (from the options page or a policy update) may end a 401/403 or unreachable backoff:
  // try at once.
  const retryNow = () => void scheduler.flushNow().catch(() => undefined);
  apiKey.watch(retryNow);
  backendUrl.watch(retryNow);
  onManagedPolicyChange(retryNow);

  const add = async (annotation: unknown): Promise<AddResult> => {
    const result = await outbox.add(annotation);
    if (result.ok) scheduler.kick();
    return result;
  };
  const flushNow = () => scheduler.flushNow();
  const checkHealth = async () => {
    const baseUrl = (await currentSettings()).backendUrl.value;
    const health = await checkBackend(baseUrl);
    return health.ok
      ? { reachable: true, baseUrl, message: `Connected: ${health.value.passages} knowledge passages, model ${health.value.modelVersion}.` }
      : { reachable: false, baseUrl, message: health.message };
  };

  return {
    outbox,
    syncer,
    scheduler,
    add,
    flushNow,
    handlers: outboxHandlers({ outbox, flush: flushNow, checkHealth }),
  };
}
