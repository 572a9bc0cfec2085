/**
 * `aitl simulate --dataset DIR [--cycles N] [--agents K] [--noise P] [--seed S] [--json] [--out DIR] [--store PATH|URL]
 * [--per-cycle N] [--limit-train N] [--limit-test N]`: the flywheel on a public BEIR folder
 * (backend/flywheel/simulate/run.ts). Progress goes to stderr; `report.md` and `plot.svg` to `--out`; with `--json`
 * the last stdout line is the summary JSON.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from '../config.ts';
import { summaryJson, writeReport } from '../flywheel/simulate/report.ts';
import { runSimulation, SimulationError, type SimulationOptions } from '../flywheel/simulate/run.ts';
import { type Command, type Out, UsageError, withUsage } from './kit.ts';

const SIMULATE_USAGE = `Usage: aitl simulate --dataset DIR [--cycles 3] [--agents 8] [--noise 0.1] [--seed 1] [--json]
                     [--out ./simulation-<time>] [--store PATH|URL] [--per-cycle N] [--limit-train N] [--limit-test N]`;

/** A bad flag is a usage error (exit code 2); the simulation's own errors exit 1. */
export const simulate: Command = {
  usage: SIMULATE_USAGE,
  run: (args, out, err) => withUsage(SIMULATE_USAGE, err, () => simulateCommand(args, out, err)),
};

async function simulateCommand(args: string[], out: Out, err: Out): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dataset: { type: 'string' },
      cycles: { type: 'string', default: '3' },
      agents: { type: 'string', default: '8' },
      noise: { type: 'string', default: '0.1' },
      seed: { type: 'string', default: '1' },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      store: { type: 'string' },
      'per-cycle': { type: 'string' },
      'limit-train': { type: 'string' },
      'limit-test': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (!values.dataset) throw new UsageError('--dataset is required');
  const options: SimulationOptions = {
    dataset: values.dataset,
    cycles: integer('--cycles', values.cycles, 0),
    agents: integer('--agents', values.agents, 1),
    noise: probability('--noise', values.noise!),
    seed: integer('--seed', values.seed, 0),
    store: values.store,
    perCycle: integer('--per-cycle', values['per-cycle'], 1),
    limitTrain: integer('--limit-train', values['limit-train'], 1),
    limitTest: integer('--limit-test', values['limit-test'], 1),
  };
  const json = values.json ?? false;
  const dir = resolve(values.out ?? `simulation-${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')}`);
  let result;
  try {
    result = await runSimulation(options, err);
  } catch (error) {
    if (error instanceof SimulationError || error instanceof ConfigError) {
      err(error.message);
      return 1;
    }
    throw error;
  }
  const written = writeReport(dir, result);
  err(`Report ${written.report}, plot ${written.plot}`);
  if (!json) {
    const [first, last] = [result.cycles[0]!, result.cycles[result.cycles.length - 1]!];
    for (const m of ['recall@75', 'precision@8', 'mrr', 'ndcg@10', 'reply_f1', 'adoption_rate'] as const) {
      out(`${m.padEnd(14)} ${fmt(first[m])} → ${fmt(last[m])}  (cycle 0 → ${last.cycle})`);
    }
    out(`Report: ${written.report}`);
  }
  if (json) out(summaryJson(result));
  return 0;
}

function integer(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min} (got ${JSON.stringify(value)})`);
  return n;
}

function probability(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1 || value.trim() === '')
    throw new UsageError(`${flag} must be a number from 0 to 1 (got ${JSON.stringify(value)})`);
  return n;
}

const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(4));
