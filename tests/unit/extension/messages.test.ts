import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { handleOutboxMessage, isOutboxMessage, type OutboxMessageDeps } from '../../../extension/outbox/messages.ts';
import { createOutbox } from '../../../extension/outbox/outbox.ts';
import {
  DeadLetterExport,
  OutboxDeadLettersReply,
  OutboxExportReply,
  OutboxFlushReply,
  OutboxHealthReply,
  OutboxMessage,
  OutboxStatsReply,
} from '../../../shared/outbox-messages.ts';
import { RuntimeMessage } from '../../../shared/messages.ts';
import { fakeClock, freshDb, makeAnnotation } from './helpers.ts';

function deps(): OutboxMessageDeps & { flushes: number } {
  const clock = fakeClock();
  const outbox = createOutbox(freshDb(), { now: clock.now });
  const d = {
    outbox,
    flushes: 0,
    flush: async () => {
      d.flushes++;
      return { status: 'drained' as const, batches: 1, requests: 1, accepted: 1, duplicate: 0, rejected: 0 };
    },
    checkHealth: async () => ({ reachable: true, baseUrl: 'http://127.0.0.1:8787', message: 'Connected.' }),
  };
  return d;
}

describe('handleOutboxMessage', () => {
  it('leaves other messages to other handlers (undefined)', () => {
    const d = deps();
    expect(handleOutboxMessage({ type: 'suggest', ticket: {} }, d)).toBeUndefined();
    expect(handleOutboxMessage(null, d)).toBeUndefined();
    expect(handleOutboxMessage('outbox.stats', d)).toBeUndefined();
    expect(isOutboxMessage({ type: 'outbox.stats' })).toBe(true);
    // The two protocols do not overlap.
    expect(RuntimeMessage.safeParse({ type: 'outbox.stats' }).success).toBe(false);
    expect(OutboxMessage.safeParse({ type: 'suggest' }).success).toBe(false);
  });

  it('refuses an unknown outbox message with a reply, not silence', async () => {
    expect(await handleOutboxMessage({ type: 'outbox.purge' }, deps())).toEqual({ ok: false, message: 'Unknown outbox message: outbox.purge' });
  });

  it('answers stats, dead letters and the export in the shared reply shapes', async () => {
    const d = deps();
    const a = makeAnnotation(0);
    expect(await d.outbox.add(a)).toEqual({ ok: true, id: a.id, duplicate: false });

    const stats = OutboxStatsReply.parse(await handleOutboxMessage({ type: 'outbox.stats' }, d));
    expect(stats).toMatchObject({ ok: true, stats: { pending: 1, inflight: 0, deadLetters: 0 } });

    await d.outbox.deadLetter([a.id], 'validation_failed', 'bad rank');
    const dead = OutboxDeadLettersReply.parse(await handleOutboxMessage({ type: 'outbox.deadLetters' }, d));
    expect(dead).toMatchObject({ ok: true, items: [{ id: a.id, kind: a.kind, code: 'validation_failed', message: 'bad rank', clientTime: a.clientTime }] });

    const exported = OutboxExportReply.parse(await handleOutboxMessage({ type: 'outbox.exportDeadLetters' }, d));
    if (!exported.ok) throw new Error(exported.message);
    expect(exported.count).toBe(1);
    expect(DeadLetterExport.parse(JSON.parse(exported.json)).items[0]!.annotation).toEqual(a);
  });

  it('flushes and checks the backend through its deps', async () => {
    const d = deps();
    expect(OutboxFlushReply.parse(await handleOutboxMessage({ type: 'outbox.flush' }, d))).toMatchObject({ ok: true, report: { status: 'drained' } });
    expect(d.flushes).toBe(1);
    expect(OutboxHealthReply.parse(await handleOutboxMessage({ type: 'outbox.health' }, d))).toEqual({
      ok: true,
      reachable: true,
      baseUrl: 'http://127.0.0.1:8787',
      message: 'Connected.',
    });
  });

  it('turns a failing dependency into { ok: false, message }', async () => {
    const d = { ...deps(), flush: () => Promise.reject(new Error('The outbox scheduler is stopped.')) };
    expect(await handleOutboxMessage({ type: 'outbox.flush' }, d)).toEqual({ ok: false, message: 'The outbox scheduler is stopped.' });
  });
});
