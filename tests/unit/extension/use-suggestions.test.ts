// @vitest-environment happy-dom
/**
 * The sidebar's suggestion hook with a fake adapter and fake timers: every waiting state is bounded, and only a new
 * customer message (or another ticket) asks again.
 */
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SuggestReply, SuggestionResponse, TicketContext } from '../../../shared/index.ts';
import type { HostAdapter, TicketRead } from '../../../extension/hosts/types.ts';

const asked: TicketContext[] = [];
let answer: (ticket: TicketContext) => Promise<SuggestReply>;
vi.mock('../../../extension/background/messaging.ts', () => ({
  askForSuggestion: (ticket: TicketContext) => {
    asked.push(ticket);
    return answer(ticket);
  },
}));
const { STUCK_REASON, SUGGESTION_WAIT_MS, TICKET_WAIT_MS, useSuggestions } = await import('../../../extension/sidebar/use-suggestions.ts');
type Hook = ReturnType<typeof useSuggestions>;

const suggestion = (ticketId: string): SuggestionResponse =>
  ({
    suggestionId: `s-${ticketId}-${asked.length}`,
    candidates: [],
    snippets: [],
    query: 'q',
    modelVersion: 'm',
    indexVersion: 'i',
  }) as unknown as SuggestionResponse;

interface Fake {
  read: TicketRead;
  onChange: (() => void) | undefined;
  adapter: HostAdapter;
  change(read: TicketRead): Promise<void>;
}

function fakeAdapter(): Fake {
  const fake: Fake = {
    read: { status: 'waiting' } as TicketRead,
    onChange: undefined as (() => void) | undefined,
    adapter: {
      host: 'demo',
      matches: () => true,
      readTicket: () => fake.read,
      watch: (_doc: Document, _signal: AbortSignal, onChange: () => void) => (fake.onChange = onChange),
      insertReply: async () => 'inserted',
      watchSends: () => undefined,
      readAgent: async () => undefined,
    },
    /** The page changes to `read` and the adapter's watch fires. */
    async change(read: TicketRead) {
      fake.read = read;
      await act(async () => fake.onChange!());
      await settle();
    },
  };
  return fake;
}

const ok = (ticketId: string, messages: TicketContext['messages']): TicketRead => ({ status: 'ok', ticket: { host: 'demo', ticketId, messages } });

let hook: Hook;
let container: HTMLElement;
function Probe({ adapter }: { adapter: HostAdapter }) {
  hook = useSuggestions(adapter, document);
  return null;
}
async function mount(adapter: HostAdapter) {
  await act(async () => render(h(Probe, { adapter }), container));
  await settle();
}
const advance = (ms: number) => act(async () => void (await vi.advanceTimersByTimeAsync(ms)));
/** Lets the answers already given (resolved promises) reach the view. */
const settle = () => advance(0);

beforeEach(() => {
  vi.useFakeTimers();
  asked.length = 0;
  answer = async (ticket) => ({ ok: true, suggestion: suggestion(ticket.ticketId) });
  container = document.createElement('div');
});
afterEach(async () => {
  await act(async () => render(null, container));
  vi.useRealTimers();
});

describe('useSuggestions: bounded waits', () => {
  it('shows "unreadable" with a reason once the adapter has answered "waiting" for the bound, even if the page falls silent', async () => {
    const fake = fakeAdapter();
    await mount(fake.adapter);
    expect(hook.view.state).toBe('reading');
    await advance(TICKET_WAIT_MS / 2);
    await fake.change({ status: 'waiting' }); // page changes while still loading do not restart the clock
    await advance(TICKET_WAIT_MS / 2 - 100);
    expect(hook.view.state).toBe('reading');
    await advance(200);
    expect(hook.view).toEqual({ state: 'unreadable', reason: STUCK_REASON });
    // Further "waiting" answers keep it there rather than going back to "Reading the ticket…".
    await fake.change({ status: 'waiting' });
    expect(hook.view.state).toBe('unreadable');
  });

  it('Retry waits the full bound again, and a ticket that appears is read at once', async () => {
    const fake = fakeAdapter();
    await mount(fake.adapter);
    await advance(TICKET_WAIT_MS + 100);
    expect(hook.view.state).toBe('unreadable');
    await act(async () => hook.retry());
    await settle();
    expect(hook.view.state).toBe('reading');
    await advance(TICKET_WAIT_MS - 100);
    expect(hook.view.state).toBe('reading');
    await fake.change(ok('1001', [{ role: 'customer', text: 'Cracked lamp' }]));
    expect(hook.view.state).toBe('ready');
  });

  it('a ticket read in time starts a fresh wait the next time the page loads', async () => {
    const fake = fakeAdapter();
    await mount(fake.adapter);
    await advance(TICKET_WAIT_MS - 1_000);
    await fake.change(ok('1001', [{ role: 'customer', text: 'Cracked lamp' }]));
    expect(hook.view.state).toBe('ready');
    await fake.change({ status: 'waiting' });
    await advance(TICKET_WAIT_MS - 1_000);
    expect(hook.view.state).toBe('reading');
    await advance(1_100);
    expect(hook.view.state).toBe('unreadable');
  });

  it('a request the worker never answers ends as "unreachable" (with Retry) instead of loading for ever', async () => {
    answer = () => new Promise(() => undefined);
    const fake = fakeAdapter();
    fake.read = ok('1001', [{ role: 'customer', text: 'Cracked lamp' }]);
    await mount(fake.adapter);
    expect(hook.view.state).toBe('loading');
    await advance(SUGGESTION_WAIT_MS - 100);
    expect(hook.view.state).toBe('loading');
    await advance(200);
    expect(hook.view).toMatchObject({ state: 'failed', failure: { ok: false, kind: 'unreachable' } });
    answer = async (ticket) => ({ ok: true, suggestion: suggestion(ticket.ticketId) });
    await act(async () => hook.retry());
    await settle();
    expect(hook.view.state).toBe('ready');
  });
});

describe('useSuggestions: what asks again', () => {
  it("asks once per customer message: not for the agent's own reply or a note, again for a new customer message", async () => {
    const fake = fakeAdapter();
    const first = { role: 'customer' as const, text: 'Cracked lamp' };
    fake.read = ok('1001', [first]);
    await mount(fake.adapter);
    expect(asked).toHaveLength(1);
    await fake.change(ok('1001', [first, { role: 'agent', text: 'Sorry! Refund on its way.' }]));
    await fake.change(ok('1001', [first, { role: 'agent', text: 'Sorry! Refund on its way.' }, { role: 'note', text: 'refunded' }]));
    expect(asked).toHaveLength(1);
    expect(hook.view.state).toBe('ready');
    await fake.change(
      ok('1001', [first, { role: 'agent', text: 'Sorry! Refund on its way.' }, { role: 'customer', text: 'Thanks, and the cable?' }]),
    );
    expect(asked).toHaveLength(2);
    await fake.change(ok('1002', [first]));
    expect(asked).toHaveLength(3);
  });
});
