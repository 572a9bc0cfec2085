/**
 * One full flywheel cycle on a slice of DSTC11 (a real, human-labelled help-desk data set), on both store dialects:
 * suggestions made by the pipeline for 300 training-split conversations, agents' relevance checks taken from the
 * qrels (plus a few preferences between the two candidates and a rapid-fire sweep the gate must down-weight), then
 * `runFlywheelCycle`. The learned ranking must be promoted, served, named by new suggestions, listed by
 * `aitl flywheel status --tenant acme` and undone by `aitl flywheel rollback ranking-default --tenant acme`; the
 * versions are acme's only (the default tenant, on the same knowledge, keeps the default ranking).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import { loadConfig } from '../../backend/config.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { loadBeirQueries } from '../../backend/eval/beir-queries.ts';
import { flywheelCommand } from '../../backend/cli/flywheel.ts';
import { type CycleReport, runFlywheelCycle } from '../../backend/flywheel/cycle.ts';
import { currentVersion, listVersions } from '../../backend/models/registry.ts';
import { importKnowledge } from '../../backend/kb/import.ts';
import { indexVersion } from '../../backend/rag/knowledge-index.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { suggestReplies } from '../../backend/rag/suggest.ts';
import { createDeps } from '../../backend/deps.ts';
import { payloadHash, storeAnnotations } from '../../backend/store/annotations.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { findSuggestion, saveSuggestion } from '../../backend/store/suggestions.ts';
import { type Annotation, SCHEMA_VERSION, SuggestionResponse, uuidv7 } from '../../shared/index.ts';
import { databaseUrl, DIALECTS, isolateAitlEnv, type TestDatabase, useDatabase } from './dialects.ts';

const DATASET = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'dstc11');
const TRAIN_QUERIES = 300;
const TENANT = 'acme';
const AGENTS = ['ana', 'ben', 'chloe', 'dev', 'eli'];
/** Suggestions whose eight checks one agent swept through in under a second. */
const SWEPT = 5;

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

isolateAitlEnv();

