/**
 * `aitl flywheel run|status|rollback` — the flywheel from the command line, against the configured store, for one
 * tenant (run: every tenant with signals unless --tenant names one). A server sharing the store picks up
 * promotions and rollbacks within AITL_INDEX_REFRESH_SECONDS.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import { type AppDeps, createDeps, createLogger } from '../deps.ts';
import { CycleBusyError, type CycleReport, runFlywheelCycle } from '../flywheel/cycle.ts';
import { explainComparisons } from '../flywheel/holdout.ts';
import { flywheelStatus } from '../admin/flywheel.ts';
import { ARTEFACT_KINDS } from '../models/artefacts.ts';
import { rollback, RollbackError } from '../models/registry.ts';
import { tenantsWithAnnotations } from '../store/annotations.ts';
import { auditCli, type Command, type Out, usageFailure } from './kit.ts';

const FLYWHEEL_USAGE = `Usage:
  aitl flywheel run [--tenant T] [--json] [--regression DIR [--split test]]
  aitl flywheel status [--tenant T] [--json]
  aitl flywheel rollback VERSION [--tenant T]
(--tenant: default AITL_DEFAULT_TENANT; run without it: every tenant with signals, one JSON line each with --json)`;

export const flywheel: Command = { usage: FLYWHEEL_USAGE, run: flywheelCommand };

export async function flywheelCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run' && sub !== 'status' && sub !== 'rollback') return usageFailure(err, FLYWHEEL_USAGE);
  let values: { json?: boolean; regression?: string; split?: string; tenant?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, regression: { type: 'string' }, split: { type: 'string' }, tenant: { type: 'string' } },
      allowPositionals: true,
    }));
  } catch (e) {
    return usageFailure(err, FLYWHEEL_USAGE, e instanceof Error ? e.message : String(e));
  }
  const config = loadConfig();
  const deps = await createDeps(config, createLogger({ logLevel: 'warn' }));
  try {
    const tenant = values.tenant ?? config.defaultTenant;
    if (sub === 'run') return await run(deps, values, out, err);
    if (sub === 'status') return await status(deps, tenant, values.json === true, out);
    const version = positionals[0];
    if (!version) return usageFailure(err, FLYWHEEL_USAGE, 'Name the version to roll back to.');
    try {
      const done = await rollback(deps.store.db, tenant, version);
      out(`${done.kind} of tenant ${tenant}: ${done.from} → ${done.to}`);
      await auditCli(deps.store.db, { tenant, action: 'flywheel.rollback', target: version, detail: { kind: done.kind, from: done.from } });
      return 0;
    } catch (e) {
      if (e instanceof RollbackError) {
        err(e.message);
        return 1;
      }
      throw e;
    }
  } finally {
    await deps.store.close();
  }
}

async function run(
  deps: AppDeps,
  values: { json?: boolean; regression?: string; split?: string; tenant?: string },
  out: Out,
  err: Out,
): Promise<number> {
  const regression = values.regression ? { dir: values.regression, split: values.split ?? 'test' } : deps.config.flywheel.regression;
  const tenants = values.tenant ? [values.tenant] : await tenantsWithAnnotations(deps.store.db);
  if (tenants.length === 0) {
    err("No signals stored yet: nothing to learn from. Agents' signals arrive through the extension (or `aitl simulate`).");
    return 0;
  }
  let busy = false;
  for (const tenant of tenants) {
    let report: CycleReport;
    try {
      report = await runFlywheelCycle(deps, { tenant, regression });
    } catch (error) {
      if (!(error instanceof CycleBusyError)) throw error;
      err(error.message);
      busy = true;
      continue;
    }
    if (values.json) out(JSON.stringify(report));
    else for (const line of describeCycle(report)) out(line);
  }
  return busy ? 1 : 0;
}

/** A cycle's report in a few lines for people. */
export function describeCycle(r: CycleReport): string[] {
  const lines = [
    `run ${r.runId} (tenant ${r.tenant}): ${r.status} in ${r.durationMs} ms over ${r.annotations} annotations`,
    `gate: ${r.gate.passed} passed, ${r.gate.reduced} down-weighted, ${r.gate.setAside} set aside${r.gate.superseded ? `; ${r.gate.superseded} replaced by the same agent's later signal` : ''}`,
    `ranking: ${r.ranking.decision}${r.ranking.versionId ? ` ${r.ranking.versionId}` : ''} — ${r.ranking.reason}`,
  ];
  if (r.ranking.comparisons.length > 0) {
    lines.push('  evidence (each check scored by a version trained without it; article titles on whole rankings):');
    for (const line of explainComparisons(r.ranking.comparisons)) lines.push(`  - ${line}`);
  }
  lines.push(
    `variants: ${r.variants.decision} — champion ${r.variants.champion}, challenger ${r.variants.challenger}${r.variants.trial ? `, on trial ${r.variants.trial.variant} (${Math.round(r.variants.trial.share * 100)} % of tickets)` : ''}; ${r.variants.reason}`,
  );
  lines.push(`serving index ${r.indexVersion}`);
  return lines;
}

async function status(deps: AppDeps, tenant: string, json: boolean, out: Out): Promise<number> {
  // The same view as GET /v1/admin/flywheel.
  const { current, versions, runs } = await flywheelStatus(deps.store.db, tenant);
  if (json) {
    out(JSON.stringify({ current, versions, runs }));
    return 0;
  }
  out(`tenant ${tenant}`);
  for (const kind of ARTEFACT_KINDS) out(`current ${kind}: ${current[kind]}`);
  // Empty lists are said in words, not as a heading over nothing.
  if (versions.length === 0) out('no trained versions yet: the built-in defaults serve');
  else {
    out('versions (newest first):');
    for (const v of versions) out(`  ${v.id}  ${v.status.padEnd(11)} ${v.createdAt}  parent ${v.parent ?? '-'}  ${v.reason}`);
  }
  if (runs.length === 0) out('no flywheel runs yet: `aitl flywheel run` starts one');
  else {
    out('runs (newest first):');
    for (const r of runs) out(`  ${r.id}  ${r.status.padEnd(8)} ${r.startedAt}`);
  }
  return 0;
}
