/** Fixtures for the outbox tests: annotations, a fake clock, a fake Web Locks manager and a fake sync server. */
import type { Annotation } from '../../../shared/annotations.ts';
import { uuidv7 } from '../../../shared/ids.ts';
import type { ItemResult, SyncBatchOut } from '../../../shared/sync.ts';
import { SCHEMA_VERSION } from '../../../shared/version.ts';
import { OutboxDb } from '../../../extension/outbox/db.ts';
import type { LockManagerLike } from '../../../extension/outbox/sync.ts';

let dbCounter = 0;
/** A fresh database per test (fake-indexeddb keeps them all in memory for the process). */
export function freshDb(): OutboxDb {
  return new OutboxDb(`aitl-outbox-test-${process.pid}-${++dbCounter}`);
}

const KINDS = ['preference', 'adoption', 'rationale', 'relevance', 'missing_knowledge'] as const;

export function makeAnnotation(i = 0, at = Date.now()): Annotation {
  const base = {
    id: uuidv7(at),
    schemaVersion: SCHEMA_VERSION,
    tenant: 'acme',
    agent: 'agent-7',
    host: 'demo',
    ticketId: String(1000 + (i % 50)),
    suggestionId: uuidv7(at),
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f@x',
    clientTime: new Date(at).toISOString(),
  };
  const kind = KINDS[i % KINDS.length]!;
  switch (kind) {
    case 'preference':
      return {
        ...base,
        kind,
        choice: 'left',
        strength: 'clear',
        leftCandidateId: 's:0',
        rightCandidateId: 's:1',
        leftVariantId: 'a@1',
        rightVariantId: 'b@1',
      };
    case 'adoption':
      return {
        ...base,
        kind,
        outcome: 'edited',
        candidateId: 's:0',
        variantId: 'a@1',
        sentText: `Hello, your refund for order ${i} is on its way.`,
        similarity: 0.8,
      };
    case 'rationale':
      return { ...base, kind, adoptionId: uuidv7(at), reasons: ['incomplete'], note: 'missed the refund part' };
    case 'relevance':
      return { ...base, kind, snippetId: `a${i}#s`, articleId: `a${i}`, rank: 1 + (i % 8), label: 'partly' };
    case 'missing_knowledge':
      return { ...base, kind, description: `No article about item ${i}` };
  }
}

/** An adoption whose JSON is about `bytes` long. */
export function annotationOfSize(bytes: number, at = Date.now()): Annotation {
  const a = makeAnnotation(1, at);
  if (a.kind !== 'adoption') throw new Error('fixture');
  const without = JSON.stringify({ ...a, sentText: '' }).length;
  return { ...a, sentText: 'x'.repeat(Math.max(0, bytes - without)) };
}

export function fakeClock(start = 1_800_000_000_000) {
  const clock = {
    t: start,
    now: () => clock.t,
    advance: (ms: number) => {
      clock.t += ms;
    },
    /** A sleep that passes at once but moves the clock, as the syncer's injected `sleep`. */
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** Web Locks with `ifAvailable`, one instance per simulated browser profile. */
export function fakeLocks(): LockManagerLike & { held: Set<string> } {
  const held = new Set<string>();
  return {
    held,
    async request<T>(name: string, _options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T> {
      if (held.has(name)) return callback(null);
      held.add(name);
      try {
        return await callback({ name });
      } finally {
        held.delete(name);
      }
    },
  };
}

/** A seeded PRNG for reproducible flaky servers and jitter: the one the synthetic benchmark uses. */
export { prng as seeded } from '../../../backend/prng.ts';

export interface ServerRequest {
  ids: string[];
  authorization: string | null;
  url: string;
  body: SyncBatchOut;
}

/** What the fake server does with one request. */
export type Behaviour =
  /** Commit, then answer 200 with the per-item results. */
  | { kind: 'ok' }
  /** The connection fails before the server sees the body. */
  | { kind: 'drop' }
  /** The server commits, then the answer is lost. */
  | { kind: 'commit-then-drop' }
  /** Answer this status (and body/headers) without committing. */
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  /** Never answer (until the client aborts). */
  | { kind: 'hang' }
  /** Wait (real time), then behave as `then`, whether or not the client is still listening. */
  | { kind: 'slow'; ms: number; then: Behaviour }
  /** Commit, then answer 200 with this body instead of the results. */
  | { kind: 'commit-and-answer'; body: (results: ItemResult[]) => unknown };

export interface FakeServer {
  fetch: typeof globalThis.fetch;
  /** Committed annotations by id. */
  stored: Map<string, Annotation>;
  /** How many times each id was committed as new (must stay 1). */
  commits: Map<string, number>;
  requests: ServerRequest[];
  /** Ids that arrived while an earlier request carrying them was still open. */
  concurrentIds: string[];
  maxConcurrentRequests: number;
}

export function fakeServer(behave: (request: ServerRequest, index: number) => Behaviour | Promise<Behaviour> = () => ({ kind: 'ok' })): FakeServer {
  const stored = new Map<string, Annotation>();
  const commits = new Map<string, number>();
  const requests: ServerRequest[] = [];
  const open = new Map<string, number>();
  const concurrentIds: string[] = [];
  let openRequests = 0;
  let maxConcurrentRequests = 0;

  const commit = (items: Annotation[]): ItemResult[] =>
    items.map((a) => {
      if (stored.has(a.id)) return { id: a.id, status: 'duplicate' as const };
      stored.set(a.id, a);
      commits.set(a.id, (commits.get(a.id) ?? 0) + 1);
      return { id: a.id, status: 'accepted' as const };
    });

  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

  async function act(behaviour: Behaviour, body: SyncBatchOut, signal: AbortSignal): Promise<Response> {
    switch (behaviour.kind) {
      case 'ok':
        return json({ results: commit(body.items) });
      case 'drop':
        throw new TypeError('Failed to fetch');
      case 'commit-then-drop':
        commit(body.items);
        throw new TypeError('Failed to fetch');
      case 'status':
        return json(behaviour.body ?? { error: { code: 'internal', message: `status ${behaviour.status}` } }, behaviour.status, behaviour.headers);
      case 'hang':
        return new Promise<Response>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason));
        });
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, behaviour.ms));
        return act(behaviour.then, body, signal);
      case 'commit-and-answer':
        return json(behaviour.body(commit(body.items)));
    }
  }

  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const body = (await request.json()) as SyncBatchOut;
    const ids = body.items.map((a) => a.id);
    const entry: ServerRequest = { ids, authorization: request.headers.get('authorization'), url: request.url, body };
    requests.push(entry);
    for (const id of ids) {
      if ((open.get(id) ?? 0) > 0) concurrentIds.push(id);
      open.set(id, (open.get(id) ?? 0) + 1);
    }
    openRequests++;
    maxConcurrentRequests = Math.max(maxConcurrentRequests, openRequests);
    try {
      return await act(await behave(entry, requests.length - 1), body, request.signal);
    } finally {
      openRequests--;
      for (const id of ids) open.set(id, open.get(id)! - 1);
    }
  };

  return {
    fetch: fetch as typeof globalThis.fetch,
    stored,
    commits,
    requests,
    concurrentIds,
    get maxConcurrentRequests() {
      return maxConcurrentRequests;
    },
  };
}
