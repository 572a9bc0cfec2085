/**
 * `npm run bench:flywheel [-- --n 100000] [--dataset DIR] [--passages 5000] [--seed 42]`: one flywheel cycle over
 * many annotations, end to end. Target: 100,000 annotations in at most 60 s.
 *
 * Seeding (not timed) writes a fresh SQLite store: the knowledge base (a BEIR folder's corpus with --dataset, e.g.
 * ../shared/datasets/dstc11, else the synthetic generator of retrieval-synthetic.ts), then suggestions made by the
 * real pipeline for the dataset's training-split conversations (or the synthetic ones), reused round-robin under new
 * ticket ids, each stored with its ticket, and `--n` annotations about them: per suggestion its 8 shown snippets
 * checked (labels from the qrels or the synthetic target, 3% flipped so agents disagree sometimes), and now and then
 * a preference between its two candidates, an adoption, a rationale or a missing-knowledge report. 40 agents, one of
 * them always picking the left candidate and one sweeping through a tenth of its checks in under a second, so the gate's
 * rules all have work. Rows go in directly with better-sqlite3, a transaction per 1,000 rows.
 *
 * Timed: `runFlywheelCycle` on deps from `createDeps`, as `aitl flywheel run` does (load and gate every annotation,
 * write gate_results, train the ranking and the variant policy, evaluate on held-out checks, decide, reload). Then,
 * separately and for information only, loading the feedback and running the gate alone.
 *
 * Prints one JSON line; `ok` compares the wall-clock `cycle_ms` with the target (`cycle_cpu_ms` and `load_avg_1m`
 * tell whether other work on the machine slowed it down).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { rawSqlite } from './raw-sqlite.ts';
import { type Annotation, redactTicket, SCHEMA_VERSION, type SuggestionResponse, type TicketContext, uuidv7 } from '../../shared/index.ts';
import { loadConfig } from '../../backend/config.ts';
import { loadBeirQueries } from '../../backend/eval/beir-queries.ts';
import { runFlywheelCycle } from '../../backend/flywheel/cycle.ts';
import { loadFeedback } from '../../backend/flywheel/feedback.ts';
import { runGate } from '../../backend/flywheel/gate/index.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { buildIndex } from '../../backend/rag/knowledge-index.ts';
import { suggest } from '../../backend/rag/suggest.ts';
import { createDeps, createLogger } from '../../backend/deps.ts';
import { annotationRow, payloadHash } from '../../backend/store/annotations.ts';
import { openStore } from '../../backend/store/connect.ts';
import { savePassages } from '../../backend/store/passages.ts';
import { prng } from '../../backend/prng.ts';
import { syntheticKb } from './retrieval-synthetic.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dataset: { type: 'string' },
    passages: { type: 'string', default: '5000' },
    seed: { type: 'string', default: '42' },
  },
});
const total = Number(values.n);
const syntheticPassages = Number(values.passages);
const seed = Number(values.seed);
if (!Number.isInteger(total) || total < 1 || !Number.isInteger(syntheticPassages) || syntheticPassages < 10 || !Number.isInteger(seed)) {
  console.error('Usage: npm run bench:flywheel [-- --n 100000] [--dataset DIR] [--passages 5000] [--seed 42]');
  process.exit(2);
}

const TARGET_MS = 60_000;
const TENANT = 'bench';
const AGENTS = 40;
/** Always picks the left candidate (position bias). */
const LEFT_PICKER = 'agent-7';
/** Sweeps through a tenth of its suggestions' checks in under a second (rapid fire). */
const SWEEPER = 'agent-13';
const ROWS_PER_TRANSACTION = 1_000;

interface Conversation {
  ticket: TicketContext;
  /** Whether an agent would judge this article relevant. */
  relevant(articleId: string): boolean;
}

/** The same conversations a real team's agents would have seen: a BEIR training split, or synthetic tickets. */
function conversations(): { conversations: Conversation[]; source: string } {
  if (values.dataset) {
    const queries = loadBeirQueries(values.dataset, 'train');
    if (queries.length === 0) throw new Error(`${values.dataset} has no training-split queries with relevant documents`);
    return { conversations: queries.map((q) => ({ ticket: q.ticket, relevant: (id) => q.relevant.has(id) })), source: values.dataset };
  }
  // About one conversation per suggestion (each has 8 relevance checks and a few other signals): new questions, as
  // real traffic brings, so the evaluation gate has held-out questions training never saw and runs in full.
  const kb = syntheticKb(syntheticPassages, seed, Math.max(2_000, Math.ceil(total / 8)));
  return {
    conversations: kb.tickets.map((ticket, i) => ({ ticket, relevant: (id) => id === kb.targets[i] })),
    source: `synthetic (${syntheticPassages} passages, seed ${seed})`,
  };
}

