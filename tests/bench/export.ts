/**
 * `npm run bench:export [-- --n 1000000]`: how fast, and in how little memory, a large store becomes training sets.
 *
 * 1. seed: N annotations (five per suggestion: a preference, an adoption, relevance labels and a rationale or gap
 *    report), N/5 suggestions with tickets, 8 snippets of a 2,000-passage knowledge base and two candidates, and gate
 *    results for 30% of the annotations, inserted straight into a fresh SQLite file with batched prepared
 *    statements (not timed).
 * 2. raw, in a fresh process: a scan of the same rows in the export's order (same index) with JSON.parse of each
 *    payload.
 * 3. export, in another fresh process: every format of one batch over the whole window (writeBatch: the suggestion
 *    join, gate verdicts, rationales, prompts, redaction, gzip, hashing), written to a temp folder.
 *
 * Prints one JSON object: annotations per second of both, `ratio` (export / raw; goal ≥ 0.3), output records, and
 * the peak RSS while exporting (sampled every 20 ms, and the process's maxRSS; goal < 256 MB). `export_cpu_s` is the
 * CPU time of the export on all threads (gzip runs on the thread pool): steadier than the wall clock on a shared
 * machine, and equal to it when only one core is free.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import SQLite from 'better-sqlite3';
import { EXPORT_KINDS, type ExportManifest, SCHEMA_VERSION, uuidv7 } from '../../shared/index.ts';
import { writeBatch } from '../../backend/exports/batch.ts';
import { openStore } from '../../backend/store/connect.ts';
import { prng } from '../../backend/prng.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    'page-size': { type: 'string' },
    keep: { type: 'boolean', default: false },
    measure: { type: 'string' },
    phase: { type: 'string', default: 'export' },
  },
});
const N = Number(values.n);
if (!Number.isInteger(N) || N < 5) {
  console.error('Usage: npm run bench:export [-- --n 1000000] [--page-size N] [--keep]');
  process.exit(2);
}
const TENANT = 'bench';
const PER_SUGGESTION = 5;
const PASSAGES = 2_000;
const random = prng(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

// A lexicon of 3,000 made-up words drawn with a Zipf-like skew, so text compresses about as real text does.
const SYLLABLES =
  'ba be bi bo bu da de di do du ka ke ki ko ku la le li lo lu ma me mi mo mu na ne ni no nu ra re ri ro ru sa se si so su ta te ti to tu'.split(' ');
const LEXICON = Array.from(
  { length: 3_000 },
  (_, i) =>
    Array.from({ length: 2 + (i % 3) }, (_, j) => SYLLABLES[(i * 7 + j * 13 + ((i * j) % 11)) % SYLLABLES.length]).join('') + (i % 5 ? '' : 's'),
);
const word = () => LEXICON[Math.floor(LEXICON.length * random() ** 2.5)]!;
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');
/** Gap topics: several agents report the same one, in their own words around it. */
const TOPICS = Array.from({ length: 4_000 }, () => sentence(4));

// The parent seeds; fresh child processes (`--measure FILE --phase raw|export`) scan and export.
const dir = values.measure ? dirname(values.measure) : mkdtempSync(join(tmpdir(), 'aitl-bench-export-'));
const file = values.measure ?? join(dir, 'bench.db');

