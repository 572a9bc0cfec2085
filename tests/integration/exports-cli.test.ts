import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../backend/cli/main.ts';
import { exportCommand } from '../../backend/cli/export.ts';
import { progressReporter } from '../../backend/exports/progress.ts';
import { queryAudit } from '../../backend/store/audit.ts';
import type { Store } from '../../backend/store/connect.ts';
import { ExportManifest } from '../../shared/index.ts';
import { about, seedAnnotations, seedSuggestion } from '../unit/exports/seed.ts';
import { databaseUrl, DIALECTS, isolateAitlEnv, useDatabase } from './dialects.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'aitl-export-cli-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

isolateAitlEnv();

describe.each(DIALECTS)('aitl export on $name', (dialect) => {
  let store: Store;
  let url: string;

  useDatabase(dialect, async (database) => {
    store = await database.open();
    url = databaseUrl(database);
    const s = await seedSuggestion(store.db);
    const edit = about(s, 'adoption', { outcome: 'edited', sentText: 'Edited reply', similarity: 0.7 });
    await seedAnnotations(store.db, [
      about(s, 'preference'),
      edit,
      about(s, 'relevance', { snippetId: 'doc-1#part', articleId: 'doc-1', rank: 1, label: 'relevant' }),
    ]);
    await seedAnnotations(store.db, [about(s, 'missing_knowledge')], '2026-11-21T09:00:00.000Z');
  });

  async function run(args: string[], tty = false) {
    process.env.AITL_DATABASE_URL = url;
    process.env.AITL_LOG_LEVEL = 'silent';
    const out: string[] = [];
    const err: string[] = [];
    const progress: string[] = [];
    const code = await exportCommand(
      args,
      (l) => out.push(l),
      (l) => err.push(l),
      { isTTY: tty, write: (t: string) => progress.push(t) },
    );
    return { code, out, err: err.join('\n'), progress: progress.join('') };
  }

  it('writes every format and manifest.json into the folder, checksums matching, and records the batch and an audit entry', async () => {
    const dir = tempDir();
    const result = await run(['--kind', 'all', '--out', dir, '--tenant', 'acme']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const manifest = ExportManifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(result.out.at(-1)).toBe(join(dir, 'manifest.json'));
    expect(manifest.counts.read).toBe(4);
    expect(manifest.createdBy).toBe('cli');
    for (const f of manifest.files) {
      expect(
        createHash('sha256')
          .update(readFileSync(join(dir, f.path)))
          .digest('hex'),
        f.path,
      ).toBe(f.sha256);
      expect(result.out.some((l) => l.includes(f.path))).toBe(true);
    }
    expect(existsSync(join(dir, 'beir', 'qrels', 'test.tsv'))).toBe(true);
    // Not a terminal: plain progress lines, the last one a summary.
    expect(result.progress).toMatch(/^export: 4 signals read in [\d.]+ s/m);
    expect(result.progress).not.toContain('\r');
    const batches = await store.db.selectFrom('export_batches').selectAll().where('id', '=', manifest.batchId).execute();
    expect(batches.map((b) => [b.status, b.created_by, b.archive_path])).toEqual([['ready', 'cli', null]]);
    const audit = await queryAudit(store.db, { tenants: ['acme'], limit: 5 });
    expect(audit[0]).toMatchObject({ actor: 'cli', action: 'export.create', target: manifest.batchId });
  });

  it('--since last continues from the previous command-line export; --kind takes a list', async () => {
    const first = tempDir();
    expect((await run(['--kind', 'dpo,sft', '--out', first, '--tenant', 'acme', '--since', 'last'])).code).toBe(0);
    const one = ExportManifest.parse(JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')));
    expect(one.kinds).toEqual(['dpo', 'sft']);
    const second = tempDir();
    expect((await run(['--kind', 'dpo', '--out', second, '--tenant', 'acme', '--since', 'last'])).code).toBe(0);
    const two = ExportManifest.parse(JSON.parse(readFileSync(join(second, 'manifest.json'), 'utf8')));
    expect(two.window.from).toBe(one.window.to);
    expect(two.counts.read).toBe(0);
  });

  it('applies filters and a window given on the command line', async () => {
    const dir = tempDir();
    const result = await run([
      '--kind',
      'all',
      '--out',
      dir,
      '--tenant',
      'acme',
      '--since',
      '2026-11-21T00:00:00Z',
      '--min-weight',
      '0.5',
      '--exclude-reason',
      'outdated',
      '--passed-gate',
    ]);
    expect(result.code).toBe(0);
    const manifest = ExportManifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(manifest.window.from).toBe('2026-11-21T00:00:00.000Z');
    expect(manifest.filters).toEqual({ passedGate: true, minWeight: 0.5, excludeReasons: ['outdated'] });
    expect(manifest.counts.read).toBe(1);
    expect(manifest.counts['excluded.gate']).toBe(1);
  });

  it('refuses --since last with an --until no later than where the previous export ended, with exit code 2', async () => {
    const first = tempDir();
    expect((await run(['--kind', 'dpo', '--out', first, '--tenant', 'globex', '--since', 'last'])).code).toBe(0);
    const one = ExportManifest.parse(JSON.parse(readFileSync(join(first, 'manifest.json'), 'utf8')));
    const refused = await run(['--kind', 'dpo', '--out', tempDir(), '--tenant', 'globex', '--since', 'last', '--until', '2026-01-01T00:00:00Z']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(new RegExp(`^--until: must be later than ${one.window.to.replace(/\./g, '\\.')}, where your last export ended`, 'm'));
    expect(refused.out).toEqual([]);
  });

  it('says why a batch holds no record: the tenant it read, and those the store holds', async () => {
    const dir = tempDir();
    const result = await run(['--kind', 'all', '--out', dir, '--tenant', 'nobody']);
    expect(result.code).toBe(0);
    const manifest = ExportManifest.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    expect(manifest.emptyReason).toMatch(
      /^0 records: 0 signals of tenant nobody received in \[the beginning, .+\) \(it ends the export lag, 60 s, before the request: AITL_EXPORT_LAG_SECONDS\); the store holds none of tenant nobody but 4 signals of tenant acme/,
    );
    expect(result.out).toContain(manifest.emptyReason);
  });

  it('refuses bad flags with exit code 2, naming the flag', async () => {
    const dir = tempDir();
    const bad = await run(['--kind', 'parquet', '--out', dir, '--min-weight', '2']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^--kind: /m);
    expect(bad.err).toMatch(/^--min-weight: /m);
    expect((await run(['--out', dir])).err).toContain('--kind is required');
    expect((await run(['--kind', 'dpo'])).err).toContain('--out is required');
    expect((await run(['--kind', 'dpo', '--out', dir, '--colour'])).code).toBe(2);
  });

  it('is reachable as `aitl export` and listed in the help', async () => {
    process.env.AITL_DATABASE_URL = url;
    const out: string[] = [];
    expect(
      await main(
        ['help'],
        (l) => out.push(l),
        () => undefined,
      ),
    ).toBe(0);
    expect(out.join('\n')).toContain('export --kind dpo|sft|kto|retrieval|beir|gaps|all --out DIR');
    const err: string[] = [];
    expect(
      await main(
        ['export', '--kind', 'dpo'],
        () => undefined,
        (l) => err.push(l),
      ),
    ).toBe(2);
  });
});

describe('progress on stderr', () => {
  it('redraws a bar in place on a terminal and ends with a summary line', () => {
    let t = 0;
    const written: string[] = [];
    const progress = progressReporter({ isTTY: true, write: (s) => written.push(s) }, { now: () => t });
    t = 1000;
    progress.update(500, 1000);
    t = 1050;
    progress.update(600, 1000); // too soon: not redrawn
    t = 2000;
    progress.update(1000, 1000);
    progress.finish(1000);
    expect(written).toHaveLength(3);
    expect(written[0]).toMatch(/^\r\[#{15}\.{15}\] 500\/1,000 signals 50% {2}500\/s ETA 1 s/);
    expect(written[1]).toMatch(/^\r\[#{30}\] 1,000\/1,000 signals 100%/);
    expect(written[2]).toBe('\r\u001b[Kexport: 1,000 signals read in 2.0 s (500/s)\n');
  });
});
