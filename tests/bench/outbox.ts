/**
 * `npm run bench:outbox [-- --items 10000]`: queues annotations in the extension's outbox (IndexedDB via
 * fake-indexeddb, strict-durability transactions as in the browser), then times draining them through the real
 * syncer (ky, batches of ≤ 100 items / 256 kB) to an in-process fake server that answers every item `accepted`.
 * Prints one JSON line: {items, drain_ms, items_per_s, batches}. The filling is not timed.
 */
import 'fake-indexeddb/auto';
import { parseArgs } from 'node:util';
import { OutboxDb } from '../../extension/outbox/db.ts';
import { createOutbox } from '../../extension/outbox/outbox.ts';
import { createSyncer } from '../../extension/outbox/sync.ts';
import type { Annotation } from '../../shared/annotations.ts';
import { uuidv7 } from '../../shared/ids.ts';
import type { ItemResult, SyncBatchOut } from '../../shared/sync.ts';
import { SCHEMA_VERSION } from '../../shared/version.ts';

const { values } = parseArgs({ options: { items: { type: 'string', default: '10000' } } });
const count = Number(values.items);
if (!Number.isInteger(count) || count < 1) {
  console.error('Usage: npm run bench:outbox [-- --items N]');
  process.exit(2);
}

function annotation(i: number): Annotation {
  const at = Date.now();
  return {
    id: uuidv7(at),
    schemaVersion: SCHEMA_VERSION,
    tenant: 'bench',
    agent: 'agent-bench',
    host: 'demo',
    ticketId: String(1000 + (i % 500)),
    suggestionId: uuidv7(at),
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f@bench',
    clientTime: new Date(at).toISOString(),
    kind: 'adoption',
    outcome: i % 3 === 0 ? 'verbatim' : 'edited',
    candidateId: 's:0',
    variantId: 'extractive-concise@1',
    sentText: `Hello, thanks for your patience. Your refund for order #${i} has been issued and should reach your card within 5 business days.`,
    similarity: 0.9,
  };
}

const db = new OutboxDb(`aitl-outbox-bench-${process.pid}`);
const outbox = createOutbox(db);
for (let i = 0; i < count; i++) {
  const result = await outbox.add(annotation(i));
  if (!result.ok) throw new Error(`queueing failed: ${result.message}`);
}

// The server: parse the batch, "commit" each id, answer per item in order.
const stored = new Set<string>();
let requests = 0;
const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
  requests++;
  const body = (await new Request(input, init).json()) as SyncBatchOut;
  const results: ItemResult[] = body.items.map((a) => {
    const status = stored.has(a.id) ? 'duplicate' : 'accepted';
    stored.add(a.id);
    return { id: a.id, status };
  });
  return new Response(JSON.stringify({ results }), { status: 200, headers: { 'content-type': 'application/json' } });
};

const syncer = createSyncer({ outbox, config: async () => ({ baseUrl: 'http://bench.invalid', apiKey: 'bench' }), fetch, locks: null });
const started = performance.now();
const report = await syncer.flush();
const drainMs = performance.now() - started;

const stats = await outbox.stats();
if (report.status !== 'drained' || stats.pending + stats.inflight !== 0 || stored.size !== count || report.accepted !== count) {
  console.error(JSON.stringify({ error: 'the outbox did not drain exactly once', report, stats, stored: stored.size }));
  process.exit(1);
}
db.close();

console.log(
  JSON.stringify({
    items: count,
    drain_ms: Math.round(drainMs),
    items_per_s: Math.round((count / drainMs) * 1000),
    batches: report.batches,
  }),
);
