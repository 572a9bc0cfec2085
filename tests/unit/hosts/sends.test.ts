/** Send detection shared by the adapters: a new agent reply is the send; button and keyboard evidence corroborate. */
import { describe, expect, it } from 'vitest';
import { createSendTracker } from '../../../extension/hosts/sends.ts';

function harness() {
  let t = 0;
  const timers: { at: number; run: () => void; done: boolean }[] = [];
  const sent: string[] = [];
  const controller = new AbortController();
  const tracker = createSendTracker((text) => sent.push(text), controller.signal, {
    now: () => t,
    confirmMs: 8000,
    setTimeout: (run, ms) => {
      const timer = { at: t + ms, run, done: false };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (timer) => ((timer as { done: boolean }).done = true),
  });
  const advance = (ms: number) => {
    t += ms;
    for (const timer of timers) if (!timer.done && timer.at <= t) (timer.done = true), timer.run();
  };
  return { tracker, sent, advance, abort: () => controller.abort() };
}

const reply = (key: string, text = `text ${key}`) => ({ key, text });

describe('createSendTracker', () => {
  it('takes the first reading of a ticket as its baseline, then counts each new reply once', () => {
    const { tracker, sent } = harness();
    tracker.observe('1', [reply('a'), reply('b')]);
    expect(sent).toEqual([]);
    tracker.observe('1', [reply('a'), reply('b'), reply('c', 'Thanks, refunded.')]);
    tracker.observe('1', [reply('a'), reply('b'), reply('c', 'Thanks, refunded.')]);
    expect(sent).toEqual(['Thanks, refunded.']);
  });

  it('does not count older replies loaded above the ones known ("show more")', () => {
    const { tracker, sent } = harness();
    tracker.observe('1', [reply('c')]);
    tracker.observe('1', [reply('a'), reply('b'), reply('c')]);
    expect(sent).toEqual([]);
  });

  it('counts a send once when the button and the new reply both say so, with the text the conversation shows', () => {
    const { tracker, sent, advance } = harness();
    tracker.observe('1', [reply('a')]);
    tracker.evidence('1', 'Hi Ada, refunded', () => false);
    tracker.evidence('1', 'Hi Ada, refunded', () => false);
    advance(1200);
    tracker.observe('1', [reply('a'), reply('b', 'Hi Ada, refunded.')]);
    advance(20_000);
    expect(sent).toEqual(['Hi Ada, refunded.']);
  });

  it('lets evidence stand in when the conversation never shows the reply (the tab closed on submit)', () => {
    const { tracker, sent, advance } = harness();
    tracker.observe('1', [reply('a')]);
    tracker.evidence('1', 'Solved: your refund is on its way', () => false);
    advance(7999);
    expect(sent).toEqual([]);
    advance(1);
    expect(sent).toEqual(['Solved: your refund is on its way']);
    // The reply rendered late is that same send.
    tracker.observe('1', [reply('a'), reply('b', 'Solved: your refund is on its way')]);
    expect(sent).toHaveLength(1);
  });

  it('does not count a send the help desk refused (the draft is still in the composer)', () => {
    const { tracker, sent, advance } = harness();
    tracker.observe('1', []);
    tracker.evidence('1', 'Draft', () => true);
    advance(10_000);
    expect(sent).toEqual([]);
  });

  it('counts two quick sends of different replies as two, even when the conversation shows neither', () => {
    const { tracker, sent, advance } = harness();
    tracker.observe('1', []);
    tracker.evidence('1', 'First answer', () => false);
    advance(2000);
    tracker.evidence('1', 'Second answer', () => false);
    advance(10_000);
    expect(sent).toEqual(['First answer', 'Second answer']);
    // Both render late: neither counts again.
    tracker.observe('1', [reply('a', 'First answer'), reply('b', 'Second answer')]);
    expect(sent).toHaveLength(2);
  });

  it('never counts an internal note, nor the submit that added it', () => {
    const { tracker, sent, advance } = harness();
    tracker.observe('1', [reply('a')]);
    tracker.evidence('1', 'Checked with the warehouse', () => false);
    tracker.observe('1', [reply('a'), { key: 'n', text: 'Checked with the warehouse', note: true }]);
    advance(10_000);
    expect(sent).toEqual([]);
  });

  it('keeps tickets apart, and stops counting once aborted', () => {
    const { tracker, sent, advance, abort } = harness();
    tracker.observe('1', []);
    tracker.observe('2', [reply('x')]);
    tracker.evidence('1', 'For ticket one', () => false);
    tracker.observe('2', [reply('x'), reply('y', 'For ticket two')]);
    expect(sent).toEqual(['For ticket two']);
    abort();
    advance(10_000);
    tracker.observe('2', [reply('x'), reply('y'), reply('z')]);
    expect(sent).toEqual(['For ticket two']);
  });
});
