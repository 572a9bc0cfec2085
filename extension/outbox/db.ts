/**
 * The outbox's IndexedDB database (`aitl-outbox`), opened with strict transaction durability so a resolved write
 * has reached the disk, not only the OS cache: an annotation the agent was told is saved survives a crash.
 */
import { Dexie, type DexieOptions, type Table } from 'dexie';
import type { Annotation } from '../../shared/annotations.ts';

export const OUTBOX_DB_NAME = 'aitl-outbox';

export type ItemState = 'pending' | 'inflight';

/** One annotation waiting for (or awaiting) the server's confirmation. */
export interface OutboxItem {
  /** The annotation's UUID v7: primary key and sync idempotency key. */
  id: string;
  state: ItemState;
  /** While inflight: until when (ms) the claiming flusher owns it; 0 while pending. */
  leaseUntil: number;
  /** When it was queued (ms). */
  createdAt: number;
  /** How many times it was claimed for sending. */
  attempts: number;
  /** Size of the annotation's JSON in UTF-8 bytes. */
  bytes: number;
  annotation: Annotation;
}

/** An annotation the server refused for good; kept for export, never sent again automatically. */
export interface DeadLetter {
  id: string;
  annotation: Annotation;
  code: string;
  message: string;
  /** When it was dead-lettered (ms). */
  at: number;
}

export interface OutboxMetaValues {
  lastSyncAt: number;
  lastError: { at: number; message: string };
  nextAttemptAt: number;
  backoffAttempt: number;
}
export type OutboxMetaKey = keyof OutboxMetaValues;

export interface MetaRow<K extends OutboxMetaKey = OutboxMetaKey> {
  key: K;
  value: OutboxMetaValues[K];
}

export class OutboxDb extends Dexie {
  items!: Table<OutboxItem, string>;
  dead!: Table<DeadLetter, string>;
  meta!: Table<MetaRow, OutboxMetaKey>;

  constructor(name: string = OUTBOX_DB_NAME, options: DexieOptions = {}) {
    super(name, { ...options, chromeTransactionDurability: 'strict' });
    this.version(1).stores({
      // [state+createdAt]: oldest pending first; [state+leaseUntil]: inflight items whose lease expired;
      // createdAt: the oldest unconfirmed item whatever its state.
      items: 'id, createdAt, [state+createdAt], [state+leaseUntil]',
      dead: 'id, at',
      meta: 'key',
    });
  }
}
