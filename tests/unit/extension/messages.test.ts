import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { type OutboxMessageDeps, outboxHandlers } from '../../../extension/outbox/messages.ts';
import { createOutbox } from '../../../extension/outbox/outbox.ts';
import { Message, Replies } from '../../../shared/messages.ts';
import {
  DeadLetterExport,
  OutboxDeadLettersReply,
  OutboxExportReply,
  OutboxFlushReply,
  OutboxHealthReply,
  OutboxStatsReply,
} from '../../../shared/outbox-messages.ts';
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

describe('the one message protocol', () => {
  it('has one member per type, and an answer schema for each', () => {
    const types = Message.options.map((option) => option.shape.type.value);
    expect(new Set(types).size).toBe(types.length);
    expect(Object.keys(Replies).sort()).toEqual([...types].sort());
  });

  it('parses the sidebar and popup messages alike, and nothing else', () => {
    expect(Message.safeParse({ type: 'outbox.stats' }).success).toBe(true);
    expect(Message.safeParse({ type: 'openOptions' }).success).toBe(true);
    expect(Message.safeParse({ type: 'pageSettings', host: 'zendesk' }).success).toBe(true);
    expect(Message.safeParse({ type: 'pageSettings', host: 'jira' }).success).toBe(false);
    // The host adapter's selectors come with pageSettings; the old hostConfig message is gone.
    expect(Message.safeParse({ type: 'hostConfig' }).success).toBe(false);
    expect(Message.safeParse({ type: 'outbox.purge' }).success).toBe(false);
    expect(Message.safeParse('outbox.stats').success).toBe(false);
  });

  it('answers every message with success or the one Failure shape', () => {
    const failure = { ok: false, kind: 'refused', message: 'no' };
    for (const reply of Object.values(Replies)) expect(reply.parse(failure)).toEqual(failure);
    // The outbox's answers used to fail as { ok: false, message } without a kind.
    expect(OutboxStatsReply.safeParse({ ok: false, message: 'no' }).success).toBe(false);
  });
});

describe('outboxHandlers', () => {
  it('answers stats, dead letters and the export in the shared reply shapes', async () => {
    const d = deps();
    const handlers = outboxHandlers(d);
    const a = makeAnnotation(0);
    expect(await d.outbox.add(a)).toEqual({ ok: true, id: a.id, duplicate: false });

    const stats = OutboxStatsReply.parse(await handlers['outbox.stats']({ type: 'outbox.stats' }, undefined));
    expect(stats).toMatchObject({ ok: true, stats: { pending: 1, inflight: 0, deadLetters: 0 } });

    await d.outbox.deadLetter([a.id], 'validation_failed', 'bad rank');
    const dead = OutboxDeadLettersReply.parse(await handlers['outbox.deadLetters']({ type: 'outbox.deadLetters' }, undefined));
    expect(dead).toMatchObject({
      ok: true,
      items: [{ id: a.id, kind: a.kind, code: 'validation_failed', message: 'bad rank', clientTime: a.clientTime }],
    });

    const exported = OutboxExportReply.parse(await handlers['outbox.exportDeadLetters']({ type: 'outbox.exportDeadLetters' }, undefined));
    if (!exported.ok) throw new Error(exported.message);
    expect(exported.count).toBe(1);
    expect(DeadLetterExport.parse(JSON.parse(exported.json)).items[0]!.annotation).toEqual(a);
  });

  it('flushes and checks the backend through its deps', async () => {
    const d = deps();
    const handlers = outboxHandlers(d);
    expect(OutboxFlushReply.parse(await handlers['outbox.flush']({ type: 'outbox.flush' }, undefined))).toMatchObject({
      ok: true,
      report: { status: 'drained' },
    });
    expect(d.flushes).toBe(1);
    expect(OutboxHealthReply.parse(await handlers['outbox.health']({ type: 'outbox.health' }, undefined))).toEqual({
      ok: true,
      reachable: true,
      baseUrl: 'http://127.0.0.1:8787',
      message: 'Connected.',
    });
  });

  it('lets a failing dependency throw, for the worker to turn into a Failure', async () => {
    const handlers = outboxHandlers({ ...deps(), flush: () => Promise.reject(new Error('The outbox scheduler is stopped.')) });
    await expect(handlers['outbox.flush']({ type: 'outbox.flush' }, undefined)).rejects.toThrow('The outbox scheduler is stopped.');
  });
});
