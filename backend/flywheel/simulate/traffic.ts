/**
 * Live traffic for the simulator: train queries replayed through the real HTTP API. Each ticket is opened by one
 * simulated agent (POST /v1/suggestions with the agent's key), acted on (agents.ts), and the agent's signals go out
 * as the extension's outbox sends them: in batches of at most LIMITS.batchItems to POST /v1/annotations:batch.
 *
 * The simulated clock: agents work in parallel, one ticket every SLOT_MS each, a working day per cycle with a night
 * between cycles. The whole timeline is laid out before the first request and ends before the real start time,
 * so no signal claims to come from the future.
 */
import { type Annotation, LIMITS, type SuggestionRequest, SuggestionResponse, SyncResponse } from '../../../shared/index.ts';
import { actOnSuggestion, type AgentSettings, type KnownAnswers, type Random, type SimAgent, TICKET_MS } from './agents.ts';

/** A simulated agent with the API key it sends. */
export interface Seat extends SimAgent {
  key: string;
}

export interface SimQuery extends KnownAnswers {
  id: string;
}

/** One cycle's traffic: which query each ticket replays and which agent handles it, in arrival order. */
export interface CyclePlan {
  tickets: { query: number; agent: number }[];
  /** Simulated start of the cycle's working day, ms since the epoch. */
  dayStartMs: number;
}

/** One ticket per agent at most this often (room for every signal of a ticket, TICKET_MS, and a pause). */
export const SLOT_MS = TICKET_MS + 60_000;
/** Between two cycles' traffic. */
const NIGHT_MS = 12 * 3_600_000;

/**
 * Every cycle's tickets: the queries (`perCycle` of them, all when undefined) in a fresh random order, each given to
 * a random agent; day starts chosen so the last cycle's last signal is before `endMs`.
 */
export function planCycles(nQueries: number, cycles: number, agents: number, random: Random, endMs: number, perCycle?: number): CyclePlan[] {
  const plans = Array.from({ length: cycles }, () => {
    const order = shuffle(
      Array.from({ length: nQueries }, (_, i) => i),
      random,
    ).slice(0, perCycle ?? nQueries);
    return order.map((query) => ({ query, agent: Math.floor(random() * agents) }));
  });
  const days = plans.map((tickets) => {
    const perAgent = new Array<number>(agents).fill(0);
    for (const t of tickets) perAgent[t.agent]! += 1;
    return Math.max(0, ...perAgent) * SLOT_MS + NIGHT_MS;
  });
  let start = endMs - days.reduce((a, b) => a + b, 0);
  return plans.map((tickets, c) => {
    const plan = { tickets, dayStartMs: start };
    start += days[c]!;
    return plan;
  });
}

export function shuffle<T>(items: T[], random: Random): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

export interface TrafficSummary {
  suggestions: number;
  /** Signals sent, by kind. */
  sent: Record<Annotation['kind'], number>;
  batches: number;
  accepted: number;
  duplicate: number;
  rejected: number;
  /** The first few refusals, `id: code message`. */
  refusals: string[];
}

export interface ReplayInput {
  url: string;
  seats: readonly Seat[];
  queries: readonly SimQuery[];
  plan: CyclePlan;
  settings: AgentSettings;
  random: Random;
  /** Called every `every` tickets with the number done. */
  progress?: (done: number, total: number) => void;
}

export async function replayCycle(input: ReplayInput): Promise<TrafficSummary> {
  const { url, seats, queries, plan, settings, random } = input;
  const summary: TrafficSummary = {
    suggestions: 0,
    sent: { preference: 0, adoption: 0, rationale: 0, relevance: 0, missing_knowledge: 0 },
    batches: 0,
    accepted: 0,
    duplicate: 0,
    rejected: 0,
    refusals: [],
  };
  const outboxes = seats.map(() => [] as Annotation[]);
  const handled = seats.map(() => 0);
  const flush = async (agent: number, all: boolean) => {
    const outbox = outboxes[agent]!;
    while (outbox.length >= (all ? 1 : LIMITS.batchItems)) await sendBatch(url, seats[agent]!.key, outbox.splice(0, batchLength(outbox)), summary);
  };
  for (const [done, ticket] of plan.tickets.entries()) {
    const seat = seats[ticket.agent]!;
    const query = queries[ticket.query]!;
    const response = await requestSuggestion(url, seat, query);
    summary.suggestions += 1;
    const startMs = plan.dayStartMs + handled[ticket.agent]! * SLOT_MS;
    handled[ticket.agent]! += 1;
    const acts = actOnSuggestion(seat, response, query, settings, random, startMs);
    for (const a of acts) summary.sent[a.kind] += 1;
    outboxes[ticket.agent]!.push(...acts);
    await flush(ticket.agent, false);
    if ((done + 1) % 250 === 0) input.progress?.(done + 1, plan.tickets.length);
  }
  for (let agent = 0; agent < seats.length; agent++) await flush(agent, true);
  return summary;
}

/** How many of the oldest signals fit one batch: at most LIMITS.batchItems and LIMITS.batchBytes (with room for the envelope). */
export function batchLength(outbox: readonly Annotation[]): number {
  let bytes = 100;
  let n = 0;
  while (n < Math.min(outbox.length, LIMITS.batchItems)) {
    bytes += Buffer.byteLength(JSON.stringify(outbox[n])) + 1;
    if (bytes > LIMITS.batchBytes && n > 0) break;
    n++;
  }
  return n;
}

async function requestSuggestion(url: string, seat: Seat, query: SimQuery): Promise<SuggestionResponse> {
  const body: SuggestionRequest = { ticket: query.ticket, agent: seat.name };
  const res = await post(`${url}/v1/suggestions`, seat.key, body);
  if (!res.ok) throw new Error(`POST /v1/suggestions for query ${query.id} answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  return SuggestionResponse.parse(await res.json());
}

async function sendBatch(url: string, key: string, items: Annotation[], summary: TrafficSummary): Promise<void> {
  // The outbox sends with its own clock: the newest signal's time is when the batch left.
  const sentAt = items.reduce((latest, a) => (a.clientTime > latest ? a.clientTime : latest), items[0]!.clientTime);
  const res = await post(`${url}/v1/annotations:batch`, key, { items, sentAt });
  if (!res.ok) throw new Error(`POST /v1/annotations:batch answered ${res.status}: ${(await res.text()).slice(0, 500)}`);
  const { results } = SyncResponse.parse(await res.json());
  summary.batches += 1;
  for (const r of results) {
    summary[r.status] += 1;
    if (r.status === 'rejected' && summary.refusals.length < 5)
      summary.refusals.push(`${r.id}: ${r.error?.code ?? '?'} ${r.error?.message ?? ''}`.trim());
  }
}

/**
 * A POST that survives a dropped connection, as the extension's sync does: a kept-alive socket the server closed
 * while the flywheel ran fails the next request with ECONNRESET before it is read, so it is sent again (a batch is
 * idempotent by its ids anyway).
 */
async function post(url: string, key: string, body: unknown): Promise<Response> {
  const init = { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (attempt >= 3) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}
