// @vitest-environment happy-dom
/** The adoption notice and the rationale prompt belong to the ticket they were given on. */
import { h, render } from 'preact';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnnotationDraft, Candidate, SuggestionResponse, TicketContext } from '../../../shared/index.ts';
import type { HostAdapter } from '../../../extension/hosts/types.ts';
import type { View } from '../../../extension/sidebar/use-suggestions.ts';

const saved: AnnotationDraft[] = [];
vi.mock('../../../extension/background/messaging.ts', () => ({
  saveAnnotation: async (draft: AnnotationDraft) => {
    saved.push(draft);
    return { ok: true, id: draft.id };
  },
}));
const { ticketOnScreen, useAdoption } = await import('../../../extension/sidebar/use-adoption.ts');
const { contextOf } = await import('../../../extension/sidebar/drafts.ts');

const candidate: Candidate = { candidateId: 's:0', variantId: 'a@1', text: 'Your refund is on its way.', citations: [] };
const ticket = (ticketId: string): TicketContext => ({ host: 'demo', ticketId, messages: [{ role: 'customer', text: `Ticket ${ticketId}` }] });
const suggestion = (ticketId: string) =>
  ({
    suggestionId: `s-${ticketId}`,
    candidates: [candidate],
    snippets: [],
    query: 'q',
    modelVersion: 'm',
    indexVersion: 'i',
  }) as unknown as SuggestionResponse;
const ready = (ticketId: string): View => ({ state: 'ready', ticket: ticket(ticketId), suggestion: suggestion(ticketId) });

describe('ticketOnScreen', () => {
  it('follows the ticket the view names, keeps the last one while reading, and none elsewhere', () => {
    expect(ticketOnScreen(ready('1001'), undefined)).toBe('1001');
    expect(ticketOnScreen({ state: 'loading', ticket: ticket('1002') }, '1001')).toBe('1002');
    expect(ticketOnScreen({ state: 'failed', ticket: ticket('1003'), failure: { ok: false, kind: 'unreachable', message: 'x' } }, '1001')).toBe(
      '1003',
    );
    expect(ticketOnScreen({ state: 'reading' }, '1001')).toBe('1001');
    expect(ticketOnScreen({ state: 'unreadable', reason: 'r' }, '1001')).toBe('1001');
    expect(ticketOnScreen({ state: 'elsewhere' }, '1001')).toBeUndefined();
  });
});

describe('useAdoption', () => {
  let onScreen = '1001';
  let send: ((text: string, ticketId?: string) => void) | undefined;
  let hook: ReturnType<typeof useAdoption>;
  let container: HTMLElement;
  const adapter = {
    host: 'demo',
    matches: () => true,
    readTicket: () => ({ status: 'ok', ticket: ticket(onScreen) }),
    watch: () => undefined,
    insertReply: async () => 'inserted',
    watchSends: (_doc: Document, _signal: AbortSignal, onSend: (text: string, ticketId?: string) => void) => (send = onSend),
    readAgent: async () => undefined,
  } satisfies HostAdapter;
  function Probe({ view }: { view: View }) {
    hook = useAdoption(adapter, document, view);
    return null;
  }
  const show = (view: View) => act(async () => render(h(Probe, { view }), container));

  beforeEach(() => {
    saved.length = 0;
    onScreen = '1001';
    container = document.createElement('div');
  });
  afterEach(() => render(null, container));

  it('clears the outcome notice and the reasons prompt when the agent moves to another ticket', async () => {
    await show(ready('1001'));
    hook.recordInsert(contextOf(ticket('1001'), suggestion('1001')), candidate);
    await act(async () => send!('Your refund is on its way, Sofia.'));
    expect(saved.map((d) => d.kind)).toEqual(['adoption']);
    expect(hook.recorded.status).toBe('saved');
    expect(hook.rationale?.outcome).toBe('edited');

    // Still on 1001 while the next page is read: nothing changes yet.
    await show({ state: 'reading' });
    expect(hook.recorded.status).toBe('saved');

    onScreen = '1002';
    await show({ state: 'loading', ticket: ticket('1002') });
    expect(hook.recorded.status).toBe('idle');
    expect(hook.rationale).toBeUndefined();
    await show(ready('1002'));
    expect(hook.recorded.status).toBe('idle');

    // Coming back does not bring them back either.
    onScreen = '1001';
    await show(ready('1001'));
    expect(hook.recorded.status).toBe('idle');
    expect(hook.rationale).toBeUndefined();
  });

  it('records a send reported for a ticket no longer on screen against that ticket, without a notice on this one', async () => {
    await show(ready('1001'));
    hook.recordInsert(contextOf(ticket('1001'), suggestion('1001')), candidate);
    onScreen = '1002';
    await show(ready('1002'));
    await act(async () => send!(candidate.text, '1001'));
    expect(saved).toMatchObject([{ kind: 'adoption', ticketId: '1001', outcome: 'verbatim', candidateId: 's:0' }]);
    expect(hook.recorded.status).toBe('idle');
  });
});
