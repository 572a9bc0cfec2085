/**
 * The flywheel on a public data set, before deploying it: a real backend (HTTP server, SQLite store, auth) loaded
 * with a BEIR folder's corpus; its train queries replayed as live traffic by simulated agents (traffic.ts), then a
 * flywheel cycle; its test split measured in-process before the first cycle and after each (measure.ts).
 *
 *   const result = await runSimulation({ dataset: 'datasets/dstc11', cycles: 2 }, console.error);
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { prng } from '../../prng.ts';
import { loadConfig } from '../../config.ts';
import { type EvalQuery, loadBeirQueries } from '../../eval/beir-queries.ts';
import { loadGoldResponses } from '../../eval/reply-metrics.ts';
import { importKnowledge } from '../../kb/import.ts';
import { startServer } from '../../server.ts';
import { createApiKey } from '../../store/api-keys.ts';
import { hidePassword, isPostgresUrl, openStore } from '../../store/connect.ts';
import { runFlywheelCycle } from '../cycle.ts';
import { type AgentSettings, DEFAULT_AGENT_SETTINGS } from './agents.ts';
import { adoptionThreshold, type CycleMetrics, measureCycle, replyF1s } from './measure.ts';
import type { CycleRun, SimulationResult } from './report.ts';
import { planCycles, replayCycle, type Seat, type SimQuery } from './traffic.ts';

/** A data set or setting the simulator cannot work with; the message says why. */
export class SimulationError extends Error {
  override name = 'SimulationError';
}

export interface SimulationOptions {
  dataset: string;
  cycles?: number;
  agents?: number;
  /** Share of the agents that are position-biased (0.25, at least one when there are two or more agents). */
  biasedShare?: number;
  noise?: number;
  seed?: number;
  /** Train queries replayed per cycle (all). */
  perCycle?: number | undefined;
  /** Only the first N train / test queries in file order (all): for quick runs and tests. */
  limitTrain?: number | undefined;
  limitTest?: number | undefined;
  /**
   * Keep the store: a SQLite file (must not exist yet) or a PostgreSQL URL (its database or search_path schema must
   * hold nothing yet); otherwise a temporary SQLite file, deleted.
   */
  store?: string | undefined;
  /** Environment the model settings (AITL_LLM_*, AITL_EMBED_*) are read from; the store and server settings are the simulator's own. */
  env?: Record<string, string | undefined>;
}