function seed(): { suggestions: number; seconds: number } {
  const started = performance.now();
  const passages = Array.from({ length: PASSAGES }, (_, i) =>
    JSON.stringify({
      snippetId: `kb-${i}#s`,
      articleId: `kb-${i}`,
      title: `How to ${sentence(3)}`,
      text: `${sentence(45)}. Call 0800 123 456 within 14 days.`,
      url: `/kb/articles/kb-${i}`,
      score: 1,
      rank: 0,
    }),
  );
  const db = new SQLite(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertSuggestion = db.prepare(
    'INSERT INTO suggestions (id, tenant, agent, host, ticket_id, query, snippets, candidates, model_version, index_version, created_at, ticket) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertAnnotation = db.prepare(
    'INSERT INTO annotations (tenant, id, kind, suggestion_id, ticket_id, host, agent, payload, payload_hash, client_time, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertGate = db.prepare('INSERT INTO gate_results (tenant, annotation_id, run_id, weight, reasons, decided_at) VALUES (?, ?, ?, ?, ?, ?)');
  const suggestions = Math.ceil(N / PER_SUGGESTION);
  const start = Date.parse('2026-10-01T00:00:00.000Z');
  const step = (30 * 86_400_000) / N;
  let written = 0;
  const chunk = db.transaction((from: number, to: number) => {
    for (let s = from; s < to && written < N; s++) {
      const at = start + written * step;
      const id = uuidv7(at);
      const ticketId = String(100_000 + s);
      const shown = Array.from({ length: 8 }, (_, r) => passages[(s * 7 + r * 13) % PASSAGES]!.replace('"rank":0', `"rank":${r + 1}`));
      const candidates = [0, 1].map((c) => ({
        candidateId: `${id}:${c}`,
        variantId: c ? 'extractive-detailed@1' : 'extractive-concise@1',
        text: `Hi, ${sentence(40)}.`,
        citations: [`kb-${(s * 7) % PASSAGES}#s`],
      }));
      const ticket = {
        host: 'demo',
        ticketId,
        subject: sentence(4),
        messages: [
          { role: 'customer', text: `${sentence(25)}?` },
          { role: 'agent', text: sentence(15) },
          { role: 'customer', text: `${sentence(20)}, thanks` },
        ],
      };
      insertSuggestion.run(
        id,
        TENANT,
        'agent-1',
        'demo',
        ticketId,
        sentence(6),
        `[${shown.join(',')}]`,
        JSON.stringify(candidates),
        'builtin-extractive@1',
        'bm25f@bench',
        new Date(at).toISOString(),
        JSON.stringify(ticket),
      );
      const outcome = pick(['verbatim', 'verbatim', 'edited', 'edited', 'rejected', 'ignored'] as const);
      const adoptionId = uuidv7(at + 2);
      const kinds = [
        'preference',
        'adoption',
        'relevance',
        'relevance',
        outcome === 'edited' || outcome === 'rejected' ? 'rationale' : random() < 0.25 ? 'missing_knowledge' : 'relevance',
      ];
      for (let k = 0; k < kinds.length && written < N; k++, written++) {
        const t = at + k + 1;
        const aid = k === 1 ? adoptionId : uuidv7(t);
        const base = {
          id: aid,
          schemaVersion: SCHEMA_VERSION,
          tenant: TENANT,
          agent: `agent-${s % 40}`,
          host: 'demo',
          ticketId,
          suggestionId: id,
          modelVersion: 'builtin-extractive@1',
          indexVersion: 'bm25f@bench',
          clientTime: new Date(t).toISOString(),
        };
        const rank = k === 2 ? 1 + (s % 4) : 5 + (s % 4);
        const extra =
          kinds[k] === 'preference'
            ? {
                kind: 'preference',
                choice: pick(['left', 'right', 'left', 'tie']),
                strength: 'clear',
                leftCandidateId: `${id}:0`,
                rightCandidateId: `${id}:1`,
                leftVariantId: 'extractive-concise@1',
                rightVariantId: 'extractive-detailed@1',
              }
            : kinds[k] === 'adoption'
              ? {
                  kind: 'adoption',
                  outcome,
                  ...(outcome === 'ignored' ? {} : { candidateId: `${id}:0`, variantId: 'extractive-concise@1' }),
                  sentText: `Hello, ${sentence(35)}.`,
                  ...(outcome === 'ignored' ? {} : { similarity: outcome === 'verbatim' ? 1 : 0.7 }),
                }
              : kinds[k] === 'rationale'
                ? { kind: 'rationale', adoptionId, reasons: [pick(['incomplete', 'outdated', 'wrong_tone'])], note: sentence(8) }
                : kinds[k] === 'missing_knowledge'
                  ? {
                      kind: 'missing_knowledge',
                      description: `No article about ${TOPICS[Math.floor(TOPICS.length * random() ** 2)]!} ${sentence(2)}`,
                      ...(random() < 0.3 ? { proposedTitle: sentence(3) } : {}),
                    }
                  : {
                      kind: 'relevance',
                      snippetId: `kb-${(s * 7 + (rank - 1) * 13) % PASSAGES}#s`,
                      articleId: `kb-${(s * 7 + (rank - 1) * 13) % PASSAGES}`,
                      rank,
                      label: k === 2 ? 'relevant' : 'irrelevant',
                    };
        const receivedAt = new Date(t + 500).toISOString();
        insertAnnotation.run(
          TENANT,
          aid,
          kinds[k],
          id,
          ticketId,
          'demo',
          base.agent,
          JSON.stringify({ ...base, ...extra }),
          aid,
          base.clientTime,
          null,
          receivedAt,
        );
        if (random() < 0.3) insertGate.run(TENANT, aid, 'run-bench', random() < 0.2 ? 0.5 : 1, '[]', receivedAt);
      }
    }
  });
  for (let s = 0; s < suggestions; s += 5_000) chunk(s, s + 5_000);
  db.close();
  return { suggestions, seconds: (performance.now() - started) / 1000 };
}

function rawScan(): { rows: number; seconds: number } {
  const db = new SQLite(file, { readonly: true });
  const started = performance.now();
  let rows = 0;
  const statement = db.prepare(
    'SELECT id, suggestion_id, payload, received_at FROM annotations WHERE tenant = ? ORDER BY suggestion_id, received_at, id',
  );
  for (const row of statement.iterate(TENANT) as IterableIterator<{ payload: string }>) {
    if (JSON.parse(row.payload).id) rows++;
  }
  const seconds = (performance.now() - started) / 1000;
  db.close();
  return { rows, seconds };
}

async function exportAll() {
  const store = await openStore(file);
  const out = join(dir, 'out');
  mkdirSync(out, { recursive: true });
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const manifest = await writeBatch(
      store.db,
      {
        batchId: uuidv7(),
        tenant: TENANT,
        createdAt: new Date().toISOString(),
        createdBy: 'bench',
        window: { from: null, to: '2027-01-01T00:00:00.000Z' },
        request: { kinds: [...EXPORT_KINDS], filters: {}, archive: 'tar.gz' },
      },
      out,
      { pageSize: values['page-size'] === undefined ? undefined : Number(values['page-size']) },
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return { manifest, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rssBefore: before, peakRss: Math.max(peak, process.memoryUsage().rss) };
  } finally {
    clearInterval(sampler);
    await store.close();
  }
}

async function measure(): Promise<void> {
  if (values.phase === 'raw') {
    console.log(JSON.stringify({ raw: rawScan() }));
    return;
  }
  const exported = await exportAll();
  console.log(
    JSON.stringify({
      seconds: exported.seconds,
      cpuSeconds: exported.cpuSeconds,
      manifest: exported.manifest,
      rssBefore: exported.rssBefore,
      peakRss: exported.peakRss,
      maxRss: process.resourceUsage().maxRSS * 1024,
    }),
  );
}

/** Runs this file again as `--measure FILE --phase P` and answers the JSON it prints last. */
function child(phase: 'raw' | 'export'): Record<string, unknown> {
  const args = [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--measure',
    file,
    '--phase',
    phase,
    '--n',
    String(N),
    ...(values['page-size'] === undefined ? [] : ['--page-size', values['page-size']]),
  ];
  const printed = execFileSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(printed.trim().split('\n').pop()!) as Record<string, unknown>;
}

if (values.measure) {
  await measure();
} else {
  const migrated = await openStore(file);
  await migrated.close();
  const seeded = seed();
  // Each in a fresh process: the export's memory is its own, and neither warms the other's caches.
  const { raw } = child('raw') as { raw: { rows: number; seconds: number } };
  const m = {
    raw,
    ...(child('export') as { seconds: number; cpuSeconds: number; manifest: ExportManifest; rssBefore: number; peakRss: number; maxRss: number }),
  };
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  const read = m.manifest.counts.read ?? 0;
  const rawRate = m.raw.rows / m.raw.seconds;
  const exportRate = read / m.seconds;
  const peak = Math.max(m.peakRss, m.maxRss);
  console.log(
    JSON.stringify({
      bench: 'export',
      annotations: N,
      suggestions: seeded.suggestions,
      seed_s: Math.round(seeded.seconds * 10) / 10,
      raw_scan_s: Math.round(m.raw.seconds * 100) / 100,
      raw_records_per_s: Math.round(rawRate),
      export_s: Math.round(m.seconds * 100) / 100,
      export_cpu_s: Math.round(m.cpuSeconds * 100) / 100,
      export_records_per_s: Math.round(exportRate),
      ratio: Math.round((exportRate / rawRate) * 1000) / 1000,
      output_records: m.manifest.files.reduce((sum, f) => sum + f.records, 0),
      output_bytes: m.manifest.files.reduce((sum, f) => sum + f.bytes, 0),
      files: Object.fromEntries(m.manifest.files.map((f) => [f.path, f.records])),
      rss_before_export_mb: mb(m.rssBefore),
      peak_rss_mb: mb(peak),
      goals: { ratio_min: 0.3, peak_rss_mb_max: 256 },
      met: { ratio: exportRate / rawRate >= 0.3, peak_rss: mb(peak) < 256 },
    }),
  );
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
