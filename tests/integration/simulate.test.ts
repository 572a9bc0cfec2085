import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../backend/cli/main.ts';
import { openStore } from '../../backend/store/connect.ts';
import { databaseUrl, POSTGRES, useDatabase } from './dialects.ts';

const DSTC11 = resolve(import.meta.dirname, '../../../shared/datasets/dstc11');
const dir = mkdtempSync(join(tmpdir(), 'aitl-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out, err: err.join('\n') };
}

describe.skipIf(!existsSync(DSTC11))('aitl simulate on a slice of dstc11', () => {
  it('replays train traffic through the API, runs a cycle, and reports the test split before and after', { timeout: 180_000 }, async () => {
    const out = join(dir, 'out');
    const store = join(dir, 'kept.db');
    const args = [
      'simulate',
      '--dataset',
      DSTC11,
      '--cycles',
      '1',
      '--agents',
      '4',
      '--limit-train',
      '60',
      '--limit-test',
      '30',
      '--seed',
      '7',
      '--json',
      '--out',
      out,
      '--store',
      store,
    ];
    const { code, out: stdout, err } = await run(args);
    expect(code, err).toBe(0);
    expect(err).toMatch(/cycle 1: 60 suggestions/);

    const summary = JSON.parse(stdout[stdout.length - 1]!) as {
      dataset: string;
      cycles: Record<string, number | null>[];
      runs: { ranking: string }[];
    };
    expect(summary.dataset).toBe(DSTC11);
    expect(summary.cycles.map((c) => c.cycle)).toEqual([0, 1]);
    for (const c of summary.cycles) {
      expect(Object.keys(c)).toEqual(['cycle', 'recall@75', 'precision@8', 'mrr', 'ndcg@10', 'reply_f1', 'adoption_rate']);
      for (const key of ['recall@75', 'precision@8', 'mrr', 'ndcg@10', 'reply_f1', 'adoption_rate']) {
        expect(c[key]).toBeGreaterThanOrEqual(0);
        expect(c[key]).toBeLessThanOrEqual(1);
      }
    }
    expect(['promoted', 'kept', 'skipped']).toContain(summary.runs[0]!.ranking);

    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('## Before and after (cycle 0 → cycle 1)');
    expect(report).toContain('![metrics per cycle](plot.svg)');
    expect(readFileSync(join(out, 'plot.svg'), 'utf8')).toMatch(/^<svg [^]*<\/svg>\s*$/);

    // The kept store holds what the agents did, as any deployment's would.
    const kept = await openStore(store);
    try {
      const kinds = await kept.db
        .selectFrom('annotations')
        .select(['kind'])
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .groupBy('kind')
        .execute();
      const byKind = Object.fromEntries(kinds.map((k) => [k.kind, Number(k.n)]));
      expect(byKind.preference).toBe(60);
      expect(byKind.adoption).toBe(60);
      expect(byKind.relevance).toBe(480);
      const suggestions = await kept.db
        .selectFrom('suggestions')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(suggestions.n)).toBe(60);
      const runs = await kept.db.selectFrom('flywheel_runs').select(['status']).execute();
      expect(runs).toHaveLength(1);
      // Recorded as the configured default tenant, the one `aitl export` and the other commands read.
      const tenants = await kept.db.selectFrom('annotations').select('tenant').distinct().execute();
      expect(tenants.map((t) => t.tenant)).toEqual(['default']);
    } finally {
      await kept.close();
    }

    // The README's command exports what the simulation recorded.
    const exported = join(dir, 'exported');
    process.env.AITL_DATABASE_URL = store;
    process.env.AITL_EXPORT_LAG_SECONDS = '0';
    try {
      const exportRun = await run(['export', '--kind', 'all', '--out', exported]);
      expect(exportRun.code, exportRun.err).toBe(0);
      const manifest = JSON.parse(readFileSync(join(exported, 'manifest.json'), 'utf8')) as {
        tenant: string;
        emptyReason?: string;
        files: { path: string; records: number }[];
      };
      expect(manifest.tenant).toBe('default');
      expect(manifest.emptyReason).toBeUndefined();
      for (const path of ['dpo.trl.jsonl.gz', 'kto.trl.jsonl.gz', 'retrieval.bge.jsonl.gz'])
        expect(manifest.files.find((f) => f.path === path)!.records, path).toBeGreaterThan(0);
    } finally {
      delete process.env.AITL_DATABASE_URL;
      delete process.env.AITL_EXPORT_LAG_SECONDS;
    }

    // A kept store is never overwritten.
    const again = await run(args);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/exists already/);
  });
});

const SPARSE = resolve(import.meta.dirname, '../../../shared/datasets/stackfaq-sparse');
const FIGURES = ['recall@75', 'precision@8', 'mrr', 'ndcg@10', 'reply_f1', 'adoption_rate'] as const;

describe.skipIf(!existsSync(SPARSE))('the flywheel on stackfaq-sparse (one check per question): never harm', () => {
  async function cycle(...extra: string[]) {
    const { code, out, err } = await run([
      'simulate',
      '--dataset',
      SPARSE,
      '--cycles',
      '1',
      '--limit-test',
      '150',
      '--json',
      '--out',
      join(dir, `sparse${extra.join('')}`),
      ...extra,
    ]);
    expect(code, err).toBe(0);
    return JSON.parse(out[out.length - 1]!) as { cycles: Record<(typeof FIGURES)[number], number>[]; runs: { ranking: string }[] };
  }

  it('no test figure drops after a cycle on honest agents', { timeout: 120_000 }, async () => {
    const { cycles } = await cycle('--seed', '2');
    for (const figure of FIGURES) expect(cycles[1]![figure], figure).toBeGreaterThanOrEqual(cycles[0]![figure]);
  });

  describe('on PostgreSQL', () => {
    let url = '';
    useDatabase(POSTGRES, async (database) => {
      await database.open();
      url = databaseUrl(database);
    });

    it('no test figure drops after a cycle on honest agents, the store kept in the schema', { timeout: 180_000 }, async () => {
      const { cycles } = await cycle('--seed', '3', '--store', url);
      for (const figure of FIGURES) expect(cycles[1]![figure], figure).toBeGreaterThanOrEqual(cycles[0]![figure]);
      // The store holds the run: a second simulation into it would mix two runs' signals.
      const again = await run(['simulate', '--dataset', SPARSE, '--cycles', '1', '--limit-train', '5', '--store', url]);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/holds data already/);
    });
  });

  it('checks that carry no information (every label a coin toss) are not promoted, and change nothing', { timeout: 120_000 }, async () => {
    const { cycles, runs } = await cycle('--seed', '1', '--noise', '0.5');
    expect(runs[0]!.ranking).not.toBe('promoted');
    for (const figure of ['recall@75', 'precision@8', 'mrr', 'ndcg@10'] as const) expect(cycles[1]![figure], figure).toBe(cycles[0]![figure]);
  });
});

describe('aitl simulate arguments', () => {
  it('explains a missing or bad flag, and a folder that is not a BEIR data set', async () => {
    expect((await run(['simulate'])).code).toBe(2);
    expect((await run(['simulate', '--dataset', dir, '--noise', '2'])).err).toMatch(/--noise must be a number from 0 to 1/);
    expect((await run(['simulate', '--dataset', dir, '--cycles', 'x'])).code).toBe(2);
    const missing = await run(['simulate', '--dataset', join(dir, 'nothing')]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/corpus\.jsonl is missing/);
  });
});
