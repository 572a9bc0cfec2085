/**
 * GET /v1/insights/… on both stores. Signals go in through POST /v1/annotations:batch with agent keys, on days set
 * by a fake clock, so the rollup is written by the path that serves agents; every figure is checked exactly, for
 * two tenants that never see each other's. Runs and versions are stored as the flywheel stores them (one real cycle).
 */
import type { Hono } from 'hono';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { runFlywheelCycle } from '../../backend/flywheel/cycle.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { backfillInsightCounts } from '../../backend/store/insight-counts.ts';
import {
  ActivityInsights,
  AdoptionInsights,
  AgreementInsights,
  type Annotation,
  ErrorEnvelope,
  FlywheelInsights,
  GateInsights,
  PreferenceInsights,
  RelevanceInsights,
  type Role,
  SyncResponse,
} from '../../shared/index.ts';
import { makeAnnotation } from '../helpers/annotations.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const CONCISE = 'extractive-concise@1';
const DETAILED = 'extractive-detailed@1';
const WINDOW = '?from=2026-11-01T00:00:00Z&to=2026-11-15T00:00:00Z';

const pref = (tenant: string, choice: string, left = CONCISE, right = DETAILED, extra: Record<string, unknown> = {}) =>
  makeAnnotation('preference', tenant, { choice, leftVariantId: left, rightVariantId: right, ...extra });
const adoption = (tenant: string, outcome: string, variantId?: string) =>
  makeAnnotation('adoption', tenant, { outcome, variantId, candidateId: variantId ? 's:0' : undefined });
const relevance = (tenant: string, label: string) => makeAnnotation('relevance', tenant, { label });
const times = <T>(n: number, make: () => T) => Array.from({ length: n }, make);