const round = (n: number) => Math.round(n * 10) / 10;
const dir = mkdtempSync(join(tmpdir(), 'aitl-bench-flywheel-'));
const file = join(dir, 'aitl.db');
try {
  // 1. The knowledge base.
  const store = await openStore(file);
  const importedAt = new Date('2026-10-01T00:00:00.000Z');
  if (values.dataset) {
    await importKnowledge(store.db, values.dataset, { now: importedAt });
  } else {
    const { passages } = syntheticKb(syntheticPassages, seed, 0);
    await savePassages(
      store.db,
      SHARED_KNOWLEDGE,
      { id: 'synthetic', source: 'synthetic', format: 'synthetic', articles: passages.length, createdAt: importedAt.toISOString() },
      passages,
    );
  }
  const passages = await store.db.selectFrom('passages').selectAll().orderBy('id').execute();
  const last = await store.db.selectFrom('kb_imports').select('id').orderBy('created_at', 'desc').executeTakeFirstOrThrow();
  await store.close();
  const index = buildIndex(passages, last.id);

  // 2. Suggestions and annotations, written straight into the file.
  const { conversations: convs, source } = conversations();
  const shown = new Map<number, SuggestionResponse>();
  const random = prng(seed + 1);
  const { db, insertAnnotation, insertSuggestion } = rawSqlite(file);
  type Row = { suggestion: Record<string, unknown> } | { annotation: Record<string, unknown> };
  const writeRows = db.transaction((rows: Row[]) => {
    for (const row of rows) {
      if ('suggestion' in row) insertSuggestion.run(row.suggestion);
      else insertAnnotation.run(row.annotation);
    }
  });
  let pending: Row[] = [];
  const push = (row: Row) => {
    pending.push(row);
    if (pending.length >= ROWS_PER_TRANSACTION) {
      writeRows(pending);
      pending = [];
    }
  };

  const seedStarted = performance.now();
  let annotations = 0;
  let suggestions = 0;
  const counts: Record<string, number> = {};
  let t = Date.parse('2026-10-02T08:00:00.000Z');
  const annotate = (a: Annotation) => {
    if (annotations >= total) return;
    annotations += 1;
    counts[a.kind] = (counts[a.kind] ?? 0) + 1;
    push({
      annotation: annotationRow(a.tenant, a, payloadHash(a), { sentAt: null, receivedAt: new Date(Date.parse(a.clientTime) + 45_000).toISOString() }),
    });
  };
  for (let i = 0; annotations < total; i++) {
    const c = i % convs.length;
    const conversation = convs[c]!;
    let template = shown.get(c);
    if (!template) {
      template = suggest(index, { ticket: conversation.ticket });
      shown.set(c, template);
    }
    t += 20_000 + Math.floor(random() * 40_000);
    const suggestionId = uuidv7(t);
    const ticketId = `${conversation.ticket.ticketId}-${i}`;
    const ticket = { ...conversation.ticket, ticketId };
    const agent = `agent-${i % AGENTS}`;
    const candidates = template.candidates.map((cand, k) => ({ ...cand, candidateId: `${suggestionId}:${k}` }));
    push({
      suggestion: {
        id: suggestionId,
        tenant: TENANT,
        agent,
        host: ticket.host,
        ticket_id: ticketId,
        query: template.query,
        snippets: JSON.stringify(template.snippets),
        candidates: JSON.stringify(candidates),
        model_version: template.modelVersion,
        index_version: template.indexVersion,
        created_at: new Date(t).toISOString(),
        ticket: JSON.stringify(redactTicket(ticket)),
      },
    });
    suggestions += 1;
    let at = t;
    const base = (gap: number) => {
      at += gap;
      return {
        id: uuidv7(at),
        schemaVersion: SCHEMA_VERSION,
        tenant: TENANT,
        agent,
        host: ticket.host,
        ticketId,
        suggestionId,
        modelVersion: template.modelVersion,
        indexVersion: template.indexVersion,
        clientTime: new Date(at).toISOString(),
      } as const;
    };
    const sweep = agent === SWEEPER && random() < 0.1;
    for (const s of template.snippets) {
      let relevant = conversation.relevant(s.articleId);
      if (random() < 0.03) relevant = !relevant;
      const label = relevant ? 'relevant' : random() < 0.05 ? 'partly' : 'irrelevant';
      annotate({
        ...base(sweep ? 60 : 1_500 + Math.floor(random() * 3_000)),
        kind: 'relevance',
        snippetId: s.snippetId,
        articleId: s.articleId,
        rank: s.rank,
        label,
      });
    }
    const [a, b] = candidates;
    if (a && b && random() < 0.25) {
      const flip = random() < 0.5;
      const [left, right] = flip ? [b, a] : [a, b];
      // The first variant is somewhat better; a few ties; one agent always picks left.
      const r = random();
      const winner = r < 0.55 ? a : r < 0.9 ? b : undefined;
      const choice = agent === LEFT_PICKER ? 'left' : winner === undefined ? 'tie' : winner === left ? 'left' : 'right';
      annotate({
        ...base(8_000),
        kind: 'preference',
        choice,
        strength: 'clear',
        leftCandidateId: left.candidateId,
        rightCandidateId: right.candidateId,
        leftVariantId: left.variantId,
        rightVariantId: right.variantId,
      });
    }
    if (a && random() < 0.2) {
      const used = random() < 0.5 ? a : (b ?? a);
      const outcome: 'rejected' | 'verbatim' | 'edited' = random() < 0.2 ? 'rejected' : random() < 0.5 ? 'verbatim' : 'edited';
      const adoption = {
        ...base(30_000),
        kind: 'adoption' as const,
        outcome,
        candidateId: used.candidateId,
        variantId: used.variantId,
        sentText: `${used.text}\n\nKind regards`,
        similarity: outcome === 'verbatim' ? 1 : 0.8,
      };
      annotate(adoption);
      if (outcome !== 'verbatim' && random() < 0.3) {
        annotate({
          ...base(2_000),
          kind: 'rationale',
          adoptionId: adoption.id,
          candidateId: used.candidateId,
          variantId: used.variantId,
          reasons: random() < 0.5 ? ['outdated'] : ['incomplete'],
        });
      }
    }
    if (random() < 0.02) annotate({ ...base(5_000), kind: 'missing_knowledge', description: `No article answers: ${template.query.slice(0, 200)}` });
  }
  if (pending.length) writeRows(pending);
  db.close();
  const seedMs = performance.now() - seedStarted;

  // 3. The cycle, timed end to end.
  const config = loadConfig({ AITL_DATABASE_URL: file, AITL_DEMO: 'false', AITL_LOG_LEVEL: 'silent' });
  const deps = await createDeps(config, createLogger({ logLevel: 'silent' }));
  const started = performance.now();
  const cpu = process.cpuUsage();
  const report = await runFlywheelCycle(deps, { tenant: TENANT });
  const cycleMs = performance.now() - started;
  const cycleCpu = process.cpuUsage(cpu);
  // A cycle that read nothing would time an empty run and still look fast.
  if (report.gate.total !== total) throw new Error(`the cycle gated ${report.gate.total} annotations of the ${total} written`);

  // 4. For information: loading the feedback (incl. the gate), and the gate alone.
  const loadStarted = performance.now();
  const feedback = await loadFeedback(deps.store.db, TENANT);
  const loadMs = performance.now() - loadStarted;
  const gateStarted = performance.now();
  runGate({ items: feedback.items, suggestions: feedback.suggestions });
  const gateMs = performance.now() - gateStarted;
  await deps.store.close();

  console.log(
    JSON.stringify({
      annotations,
      by_kind: counts,
      suggestions,
      passages: passages.length,
      source,
      seed_ms: round(seedMs),
      cycle_ms: round(cycleMs),
      // CPU time of the cycle (user + system, this process): what it costs on an idle machine, whatever else runs.
      cycle_cpu_ms: round((cycleCpu.user + cycleCpu.system) / 1000),
      load_avg_1m: round(loadavg()[0]!),
      load_and_gate_ms: round(loadMs),
      gate_ms: round(gateMs),
      peak_rss_mb: round(process.resourceUsage().maxRSS / 1024),
      decision: report.status,
      ranking: {
        decision: report.ranking.decision,
        reason: report.ranking.reason,
        train_queries: report.ranking.trainQueries,
        held_out_queries: report.ranking.heldOutQueries,
      },
      variants: { decision: report.variants.decision, reason: report.variants.reason },
      gate: report.gate,
      target_ms: TARGET_MS,
      ok: cycleMs <= TARGET_MS,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
