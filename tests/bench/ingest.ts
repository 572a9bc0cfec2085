/**
 * `npm run bench:ingest [-- --items 20000]`: how fast signals get in.
 *
 * 1. api: N valid annotations (every kind, some with personal data to redact) posted in batches of 100 through
 *    POST /v1/annotations:batch in-process (`app.request`: auth with a real key, body limit, JSON and zod parsing,
 *    hashing, redaction, one transaction per batch with ON CONFLICT DO NOTHING) into a fresh SQLite file.
 * 2. raw: the very rows the API stored, inserted into another fresh SQLite file (same migrations, same pragmas)
 *    with one better-sqlite3 prepared statement, one transaction per 100 rows: the floor of what the disk allows.
 *    The two run in alternating rounds of 20 batches, so load from elsewhere on the machine hits both alike.
 *
 * Prints one JSON line: rates in annotations per second and `ratio` = api / raw. Building the request bodies is
 * not timed; everything the server does with them is.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rawSqlite } from './raw-sqlite.ts';
import { pino } from 'pino';
import { type Annotation, type AnnotationKind, LIMITS, SCHEMA_VERSION, type SyncResponse, uuidv7 } from '../../shared/index.ts';
import { createApp } from '../../backend/app.ts';
import { loadConfig } from '../../backend/config.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { openStore } from '../../backend/store/connect.ts';
import type { AnnotationRow } from '../../backend/store/schema.ts';

const { values } = parseArgs({ options: { items: { type: 'string', default: '20000' } } });
const total = Number(values.items);
if (!Number.isInteger(total) || total < 1) {
  console.error('Usage: npm run bench:ingest [-- --items N]');
  process.exit(2);
}
const BATCH = LIMITS.batchItems;
const TENANT = 'bench';
const KINDS: AnnotationKind[] = ['preference', 'adoption', 'relevance', 'relevance', 'relevance', 'rationale', 'adoption', 'missing_knowledge'];

function annotation(i: number, at: number): Annotation {
  const base = {
    id: uuidv7(at),
    schemaVersion: SCHEMA_VERSION,
    tenant: TENANT,
    agent: `agent-${i % 40}`,
    host: 'demo',
    ticketId: String(1000 + Math.floor(i / 6)),
    suggestionId: uuidv7(at - 5_000),
    modelVersion: 'builtin-extractive@1',
    indexVersion: 'bm25f@bench',
    clientTime: new Date(at).toISOString(),
  } as const;
  const kind = KINDS[i % KINDS.length]!;
  switch (kind) {
    case 'preference':
      return {
        ...base,
        kind,
        choice: i % 3 === 0 ? 'right' : 'left',
        strength: 'clear',
        leftCandidateId: 's:0',
        rightCandidateId: 's:1',
        leftVariantId: 'extractive-concise@1',
        rightVariantId: 'extractive-detailed@1',
      };
    case 'adoption':
      return {
        ...base,
        kind,
        outcome: 'edited',
        candidateId: 's:0',
        variantId: 'extractive-concise@1',
        sentText:
          `Hi Ada,\n\nSorry to hear your lamp arrived with a cracked base (order JV-${20517342 + i}, placed 2026-11-20). ` +
          'Please send a photo of the damage and the box to our team and we will refund the full $49.00 within 5 working days. ' +
          (i % 10 === 0
            ? 'You can also call us on +44 20 7946 0958 or write to ada.lovelace@example.com. '
            : 'You do not need to send the lamp back. ') +
          'Let me know if there is anything else I can help with.',
        similarity: 0.87,
      };
    case 'relevance':
      return {
        ...base,
        kind,
        snippetId: `damaged-or-defective-items#s${i % 8}`,
        articleId: 'damaged-or-defective-items',
        rank: 1 + (i % 8),
        label: i % 4 === 0 ? 'irrelevant' : 'relevant',
      };
    case 'rationale':
      return {
        ...base,
        kind,
        adoptionId: uuidv7(at - 1_000),
        reasons: ['incomplete', 'wrong_tone'],
        note: 'Missed that damaged items need no return; tone too formal.',
      };
    case 'missing_knowledge':
      return {
        ...base,
        kind,
        description: 'No article explains how to replace the bulb of the ceramic table lamp, customers ask weekly.',
        proposedTitle: 'Replacing lamp bulbs',
      };
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
const dir = mkdtempSync(join(tmpdir(), 'aitl-bench-ingest-'));
try {
  // 1. Through the API: a fresh SQLite store, an agent key, the request bodies built up front.
  const apiFile = join(dir, 'api.db');
  const store = await openStore(apiFile);
  const config = { ...loadConfig({ AITL_DATABASE_URL: apiFile, AITL_AUTH: 'required', AITL_LOG_LEVEL: 'silent' }), demo: false };
  const app = createApp({ config, store, knowledge: await createKnowledge(store.db), logger: pino({ level: 'silent' }) });
  const { key } = await createApiKey(store.db, { tenant: TENANT, role: 'agent', name: 'bench' });
  const start = Date.now() - total * 10;
  const bodies: string[] = [];
  for (let i = 0; i < total; i += BATCH) {
    const items = Array.from({ length: Math.min(BATCH, total - i) }, (_, j) => annotation(i + j, start + (i + j) * 10));
    bodies.push(JSON.stringify({ items, sentAt: new Date().toISOString() }));
  }
  let accepted = 0;
  let apiMs = 0;
  let rawMs = 0;

  // 2. Raw: another file with the same migrations and pragmas, one prepared statement, a transaction per 100 rows.
  const rawFile = join(dir, 'raw.db');
  await (await openStore(rawFile)).close();
  const { db: raw, insertAnnotation: insert } = rawSqlite(rawFile);
  const insertMany = raw.transaction((chunk: AnnotationRow[]) => {
    for (const row of chunk) insert.run(row);
  });

  // The two take turns, a round of 20 batches each, so that whatever else the machine is doing weighs on both alike.
  const ROUND = 20;
  for (let b = 0; b < bodies.length; b += ROUND) {
    const turn = bodies.slice(b, b + ROUND);
    const apiStarted = performance.now();
    for (const body of turn) {
      // As a real HTTP client sends it (@hono/node-server passes Content-Length on), so the body limit is checked
      // from the header rather than by counting a stream.
      const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${key}` };
      const response = await app.request('/v1/annotations:batch', { method: 'POST', headers, body });
      if (response.status !== 200) throw new Error(`batch answered ${response.status}: ${await response.text()}`);
      // The client's own validation of the answer is not the server's cost: count, don't parse with zod.
      const { results } = (await response.json()) as SyncResponse;
      for (const r of results) if (r.status === 'accepted') accepted++;
    }
    apiMs += performance.now() - apiStarted;

    // The very rows the API just stored (reading them back is not timed).
    const ids = turn.flatMap((body) => (JSON.parse(body) as { items: { id: string }[] }).items.map((a) => a.id));
    const rows = await store.db.selectFrom('annotations').selectAll().where('id', 'in', ids).orderBy('received_at').orderBy('id').execute();
    if (rows.length !== ids.length) throw new Error(`read back ${rows.length} of ${ids.length} rows`);
    const rawStarted = performance.now();
    for (let i = 0; i < rows.length; i += BATCH) insertMany(rows.slice(i, i + BATCH));
    rawMs += performance.now() - rawStarted;
  }
  if (accepted !== total) throw new Error(`only ${accepted} of ${total} annotations were accepted`);
  await store.close();
  const rawCount = (raw.prepare('SELECT count(*) AS n FROM annotations').get() as { n: number }).n;
  raw.close();
  if (rawCount !== total) throw new Error(`raw insert stored ${rawCount} of ${total} rows`);

  const apiRate = total / (apiMs / 1000);
  const rawRate = total / (rawMs / 1000);
  console.log(
    JSON.stringify({
      items: total,
      batch: BATCH,
      store: 'sqlite',
      api_ms: round(apiMs),
      raw_ms: round(rawMs),
      api_per_s: Math.round(apiRate),
      raw_per_s: Math.round(rawRate),
      ratio: round(apiRate / rawRate),
      rss_mb: round(process.memoryUsage().rss / 2 ** 20),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