export async function runSimulation(options: SimulationOptions, log: (line: string) => void = () => {}): Promise<SimulationResult> {
  const started = performance.now();
  const dataset = options.dataset;
  const { train, test } = loadSplits(dataset, options);
  const gold = loadGoldResponses(dataset);
  const cycles = options.cycles ?? 3;
  const agentCount = options.agents ?? 8;
  const seed = options.seed ?? 1;
  const env = options.env ?? process.env;
  // The configured default tenant (AITL_DEFAULT_TENANT, `default` unless set): the tenant `aitl export` and the other
  // commands read, so a kept store is exported with the README's command as it stands.
  const tenant = loadConfig({ AITL_DEFAULT_TENANT: env.AITL_DEFAULT_TENANT }).defaultTenant;
  const settings: AgentSettings = { ...DEFAULT_AGENT_SETTINGS, tenant, noise: options.noise ?? DEFAULT_AGENT_SETTINGS.noise };
  const biased = agentCount < 2 ? 0 : Math.max(1, Math.round(agentCount * (options.biasedShare ?? 0.25)));
  const perCycle = Math.min(options.perCycle ?? train.length, train.length);

  const postgres = options.store !== undefined && isPostgresUrl(options.store);
  if (options.store && !postgres && existsSync(options.store)) throw new SimulationError(`--store ${options.store} exists already: name a new file`);
  const temp = options.store ? undefined : mkdtempSync(join(tmpdir(), 'aitl-simulate-'));
  const path = !options.store ? join(temp!, 'simulation.db') : postgres ? options.store : resolve(options.store);
  try {
    const keys = await prepareStore(path, dataset, agentCount, tenant, log);
    log(`Signals are recorded for tenant ${tenant} (AITL_DEFAULT_TENANT)`);
    const seats: Seat[] = keys.map((key, i) => ({
      name: `sim-agent-${String(i + 1).padStart(2, '0')}`,
      positionBiased: i >= agentCount - biased,
      key,
    }));
    const server = await startServer(serverConfig(path, tenant, env));
    const deps = server.deps;
    try {
      const tau = adoptionThreshold((await replyF1s(deps, train, gold)).best);
      log(`Adoption threshold τ = ${tau} (median closer-candidate token F1 on ${train.length} train queries, before any feedback)`);
      const rows: CycleMetrics[] = [await measureCycle(deps, 0, test, gold, tau, dataset, 'test')];
      log(`cycle 0: ${line(rows[0]!)}`);
      const random = prng(seed);
      const plans = planCycles(train.length, cycles, agentCount, prng(seed ^ 0x5bd1e995), Date.now() - 60_000, perCycle);
      const queries: SimQuery[] = train.map((q) => ({ ...q, gold: gold.get(q.id) }));
      const runs: CycleRun[] = [];
      for (const [i, plan] of plans.entries()) {
        const cycle = i + 1;
        const indexBefore = (await deps.knowledge.of(deps.config.defaultTenant)).version;
        const t0 = performance.now();
        const traffic = await replayCycle({
          url: server.url,
          seats,
          queries,
          plan,
          settings,
          random,
          progress: (done, total) => log(`cycle ${cycle}: ${done}/${total} tickets`),
        });
        const trafficMs = performance.now() - t0;
        log(`cycle ${cycle}: ${traffic.suggestions} suggestions, ${traffic.accepted} signals accepted, ${traffic.rejected} rejected`);
        const t1 = performance.now();
        const report = await runFlywheelCycle(deps);
        const cycleMs = performance.now() - t1;
        const indexAfter = (await deps.knowledge.of(deps.config.defaultTenant)).version;
        log(
          `cycle ${cycle}: flywheel ${report.status}; ranking ${report.ranking.decision} (${report.ranking.reason}); variants ${report.variants.decision} (${report.variants.reason})`,
        );
        if (report.ranking.decision === 'promoted' && indexAfter === indexBefore)
          log(`cycle ${cycle}: warning: a ranking was promoted but the index version did not change (${indexAfter})`);
        runs.push({
          cycle,
          traffic,
          runId: report.runId,
          status: report.status,
          gate: report.gate,
          ranking: report.ranking,
          variants: report.variants,
          indexBefore,
          indexAfter,
          trafficMs,
          cycleMs,
        });
        rows.push(await measureCycle(deps, cycle, test, gold, tau, dataset, 'test'));
        log(`cycle ${cycle}: ${line(rows[rows.length - 1]!)}`);
      }
      return {
        dataset,
        split: 'test',
        settings: {
          cycles,
          agents: agentCount,
          positionBiased: biased,
          leftRate: settings.leftRate,
          noise: settings.noise,
          seed,
          perCycle,
          trainQueries: train.length,
          testQueries: test.length,
          store: options.store ? hidePassword(path) : null,
        },
        tau,
        cycles: rows,
        runs,
        wallMs: performance.now() - started,
      };
    } finally {
      await server.close();
    }
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

function loadSplits(dataset: string, options: SimulationOptions): { train: EvalQuery[]; test: EvalQuery[] } {
  if (!existsSync(join(dataset, 'corpus.jsonl'))) throw new SimulationError(`${dataset} is not a BEIR folder: corpus.jsonl is missing`);
  const load = (split: string, limit: number | undefined) => {
    let queries: EvalQuery[];
    try {
      queries = loadBeirQueries(dataset, split);
    } catch (error) {
      throw new SimulationError((error as Error).message);
    }
    if (queries.length === 0) throw new SimulationError(`No query of split "${split}" has a relevant document in ${dataset}`);
    return limit === undefined ? queries : queries.slice(0, limit);
  };
  return { train: load('train', options.limitTrain), test: load('test', options.limitTest) };
}

/** Imports the corpus and makes one agent key per simulated agent, before the server starts (so it indexes and, with an embeddings model, embeds the corpus as `aitl serve` would). */
async function prepareStore(path: string, dataset: string, agents: number, tenant: string, log: (line: string) => void): Promise<string[]> {
  const store = await openStore(path);
  try {
    // A PostgreSQL store cannot be "a new file": it must hold nothing, so no earlier run's signals mix in.
    const held = await store.db.selectFrom('kb_imports').select('id').limit(1).executeTakeFirst();
    if (held) throw new SimulationError(`--store ${store.location} holds data already: name an empty database or schema`);
    const summary = await importKnowledge(store.db, dataset);
    log(`Imported ${summary.articles} articles as ${summary.passages} passages from ${dataset}`);
    const keys: string[] = [];
    for (let i = 0; i < agents; i++) keys.push((await createApiKey(store.db, { tenant, role: 'agent', name: `sim-agent-${i + 1}` })).key);
    return keys;
  } finally {
    await store.close();
  }
}

/** The simulator's own backend: this store, an ephemeral loopback port, keys required, no demo, quiet logs; model settings from `env`. */
function serverConfig(path: string, tenant: string, env: Record<string, string | undefined>) {
  const models = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('AITL_LLM_') || k.startsWith('AITL_EMBED_')));
  return loadConfig({
    ...models,
    AITL_DATABASE_URL: path,
    AITL_HOST: '127.0.0.1',
    AITL_PORT: '0',
    AITL_DEMO: 'false',
    AITL_AUTH: 'required',
    AITL_DEFAULT_TENANT: tenant,
    AITL_LOG_LEVEL: 'warn',
  });
}

function line(m: CycleMetrics): string {
  const f = (v: number | null) => (v === null ? '–' : v.toFixed(4));
  return `recall@75 ${f(m['recall@75'])}  precision@8 ${f(m['precision@8'])}  MRR ${f(m.mrr)}  nDCG@10 ${f(m['ndcg@10'])}  reply F1 ${f(m.reply_f1)}  adoption ${f(m.adoption_rate)}`;
}
