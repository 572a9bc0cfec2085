/**
 * `aitl export`: the same batch as POST /v1/exports, from the command line against the configured store, written
 * straight into a folder (the files and manifest.json; no archive). The batch is recorded like any other, so
 * `--since last` continues from the command line's previous export for that tenant, and it is audited as `cli`.
 *
 *   aitl export --kind all --out ./exports/2026-11 --since last
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ExportRequest, toIssues } from '../../shared/index.ts';
import { loadConfig } from '../config.ts';
import { DEFAULT_EXPORT_LAG_SECONDS } from '../exports/jobs.ts';
import { type Batch, createBatch, ExportWindowError, runBatch } from '../exports/lifecycle.ts';
import { progressReporter, type ProgressStream } from '../exports/progress.ts';
import { LEASE_REFRESH_MS, leases } from '../exports/sweep.ts';
import { openStore } from '../store/connect.ts';
import { type Command, type Out, usageFailure } from './kit.ts';

const EXPORT_USAGE = `Usage: aitl export --kind dpo|sft|kto|retrieval|beir|gaps|all --out DIR [--since ISO|last] [--until ISO]
                   [--tenant T] [--passed-gate] [--min-weight N] [--exclude-reason R]... [--min-edit-similarity N]

Writes the training-set files and manifest.json of the signals of tenant T (default AITL_DEFAULT_TENANT) in the store
AITL_DATABASE_URL received from --since (an instant, or last: where the command line's previous export ended) to
--until, at most AITL_EXPORT_LAG_SECONDS (60) before now. An empty batch says why.`;

const FLAG_OF: Record<string, string> = {
  kinds: '--kind',
  since: '--since',
  until: '--until',
  'filters.minWeight': '--min-weight',
  'filters.minEditSimilarity': '--min-edit-similarity',
  'filters.excludeReasons': '--exclude-reason',
};

function flagOf(path: string): string {
  const key = Object.keys(FLAG_OF).find((k) => path === k || path.startsWith(`${k}.`));
  return key ? FLAG_OF[key]! : path;
}

export const exportCli: Command = { usage: EXPORT_USAGE, run: (args, out, err) => exportCommand(args, out, err) };

/** Runs the command; progress goes to `progressStream` (tests pass their own). */
export async function exportCommand(args: string[], out: Out, err: Out, progressStream: ProgressStream = process.stderr): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        kind: { type: 'string', multiple: true },
        out: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        tenant: { type: 'string' },
        'passed-gate': { type: 'boolean' },
        'min-weight': { type: 'string' },
        'exclude-reason': { type: 'string', multiple: true },
        'min-edit-similarity': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return usageFailure(err, EXPORT_USAGE, (error as Error).message);
  }
  if (!values.kind?.length || !values.out) return usageFailure(err, EXPORT_USAGE, `${values.kind?.length ? '--out' : '--kind'} is required`);
  const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const parsed = ExportRequest.safeParse({
    kinds: values.kind.flatMap((k) => k.split(',')).map((k) => k.trim()),
    since: values.since,
    until: values.until,
    filters: {
      passedGate: values['passed-gate'],
      minWeight: num(values['min-weight']),
      excludeReasons: values['exclude-reason']?.flatMap((r) => r.split(',')).map((r) => r.trim()),
      minEditSimilarity: num(values['min-edit-similarity']),
    },
  });
  if (!parsed.success) {
    return usageFailure(
      err,
      EXPORT_USAGE,
      toIssues(parsed.error)
        .map((issue) => `${flagOf(issue.path)}: ${issue.message}`)
        .join('\n'),
    );
  }

  const config = loadConfig();
  const tenant = values.tenant?.trim() || config.defaultTenant;
  const dir = resolve(values.out);
  mkdirSync(dir, { recursive: true });
  const store = await openStore(config.databaseUrl);
  try {
    const caller = { tenant, actor: 'cli', role: 'admin' };
    const lagSeconds = config.exportLagSeconds ?? DEFAULT_EXPORT_LAG_SECONDS;
    // A server sharing the store sweeps batches nobody holds a lease on (backend/exports/sweep.ts): hold this one's.
    const lease = leases(store.db);
    let batch: Batch;
    try {
      batch = await createBatch(store.db, caller, parsed.data, {
        at: new Date(),
        lagSeconds,
        status: 'running',
        auditDetail: { out: dir },
        beforeInsert: (id) => lease.hold(id),
      });
    } catch (error) {
      if (!(error instanceof ExportWindowError)) throw error;
      return usageFailure(err, EXPORT_USAGE, `--${error.path}: ${error.message}`);
    }
    const { window } = batch;
    const heartbeat = setInterval(
      () => void lease.refresh().catch((error: Error) => err(`export: could not record a heartbeat: ${error.message}`)),
      LEASE_REFRESH_MS,
    );
    heartbeat.unref();
    const progress = progressReporter(progressStream);
    try {
      const manifest = await runBatch(store.db, batch, dir, { onProgress: (done, total) => progress.update(done, total) });
      progress.finish(manifest.counts.read ?? 0);
      out(`Export ${batch.id} for tenant ${tenant}, received ${window.from ?? 'from the beginning'} to ${window.to}:`);
      for (const f of manifest.files) out(`  ${f.path.padEnd(28)} ${String(f.records).padStart(9)} records  ${f.sha256.slice(0, 12)}`);
      // An empty batch says why (the same sentence as its manifest's emptyReason).
      if (manifest.emptyReason) out(manifest.emptyReason);
      out(resolve(dir, 'manifest.json'));
      return 0;
    } finally {
      clearInterval(heartbeat);
      lease.release(batch.id);
    }
  } finally {
    await store.close();
  }
}
