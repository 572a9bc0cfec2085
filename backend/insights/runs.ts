/**
 * GET /v1/insights/agreement and /gate: what the quality gate measured at each flywheel run, read back from the runs'
 * stored reports (flywheel_runs.summary, a CycleReport: backend/flywheel/cycle.ts). The runs started in the window
 * that finished (promoted or kept), the newest 50, oldest first. A report is read leniently: one written before a
 * figure was recorded lacks it, and a run whose report lacks what a chart needs is left out of that chart.
 */
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { AgentAgreement, type AgreementInsights, type GateInsights } from '../../shared/index.ts';
import type { Database } from '../store/schema.ts';
import { readStoredJson } from './stored-json.ts';
import type { DayWindow } from './window.ts';

export const RUNS_SHOWN = 50;

const StoredSignalAgreement = z.object({
  groups: z.number().int().nonnegative(),
  ratings: z.number().int().nonnegative(),
  agreement: z.number().min(0).max(1).nullable(),
  kappa: z.number().nullable(),
});

const StoredAgreement = z.object({
  agreement: z.object({ relevance: StoredSignalAgreement, preference: StoredSignalAgreement }),
  // Absent before per-agent figures were stored; a malformed list costs the agents, not the run.
  agreementPerAgent: z.array(AgentAgreement).optional().catch(undefined),
});

const count = z.number().int().nonnegative();
const StoredGate = z.object({
  gate: z.object({ total: count, passed: count, reduced: count, setAside: count, byRule: z.record(z.string(), count), superseded: count.default(0) }),
});

interface Run {
  runId: string;
  at: string;
  summary: unknown;
}

async function finishedRuns(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<Run[]> {
  const rows = await db
    .selectFrom('flywheel_runs')
    .select(['id', 'started_at', 'summary'])
    .where('tenant', '=', tenant)
    .where('status', 'in', ['promoted', 'kept'])
    .where('started_at', '>=', window.from)
    .where('started_at', '<', window.to)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(RUNS_SHOWN)
    .execute();
  return rows.reverse().map((r) => ({ runId: r.id, at: new Date(r.started_at).toISOString(), summary: readStoredJson(r.summary) }));
}

export async function agreementInsights(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<AgreementInsights> {
  const runs: AgreementInsights['runs'] = [];
  let agents: { runId: string; list: AgentAgreement[] } | undefined;
  for (const run of await finishedRuns(db, tenant, window)) {
    const parsed = StoredAgreement.safeParse(run.summary);
    if (!parsed.success) continue;
    const { relevance, preference } = parsed.data.agreement;
    const signal = ({ agreement, ...rest }: z.infer<typeof StoredSignalAgreement>) => ({ ...rest, pairwise: agreement });
    runs.push({ runId: run.runId, at: run.at, relevance: signal(relevance), preference: signal(preference) });
    if (parsed.data.agreementPerAgent) agents = { runId: run.runId, list: parsed.data.agreementPerAgent };
  }
  return { window: { from: window.from, to: window.to }, runs, agentsRunId: agents?.runId ?? null, agents: agents?.list ?? [] };
}

export async function gateInsights(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<GateInsights> {
  const runs: GateInsights['runs'] = [];
  for (const run of await finishedRuns(db, tenant, window)) {
    const parsed = StoredGate.safeParse(run.summary);
    if (parsed.success) runs.push({ runId: run.runId, at: run.at, ...parsed.data.gate });
  }
  return { window: { from: window.from, to: window.to }, runs };
}