/** A small BEIR folder of test-split queries, for the cycle's regression set (no corpus needed to score it). */
function regressionSet(queries: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'aitl-fw-beir-'));
  dirs.push(dir);
  const test = readFileSync(join(DATASET, 'qrels', 'test.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const ids = [...new Set(test.map((l) => l.split('\t')[0]!))].slice(0, queries);
  const keep = new Set(ids);
  mkdirSync(join(dir, 'qrels'));
  writeFileSync(join(dir, 'qrels', 'test.tsv'), ['query-id\tcorpus-id\tscore', ...test.filter((l) => keep.has(l.split('\t')[0]!))].join('\n'));
  const lines = readFileSync(join(DATASET, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && keep.has((JSON.parse(l) as { _id: string })._id));
  writeFileSync(join(dir, 'queries.jsonl'), lines.join('\n'));
  return dir;
}

async function depsFor(database: TestDatabase): Promise<AppDeps> {
  const logger = pino({ level: 'silent' });
  const config = loadConfig({ AITL_DATABASE_URL: database.url, AITL_DEMO: 'false', AITL_LOG_LEVEL: 'silent', AITL_PORT: '0' });
  if (database.dialect === 'sqlite') {
    const deps = await createDeps(config, logger);
    database.track(deps.store);
    // Into the shared base, which serves every tenant without its own (acme, the default tenant).
    await importKnowledge(deps.store.db, DATASET);
    await deps.knowledge.reload(config.defaultTenant);
    return deps;
  }
  // createDeps cannot name a PostgreSQL schema: build the same by hand.
  const store = await database.open();
  await importKnowledge(store.db, DATASET);
  return { config, store, logger, knowledge: await createKnowledge(store.db, { mode: config.knowledge }) };
}

function base(s: SuggestionResponse, agent: string, ticketId: string, at: number) {
  return {
    id: uuidv7(at),
    schemaVersion: SCHEMA_VERSION,
    tenant: TENANT,
    agent,
    host: 'beir',
    ticketId,
    suggestionId: s.suggestionId,
    modelVersion: s.modelVersion,
    indexVersion: s.indexVersion,
    clientTime: new Date(at).toISOString(),
  } as const;
}

/**
 * Suggestions for the first training-split conversations, each saved with its ticket, and agents' checks of the
 * shown snippets from the qrels. Every tenth suggestion also gets a preference between its two candidates; the
 * last few are swept through by one agent in under a second.
 */
async function seed(deps: AppDeps): Promise<{ suggestions: number; annotations: number; preferences: number }> {
  const queries = loadBeirQueries(DATASET, 'train').slice(0, TRAIN_QUERIES);
  let t = Date.parse('2026-11-02T08:00:00.000Z');
  let batch: Annotation[] = [];
  let annotations = 0;
  let preferences = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await storeAnnotations(
      deps.store.db,
      TENANT,
      batch.map((annotation) => ({ annotation, hash: payloadHash(annotation) })),
      { sentAt: null, receivedAt: new Date(t).toISOString() },
    );
    expect(outcomes.every((o) => o === 'accepted')).toBe(true);
    annotations += batch.length;
    batch = [];
  };
  for (const [i, q] of queries.entries()) {
    t += 60_000;
    const s = await suggestReplies(await deps.knowledge.of(TENANT), { ticket: q.ticket }, { now: new Date(t) });
    const agent = AGENTS[i % AGENTS.length]!;
    await saveSuggestion(deps.store.db, { tenant: TENANT, agent, host: 'beir', ticketId: q.id }, s, q.ticket);
    const swept = i >= queries.length - SWEPT;
    for (const snippet of s.snippets) {
      t += swept ? 50 : 2_500;
      batch.push({
        ...base(s, agent, q.id, t),
        kind: 'relevance',
        snippetId: snippet.snippetId,
        articleId: snippet.articleId,
        rank: snippet.rank,
        label: q.relevant.has(snippet.articleId) ? 'relevant' : 'irrelevant',
      });
    }
    const [a, b] = s.candidates;
    if (i % 10 === 0 && a && b) {
      // Shown in either order; the first candidate's variant wins three in four decided, ties and both-bad mixed in.
      const flip = (i / 10) % 2 === 1;
      const [left, right] = flip ? [b, a] : [a, b];
      const outcome = (i / 10) % 6;
      const firstWins = outcome < 3;
      const choice = outcome === 4 ? 'tie' : outcome === 5 ? 'both_bad' : firstWins === !flip ? 'left' : 'right';
      t += 4_000;
      batch.push({
        ...base(s, agent, q.id, t),
        kind: 'preference',
        choice,
        strength: 'clear',
        leftCandidateId: left.candidateId,
        rightCandidateId: right.candidateId,
        leftVariantId: left.variantId,
        rightVariantId: right.variantId,
      });
      preferences += 1;
    }
    if (batch.length >= 400) await flush();
  }
  await flush();
  return { suggestions: queries.length, annotations, preferences };
}

describe.each(DIALECTS)('flywheel cycle on a DSTC11 slice on $name', (dialect) => {
  let database: TestDatabase;
  let deps: AppDeps;
  let app: Hono;
  let seeded: Awaited<ReturnType<typeof seed>>;
  let report: CycleReport;
  let defaultVersion: string;
  /** An agent key of TENANT: the suggestions over HTTP are acme's, served what acme's signals trained. */
  let agentKey: string;
  /** The index serving TENANT now. */
  const served = () => deps.knowledge.of(TENANT);

  useDatabase(dialect, async (db) => {
    database = db;
    deps = await depsFor(db);
    app = createApp(deps);
    defaultVersion = (await served()).version;
    agentKey = (await createApiKey(deps.store.db, { tenant: TENANT, role: 'agent' })).key;
  });

  async function cli(args: string[]) {
    process.env.AITL_DATABASE_URL = databaseUrl(database);
    process.env.AITL_LOG_LEVEL = 'silent';
    process.env.AITL_DEMO = 'false';
    const out: string[] = [];
    const err: string[] = [];
    const code = await flywheelCommand(
      args,
      (l) => out.push(l),
      (l) => err.push(l),
    );
    return { code, out, err: err.join('\n') };
  }

  /** A suggestion over HTTP as an agent of TENANT, or with `key: null` without a key (the default tenant's). */
  async function suggestOverHttp(text: string, key: string | null = agentKey) {
    const ticket = { host: 'demo', ticketId: `new-${Math.random().toString(36).slice(2)}`, messages: [{ role: 'customer', text }] };
    const headers = { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) };
    const response = await app.request('/v1/suggestions', { method: 'POST', headers, body: JSON.stringify({ ticket }) });
    expect(response.status).toBe(200);
    const s = SuggestionResponse.parse(await response.json());
    const stored = await findSuggestion(deps.store.db, s.suggestionId);
    expect(stored?.indexVersion).toBe(s.indexVersion);
    return s;
  }

  it('starts from the default ranking over the imported corpus', async () => {
    const index = await served();
    expect(index.base).toBe('*');
    expect(index.passages.length).toBeGreaterThan(4_000);
    expect(index.feedback.versionId).toBe('ranking-default');
    expect(index.version).toBe(indexVersion(index.importId));
    expect(await currentVersion(deps.store.db, TENANT, 'ranking')).toBeUndefined();
    const s = await suggestOverHttp('Does the Acorn Guest House have free wifi?');
    expect(s.indexVersion).toBe(defaultVersion);
    // `aitl flywheel run` with no tenant named and no signals stored has nothing to learn from.
    const idle = await cli(['run']);
    expect(idle.code).toBe(0);
    expect(idle.err).toMatch(/^No signals stored yet/);
    expect(idle.out).toEqual([]);
  });

  it('runs a cycle over the checks: gate, train, evaluate on held-out checks and a regression set, promote', { timeout: 60_000 }, async () => {
    seeded = await seed(deps);
    expect(seeded.annotations).toBe(seeded.suggestions * 8 + seeded.preferences);
    report = await runFlywheelCycle(deps, { tenant: TENANT, regression: { dir: regressionSet(150), split: 'test' } });
    expect(report.tenant).toBe(TENANT);

    expect(report.annotations).toBe(seeded.annotations);
    expect(report.gate.total).toBe(seeded.annotations);
    // The sweeps were caught (8 checks in under a second, five times); nothing else was set aside.
    expect(report.gate.byRule.rapid_fire).toBe(SWEPT * 8);
    expect(report.gate.reduced).toBeGreaterThanOrEqual(SWEPT * 8);
    expect(report.gate.setAside).toBe(0);

    const ranking = report.ranking;
    expect(ranking.parent).toBe('ranking-default');
    // The candidate learns from every check; every check with something relevant is scored once, out of fold.
    expect(ranking.trainQueries).toBe(TRAIN_QUERIES);
    expect(ranking.heldOutQueries).toBeGreaterThan(TRAIN_QUERIES * 0.9);
    expect(ranking.heldOutQueries).toBeLessThanOrEqual(TRAIN_QUERIES);
    expect(ranking.comparisons.map((c) => c.set)).toEqual([
      '5-fold cross-validated checks',
      'article titles asked as questions (full rankings, memory aside)',
      expect.stringMatching(/^regression set .+ \(test\)$/),
    ]);
    expect(ranking.comparisons[0]!.n).toBe(ranking.heldOutQueries);
    expect(ranking.comparisons[1]!.n).toBeGreaterThan(1000);
    expect(ranking.comparisons[2]!.n).toBe(150);
    expect(ranking.decision, ranking.reason).toBe('promoted');
    expect(ranking.reason).toMatch(/^5-fold cross-validated checks \(\d+ queries\) ndcg@10 [\d.]+ → [\d.]+ .*nothing regresses/);
    const heldOut = ranking.comparisons[0]!.metrics['ndcg@10'];
    expect(heldOut.candidate).toBeGreaterThan(heldOut.current);
    expect(report.status).toBe('promoted');
    expect(ranking.versionId).toMatch(/^ranking-/);
    expect(report.variants.preferences).toBe(seeded.preferences);
    expect(['promoted', 'kept']).toContain(report.variants.decision);
  });

  it('records the run, its report and every gate decision', async () => {
    const runs = await deps.store.db.selectFrom('flywheel_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    expect(run.id).toBe(report.runId);
    expect(run.tenant).toBe(TENANT);
    expect(run.status).toBe('promoted');
    expect(run.finished_at).not.toBeNull();
    const summary = JSON.parse(run.summary) as CycleReport;
    expect(summary.ranking.versionId).toBe(report.ranking.versionId);
    expect(summary.ranking.decision).toBe('promoted');
    expect(summary.indexVersion).toBe(report.indexVersion);

    const gate = await deps.store.db.selectFrom('gate_results').selectAll().execute();
    expect(gate).toHaveLength(seeded.annotations);
    expect(gate.every((g) => g.run_id === report.runId && g.tenant === TENANT)).toBe(true);
    const fast = gate.filter((g) => g.weight < 1);
    expect(fast.length).toBeGreaterThanOrEqual(SWEPT * 8);
    const reasons = fast.flatMap((g) => JSON.parse(g.reasons) as { rule: string }[]).map((r) => r.rule);
    expect(reasons.filter((r) => r === 'rapid_fire')).toHaveLength(SWEPT * 8);
  });

  it('keeps the promoted ranking in the registry: one promoted version, its parent, inputs and metrics', async () => {
    const versions = await listVersions(deps.store.db, TENANT, { kind: 'ranking' });
    expect(versions).toHaveLength(1);
    const v = versions[0]!;
    expect(v).toMatchObject({
      tenant: TENANT,
      id: report.ranking.versionId,
      status: 'promoted',
      parent: 'ranking-default',
      runId: report.runId,
      reason: report.ranking.reason,
    });
    // The promoted version learned from every check; the next cycle scores only checks after trainedThrough.
    expect(v.inputs).toMatchObject({
      queries: report.ranking.trainQueries,
      trainQueries: TRAIN_QUERIES,
      heldOutQueries: report.ranking.heldOutQueries,
      trainedThrough: expect.any(String),
    });
    expect((v.metrics as { comparisons: unknown[] }).comparisons).toHaveLength(3);
    expect(v).not.toHaveProperty('artefact');
    const current = await currentVersion<{ reranker: { features: string[] }; expansions: Record<string, string[]> }>(
      deps.store.db,
      TENANT,
      'ranking',
    );
    expect(current?.id).toBe(v.id);
    expect(current!.artefact.reranker.features).toEqual(expect.arrayContaining(['prior', 'expansion', 'rejection']));
    expect(Object.keys(current!.artefact.expansions).length).toBeGreaterThan(100);
    const variants = await listVersions(deps.store.db, TENANT, { kind: 'variants' });
    expect(variants).toHaveLength(1);
    expect(variants[0]!.id).toBe(report.variants.versionId);
    // Another tenant (here the default one) has none: acme's signals trained acme's versions only.
    expect(await listVersions(deps.store.db, deps.config.defaultTenant)).toEqual([]);
    expect(await currentVersion(deps.store.db, deps.config.defaultTenant, 'ranking')).toBeUndefined();
  });

  it('serves the promoted ranking: the index names it, and new suggestions record it', async () => {
    const id = report.ranking.versionId!;
    const index = await served();
    expect(index.feedback.versionId).toBe(id);
    expect(index.version).toContain(`+rerank-${id}@${index.importId}`);
    expect(index.version).toBe(report.indexVersion);
    expect(index.version).not.toBe(defaultVersion);
    expect(index.version.length).toBeLessThanOrEqual(128);
    const s = await suggestOverHttp('Does the Acorn Guest House have free wifi?');
    expect(s.indexVersion).toBe(index.version);
    expect(s.indexVersion).toContain(id);
    // A second process sharing the store builds the same index.
    const other = await createKnowledge(deps.store.db);
    expect((await other.of(TENANT)).version).toBe(index.version);
    // The default tenant, reading the same knowledge base, is still served the default ranking.
    expect((await deps.knowledge.of(deps.config.defaultTenant)).feedback.versionId).toBe('ranking-default');
    expect((await suggestOverHttp('Does the Acorn Guest House have free wifi?', null)).indexVersion).toBe(defaultVersion);
  });

  it('`aitl flywheel status --json` lists the promoted version as current, with the run', async () => {
    const { code, out, err } = await cli(['status', '--tenant', TENANT, '--json']);
    expect(err).toBe('');
    expect(code).toBe(0);
    const status = JSON.parse(out.join('\n')) as {
      current: Record<string, string>;
      versions: { id: string; kind: string; status: string; artefact?: unknown }[];
      runs: { id: string; status: string }[];
    };
    expect(status.current.ranking).toBe(report.ranking.versionId);
    expect(status.current.variants).toBe(report.variants.decision === 'promoted' ? report.variants.versionId : 'variants-default');
    expect(status.versions.find((v) => v.id === report.ranking.versionId)).toMatchObject({ kind: 'ranking', status: 'promoted' });
    expect(status.versions.every((v) => v.artefact === undefined)).toBe(true);
    expect(status.runs).toEqual([expect.objectContaining({ id: report.runId, status: 'promoted' })]);
    const text = await cli(['status', '--tenant', TENANT]);
    expect(text.out).toContain(`current ranking: ${report.ranking.versionId}`);
    // Without --tenant, the default tenant's: nothing trained, no runs.
    const others = JSON.parse((await cli(['status', '--json'])).out.join('\n')) as {
      current: Record<string, string>;
      versions: unknown[];
      runs: unknown[];
    };
    expect(others).toMatchObject({ current: { ranking: 'ranking-default' }, versions: [], runs: [] });
  });

  it('`aitl flywheel rollback ranking-default --tenant acme` restores the default ranking, which the serving index picks up', async () => {
    const id = report.ranking.versionId!;
    // Another tenant's version is not found from the default tenant.
    const elsewhere = await cli(['rollback', id]);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.err).toContain(`No model version "${id}"`);
    const { code, out, err } = await cli(['rollback', 'ranking-default', '--tenant', TENANT]);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toEqual([`ranking of tenant ${TENANT}: ${id} → ranking-default`]);
    expect(await currentVersion(deps.store.db, TENANT, 'ranking')).toBeUndefined();
    expect((await listVersions(deps.store.db, TENANT, { kind: 'ranking' }))[0]).toMatchObject({ id, status: 'rolled_back' });

    // The serving process still ranks with the learned version until it refreshes.
    expect((await served()).feedback.versionId).toBe(id);
    await deps.knowledge.refreshIfStale();
    expect((await served()).feedback.versionId).toBe('ranking-default');
    expect((await served()).version).toBe(defaultVersion);
    const s = await suggestOverHttp('Does the Acorn Guest House have free wifi?');
    expect(s.indexVersion).toBe(defaultVersion);

    // Rolling back to where it already is fails with a message; rolling forward again works.
    const again = await cli(['rollback', 'ranking-default', '--tenant', TENANT]);
    expect(again.code).toBe(1);
    expect(again.err).toBe('ranking-default is already the current ranking version');
    const forward = await cli(['rollback', id, '--tenant', TENANT]);
    expect(forward.code).toBe(0);
    await deps.knowledge.refreshIfStale();
    expect((await served()).feedback.versionId).toBe(id);
  });
});