describe.each(DIALECTS)('insights on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  const keys: Record<string, string> = {};

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      app = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    },
    async () => {
      await clearTables(deps.store.db);
      for (const table of ['insight_counts', 'flywheel_runs', 'model_versions', 'gate_results'] as const)
        await deps.store.db.deleteFrom(table).execute();
      for (const [name, tenant, role] of [
        ['agent', 'acme', 'agent'],
        ['analyst', 'acme', 'analyst'],
        ['admin', 'acme', 'admin'],
        ['globexAgent', 'globex', 'agent'],
        ['globexAnalyst', 'globex', 'analyst'],
      ] as const) {
        keys[name] = (await createApiKey(deps.store.db, { tenant, role: role as Role, name })).key;
      }
    },
  );
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Posts a batch as an agent on `day` (noon UTC by the fake clock); answers the per-item statuses. */
  const send = async (key: string, items: Annotation[], at: string) => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(at) });
    try {
      const res = await app.request('/v1/annotations:batch', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      expect(res.status).toBe(200);
      return SyncResponse.parse(await res.json()).results.map((r) => r.status);
    } finally {
      vi.useRealTimers();
    }
  };
  const suggest = async (key: string, at: string) => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date(at) });
    try {
      const res = await app.request('/v1/suggestions', {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          ticket: { host: 'demo', ticketId: '1', messages: [{ role: 'customer', text: 'My lamp arrived broken, can I get a refund?' }] },
        }),
      });
      expect(res.status).toBe(200);
    } finally {
      vi.useRealTimers();
    }
  };
  const get = (path: string, key?: string) => app.request(`/v1/insights/${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const json = async (path: string, key = keys.analyst!) => {
    const res = await get(path, key);
    expect(res.status, `${path}: ${res.status}`).toBe(200);
    return res.json();
  };

  /** acme's signals over three days of two weeks, globex's noise on the first, and acme's first batch resent. */
  const seed = async () => {
    const firstDay = [
      ...times(3, () => pref('acme', 'left')),
      pref('acme', 'right'),
      pref('acme', 'tie'),
      pref('acme', 'both_bad'),
      pref('acme', 'left', DETAILED, CONCISE),
      pref('acme', 'right', CONCISE, CONCISE),
      ...times(2, () => adoption('acme', 'verbatim', CONCISE)),
      adoption('acme', 'edited', CONCISE),
      adoption('acme', 'rejected', DETAILED),
      adoption('acme', 'ignored'),
      ...times(3, () => relevance('acme', 'relevant')),
      relevance('acme', 'partly'),
      relevance('acme', 'irrelevant'),
      makeAnnotation('rationale', 'acme'),
      makeAnnotation('missing_knowledge', 'acme'),
    ];
    expect(new Set(await send(keys.agent!, firstDay, '2026-11-02T12:00:00Z'))).toEqual(new Set(['accepted']));
    await send(
      keys.agent!,
      [relevance('acme', 'irrelevant'), relevance('acme', 'irrelevant'), adoption('acme', 'rejected', CONCISE)],
      '2026-11-04T08:00:00Z',
    );
    await send(keys.agent!, [relevance('acme', 'relevant'), relevance('acme', 'partly')], '2026-11-10T23:59:59Z');
    await send(
      keys.globexAgent!,
      [
        ...times(5, () => pref('globex', 'right', 'globex-only@1', CONCISE)),
        ...times(4, () => relevance('globex', 'irrelevant')),
        adoption('globex', 'verbatim', 'globex-only@1'),
      ],
      '2026-11-02T09:00:00Z',
    );
    await suggest(keys.agent!, '2026-11-02T13:00:00Z');
    await suggest(keys.globexAgent!, '2026-11-02T13:00:00Z');
    // The outbox resends a batch whose answer it lost: every item a duplicate, nothing counted again (nor on day 4).
    expect(new Set(await send(keys.agent!, firstDay, '2026-11-04T09:00:00Z'))).toEqual(new Set(['duplicate']));
  };

  const zeroDay = { suggestions: 0, preference: 0, adoption: 0, rationale: 0, relevance: 0, missing_knowledge: 0 };

  it('counts activity per UTC day, for the key tenant only, a resent batch once', async () => {
    await seed();
    const activity = ActivityInsights.parse(await json(`activity${WINDOW}`));
    expect(activity.window).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-15T00:00:00.000Z' });
    expect(activity.days.map((d) => d.day)).toEqual(Array.from({ length: 14 }, (_, i) => `2026-11-${String(i + 1).padStart(2, '0')}`));
    const busy = activity.days.filter((d) => Object.entries(d).some(([k, v]) => k !== 'day' && v !== 0));
    expect(busy).toEqual([
      { day: '2026-11-02', suggestions: 1, preference: 8, adoption: 5, rationale: 1, relevance: 5, missing_knowledge: 1 },
      { day: '2026-11-04', ...zeroDay, adoption: 1, relevance: 2 },
      { day: '2026-11-10', ...zeroDay, relevance: 2 },
    ]);
    const globex = ActivityInsights.parse(await json(`activity${WINDOW}`, keys.globexAnalyst));
    expect(globex.days.filter((d) => d.day === '2026-11-02')).toEqual([
      { day: '2026-11-02', ...zeroDay, suggestions: 1, preference: 5, adoption: 1, relevance: 4 },
    ]);
    expect(globex.days.filter((d) => d.day !== '2026-11-02').every((d) => Object.values({ ...d, day: 0 }).every((v) => v === 0))).toBe(true);
  });

  it('widens a window to whole days and defaults to the last 90 days', async () => {
    await seed();
    const part = ActivityInsights.parse(await json('activity?from=2026-11-02T15:00:00Z&to=2026-11-04T01:00:00Z'));
    expect(part.window).toEqual({ from: '2026-11-02T00:00:00.000Z', to: '2026-11-05T00:00:00.000Z' });
    expect(part.days.map((d) => [d.day, d.relevance])).toEqual([
      ['2026-11-02', 5],
      ['2026-11-03', 0],
      ['2026-11-04', 2],
    ]);
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-10T12:00:00Z') });
    const recent = ActivityInsights.parse(await json('activity'));
    expect(recent.window).toEqual({ from: '2026-08-13T00:00:00.000Z', to: '2026-11-11T00:00:00.000Z' });
    expect(recent.days).toHaveLength(90);
    expect(recent.days.reduce((sum, d) => sum + d.relevance, 0)).toBe(9);
  });

  it('gives adoption outcomes per day and per variant, with the adoption rate', async () => {
    await seed();
    const adoptionInsights = AdoptionInsights.parse(await json(`adoption${WINDOW}`));
    const none = { verbatim: 0, edited: 0, rejected: 0, ignored: 0 };
    expect(adoptionInsights.days).toHaveLength(14);
    expect(adoptionInsights.days.filter((d) => d.verbatim + d.edited + d.rejected + d.ignored > 0)).toEqual([
      { day: '2026-11-02', verbatim: 2, edited: 1, rejected: 1, ignored: 1 },
      { day: '2026-11-04', ...none, rejected: 1 },
    ]);
    expect(adoptionInsights.variants).toEqual([
      { variant: CONCISE, verbatim: 2, edited: 1, rejected: 1, ignored: 0, adoptionRate: 0.75 },
      { variant: DETAILED, ...none, rejected: 1, adoptionRate: 0 },
      { variant: 'none', ...none, ignored: 1, adoptionRate: null },
    ]);
  });

  it('gives win rates per variant with Wilson intervals, and position bias', async () => {
    await seed();
    const prefs = PreferenceInsights.parse(await json(`preferences${WINDOW}`));
    // concise: 3 wins on the left, 1 loss to a right pick, 1 loss on the right, a tie, a both-bad. The concise-vs-concise
    // pick counts towards position bias only.
    expect(prefs.variants).toEqual([
      { variant: CONCISE, wins: 3, losses: 2, ties: 1, bothBad: 1, winRate: { value: 0.5833, low: 0.2411, high: 0.8605, n: 6 } },
      { variant: DETAILED, wins: 2, losses: 3, ties: 1, bothBad: 1, winRate: { value: 0.4167, low: 0.1395, high: 0.7589, n: 6 } },
    ]);
    // Left picks 4 of 6 left/right picks.
    expect(prefs.positionBias).toEqual({ value: 0.6667, low: 0.3, high: 0.9032, n: 6 });
    const globex = PreferenceInsights.parse(await json(`preferences${WINDOW}`, keys.globexAnalyst));
    expect(globex.variants.map((v) => [v.variant, v.wins, v.losses])).toEqual([
      [CONCISE, 5, 0],
      ['globex-only@1', 0, 5],
    ]);
    expect(globex.positionBias).toMatchObject({ value: 0, n: 5 });
  });

  it('gives relevance labels and precision per ISO week', async () => {
    await seed();
    const rel = RelevanceInsights.parse(await json(`relevance${WINDOW}`));
    expect(rel.weeks).toEqual([
      { week: '2026-10-26', relevant: 0, partly: 0, irrelevant: 0, checked: 0, precision: { value: null, low: null, high: null, n: 0 } },
      { week: '2026-11-02', relevant: 3, partly: 1, irrelevant: 3, checked: 7, precision: { value: 0.5, low: 0.2024, high: 0.7976, n: 7 } },
      { week: '2026-11-09', relevant: 1, partly: 1, irrelevant: 0, checked: 2, precision: { value: 0.75, low: 0.1979, high: 0.9733, n: 2 } },
    ]);
  });

  it('rebuilds from stored rows the very counts the live path kept (the migration backfill)', async () => {
    await seed();
    const snapshot = () =>
      deps.store.db.selectFrom('insight_counts').selectAll().orderBy(['tenant', 'day', 'kind', 'value', 'variant_a', 'variant_b']).execute();
    const live = await snapshot();
    expect(live.length).toBeGreaterThan(10);
    await deps.store.db.deleteFrom('insight_counts').execute();
    await backfillInsightCounts(deps.store.db);
    expect((await snapshot()).map((r) => ({ ...r, n: Number(r.n) }))).toEqual(live.map((r) => ({ ...r, n: Number(r.n) })));
    // Run twice, it still counts each row once.
    await backfillInsightCounts(deps.store.db);
    expect((await snapshot()).length).toBe(live.length);
    expect(ActivityInsights.parse(await json(`activity${WINDOW}`)).days[1]).toMatchObject({ preference: 8, suggestions: 1 });
  });

  it('charts agreement and gate counts from the stored runs, and the versions with their evidence', async () => {
    // Three agents judge one suggestion side by side: two pick left, one right.
    const suggestionId = 'sugg-shared';
    const votes = [
      pref('acme', 'left', CONCISE, DETAILED, { agent: 'ann', suggestionId }),
      pref('acme', 'left', CONCISE, DETAILED, { agent: 'bob', suggestionId }),
      pref('acme', 'right', CONCISE, DETAILED, { agent: 'cy', suggestionId }),
    ];
    await send(keys.agent!, votes, '2026-11-03T10:00:00Z');
    await send(keys.globexAgent!, [pref('globex', 'left', CONCISE, DETAILED, { suggestionId })], '2026-11-03T10:00:00Z');
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-11-05T10:00:00Z') });
    const report = await runFlywheelCycle(deps, { tenant: 'acme', judge: false });
    vi.useRealTimers();
    const db = deps.store.db;
    // A run from before per-agent figures were stored, one that failed, one still running and another tenant's.
    const old = { ...report, runId: 'run-old', agreementPerAgent: undefined, gate: { ...report.gate, superseded: undefined } };
    await db
      .insertInto('flywheel_runs')
      .values([
        {
          id: 'run-old',
          tenant: 'acme',
          started_at: '2026-11-01T10:00:00.000Z',
          finished_at: '2026-11-01T10:01:00.000Z',
          status: 'kept',
          summary: JSON.stringify(old),
        },
        {
          id: 'run-failed',
          tenant: 'acme',
          started_at: '2026-11-06T10:00:00.000Z',
          finished_at: '2026-11-06T10:01:00.000Z',
          status: 'failed',
          summary: '{"error":"boom"}',
        },
        { id: 'run-running', tenant: 'acme', started_at: '2026-11-07T10:00:00.000Z', finished_at: null, status: 'running', summary: '{}' },
        {
          id: 'run-globex',
          tenant: 'globex',
          started_at: '2026-11-05T10:00:00.000Z',
          finished_at: '2026-11-05T10:01:00.000Z',
          status: 'kept',
          summary: JSON.stringify(report),
        },
        {
          id: 'run-before',
          tenant: 'acme',
          started_at: '2026-10-01T10:00:00.000Z',
          finished_at: '2026-10-01T10:01:00.000Z',
          status: 'kept',
          summary: JSON.stringify(report),
        },
      ])
      .execute();

    const agreement = AgreementInsights.parse(await json(`agreement${WINDOW}`));
    expect(agreement.runs.map((r) => r.runId)).toEqual(['run-old', report.runId]);
    expect(agreement.runs[1]).toMatchObject({
      at: '2026-11-05T10:00:00.000Z',
      preference: { groups: 1, ratings: 3, pairwise: 0.3333 },
      relevance: { groups: 0, ratings: 0, pairwise: null, kappa: null },
    });
    expect(agreement.agentsRunId).toBe(report.runId);
    const agents = Object.fromEntries(agreement.agents.map((a) => [a.agent, a]));
    expect(agents.ann).toEqual({
      agent: 'ann',
      annotations: 1,
      relevance: null,
      relevanceVotes: 0,
      preference: 1,
      preferenceVotes: 1,
      leftShare: 1,
      leftRightChoices: 1,
    });
    expect(agents.cy).toMatchObject({ preference: 0, leftShare: 0, leftRightChoices: 1 });
    expect(Object.keys(agents).sort()).toEqual(['ann', 'bob', 'cy']);

    const gate = GateInsights.parse(await json(`gate${WINDOW}`));
    expect(gate.runs.map((r) => [r.runId, r.total, r.superseded])).toEqual([
      ['run-old', 3, 0],
      [report.runId, 3, 0],
    ]);
    expect(gate.runs[1]!.byRule).toEqual(report.gate.byRule);
    const globexGate = GateInsights.parse(await json(`gate${WINDOW}`, keys.globexAnalyst));
    expect(globexGate.runs.map((r) => r.runId)).toEqual(['run-globex']);

    const comparison = {
      set: 'cross-validated checks',
      n: 40,
      metrics: {
        'ndcg@10': { current: 0.5, candidate: 0.6, diff: 0.1, se: 0.03 },
        'mrr@10': { current: 0.4, candidate: null, diff: null, se: null },
      },
    };
    const version = (id: string, status: string, createdAt: string, tenant = 'acme') => ({
      id,
      tenant,
      kind: 'ranking',
      parent: null,
      run_id: report.runId,
      status,
      reason: `${status} for the test`,
      inputs: '{}',
      metrics: JSON.stringify({ comparisons: [comparison] }),
      artefact: '{}',
      created_at: createdAt,
      status_at: createdAt,
    });
    await db.deleteFrom('model_versions').execute();
    await db
      .insertInto('model_versions')
      .values([
        version('ranking-a', 'retired', '2026-11-01T10:00:00.000Z'),
        version('ranking-b', 'rolled_back', '2026-11-02T10:00:00.000Z'),
        version('ranking-c', 'promoted', '2026-11-03T10:00:00.000Z'),
        version('ranking-d', 'kept', '2026-11-04T10:00:00.000Z'),
        version('ranking-g', 'promoted', '2026-11-04T10:00:00.000Z', 'globex'),
      ])
      .execute();
    const flywheel = FlywheelInsights.parse(await json(`flywheel${WINDOW}`));
    expect(flywheel.current).toEqual({ ranking: 'ranking-c', variants: 'variants-default' });
    expect(flywheel.versions.map((v) => [v.id, v.status, v.restorable])).toEqual([
      ['ranking-d', 'kept', false],
      ['ranking-c', 'promoted', false],
      ['ranking-b', 'rolled_back', true],
      ['ranking-a', 'retired', true],
    ]);
    // A metric stored without numbers (NaN becomes null in JSON) is left out, the rest of the comparison kept.
    expect(flywheel.versions[0]!.evidence).toEqual([{ set: 'cross-validated checks', n: 40, metrics: { 'ndcg@10': comparison.metrics['ndcg@10'] } }]);
  });

  it('keeps odd variant ids as the store can hold them: lone surrogates as U+FFFD, long ones cut to 128 characters', async () => {
    const long = 'v'.repeat(5_000);
    const statuses = await send(
      keys.agent!,
      [pref('acme', 'left', '\ud800', CONCISE), pref('acme', 'left', '\ud801', CONCISE), pref('acme', 'right', long, DETAILED)],
      '2026-11-03T10:00:00Z',
    );
    expect(statuses).toEqual(['accepted', 'accepted', 'accepted']);
    const prefs = PreferenceInsights.parse(await json(`preferences${WINDOW}`));
    expect(prefs.variants.map((v) => [v.variant, v.wins, v.losses])).toEqual([
      [CONCISE, 0, 2],
      [DETAILED, 1, 0],
      ['v'.repeat(128), 0, 1],
      ['\ufffd', 2, 0],
    ]);
  });

  it('lets analysts and admins in, not agents (403) or callers without a key (401), on every route', async () => {
    for (const path of ['activity', 'adoption', 'preferences', 'relevance', 'agreement', 'gate', 'flywheel']) {
      expect((await get(path, keys.analyst)).status, path).toBe(200);
      expect((await get(path, keys.admin)).status, path).toBe(200);
      const agent = await get(path, keys.agent);
      expect(agent.status, path).toBe(403);
      expect(ErrorEnvelope.parse(await agent.json()).error.code).toBe('forbidden');
      expect((await get(path)).status, path).toBe(401);
    }
  });

  it('answers 400 naming the parameter for an unknown one or a window that cannot be', async () => {
    for (const [query, param] of [
      ['?since=2026-11-01T00:00:00Z', 'since'],
      ['?from=2026-11-01T00:00:00Z&tenant=globex', 'tenant'],
      ['?from=yesterday', 'from'],
      ['?to=2026-13-01T00:00:00Z', 'to'],
      ['?from=2026-11-05T00:00:00Z&to=2026-11-04T00:00:00Z', 'from'],
      ['?from=2025-01-01T00:00:00Z&to=2026-11-04T00:00:00Z', 'from'],
      ['?to=9999-12-31T23:59:59Z', 'to'],
    ] as const) {
      for (const path of ['relevance', 'flywheel']) {
        const res = await get(`${path}${query}`, keys.analyst);
        expect(res.status, `${path}${query}`).toBe(400);
        const { error } = ErrorEnvelope.parse(await res.json());
        expect(error.code).toBe('validation_failed');
        expect(error.message).toContain(param);
        expect(error.issues?.map((i) => i.path)).toEqual([param]);
      }
    }
  });

  it('is listed in the OpenAPI document with its query and answer', async () => {
    const doc = (await (await app.request('/v1/openapi.json')).json()) as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    for (const path of ['activity', 'adoption', 'preferences', 'relevance', 'agreement', 'gate', 'flywheel']) {
      expect(doc.paths[`/v1/insights/${path}`]?.get?.parameters?.map((p) => p.name).sort(), path).toEqual(['from', 'to']);
    }
  });
});
