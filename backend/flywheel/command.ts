/**
 * `aitl flywheel run|status|rollback` — the flywheel from the command line, against the configured store. A server
 * sharing the store picks up promotions and rollbacks on its next refresh.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { createDeps, createLogger } from '../server.ts';
import { CycleBusyError, type CycleReport, runFlywheelCycle } from './cycle.ts';
import { ARTEFACT_KINDS, DEFAULT_VERSION_ID } from './artefacts.ts';
import { explainComparisons } from './holdout.ts';
import { currentVersion, listVersions, rollback, RollbackError } from './registry.ts';

export const FLYWHEEL_USAGE = `Usage:
  aitl flywheel run [--json] [--regression DIR [--split test]]
  aitl flywheel status [--json]
  aitl flywheel rollback VERSION`;

type Out = (line: string) => void;

export async function flywheelCommand(args: string[], out: Out, err: Out): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'run' && sub !== 'status' && sub !== 'rollback') {
    err(FLYWHEEL_USAGE);
    return 2;
  }
  let values: { json?: boolean; regression?: string; split?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: { json: { type: 'boolean' }, regression: { type: 'string' }, split: { type: 'string' } },
      allowPositionals: true,
    }));
  } catch (e) {
    err(`${e instanceof Error ? e.message : String(e)}\n${FLYWHEEL_USAGE}`);
    return 2;
  }
  const config = loadConfig();
  const deps = await createDeps(config, createLogger({ logLevel: 'warn' }));
  try {
    if (sub === 'run') return await run(deps, values, out, err);
    if (sub === 'status') return await status(deps, values.json === true, out);
    const version = positionals[0];
    if (!version) {
      err(`Name the version to roll back to.\n${FLYWHEEL_USAGE}`);
      return 2;
    }
    try {
      const done = await rollback(deps.store.db, version);
      out(`${done.kind}: ${done.from} → ${done.to}`);
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

async function run(deps: AppDeps, values: { json?: boolean; regression?: string; split?: string }, out: Out, err: Out): Promise<number> {
  const regression = values.regression ? { dir: values.regression, split: values.split ?? 'test' } : deps.config.flywheel.regression;
  let report: CycleReport;
  try {
    report = await runFlywheelCycle(deps, { regression });
  } catch (error) {
    if (!(error instanceof CycleBusyError)) throw error;
    err(error.message);
    return 1;
  }
  if (values.json) out(JSON.stringify(report));
  else for (const line of describeCycle(report)) out(line);
  return 0;
}

/** A cycle's report in a few lines for people. */
export function describeCycle(r: CycleReport): string[] {
  const lines = [
    `run ${r.runId}: ${r.status} in ${r.durationMs} ms over ${r.annotations} annotations`,
    `gate: ${r.gate.passed} passed, ${r.gate.reduced} down-weighted, ${r.gate.setAside} set aside${r.gate.superseded ? `; ${r.gate.superseded} replaced by the same agent's later signal` : ''}`,
    `ranking: ${r.ranking.decision}${r.ranking.versionId ? ` ${r.ranking.versionId}` : ''} — ${r.ranking.reason}`,
  ];
  if (r.ranking.comparisons.length > 0) {
    lines.push('  evidence (each check scored by a version trained without it; article titles on whole rankings):');
    for (const line of explainComparisons(r.ranking.comparisons)) lines.push(`  - ${line}`);
  }
  lines.push(`variants: ${r.variants.decision} — champion ${r.variants.champion}, challenger ${r.variants.challenger}${r.variants.trial ? `, on trial ${r.variants.trial.variant} (${Math.round(r.variants.trial.share * 100)} % of tickets)` : ''}; ${r.variants.reason}`);
  lines.push(`serving index ${r.indexVersion}`);
  return lines;
}

async function status(deps: AppDeps, json: boolean, out: Out): Promise<number> {
  const db = deps.store.db;
  const current = Object.fromEntries(
    await Promise.all(ARTEFACT_KINDS.map(async (kind) => [kind, (await currentVersion(db, kind))?.id ?? DEFAULT_VERSION_ID[kind]] as const)),
  );
  const versions = await listVersions(db, { limit: 20 });
  const runs = await db.selectFrom('flywheel_runs').select(['id', 'started_at', 'finished_at', 'status']).orderBy('started_at', 'desc').limit(10).execute();
  if (json) {
    out(JSON.stringify({ current, versions: versions.map(({ artefact: _a, ...v }) => v), runs }));
    return 0;
  }
  for (const kind of ARTEFACT_KINDS) out(`current ${kind}: ${current[kind]}`);
  out('versions (newest first):');
  for (const v of versions) out(`  ${v.id}  ${v.status.padEnd(11)} ${v.createdAt}  parent ${v.parent ?? '-'}  ${v.reason}`);
  out('runs (newest first):');
  for (const r of runs) out(`  ${r.id}  ${r.status.padEnd(8)} ${r.started_at}`);
  return 0;
}
