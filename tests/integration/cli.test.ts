import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../backend/cli.ts';
import { DEMO_HELP_CENTRE } from '../../backend/demo/tickets.ts';
import { openStore } from '../../backend/store/connect.ts';
import { countPassages, latestImport } from '../../backend/store/passages.ts';

let dir: string;
let dbFile: string;
let saved: Record<string, string | undefined>;

/** Runs the CLI as `aitl <argv>` and collects what it printed. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, (l) => out.push(l), (l) => err.push(l));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function inStore<T>(read: (db: Awaited<ReturnType<typeof openStore>>['db']) => Promise<T>): Promise<T> {
  const store = await openStore(dbFile);
  try {
    return await read(store.db);
  } finally {
    await store.close();
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aitl-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  // The CLI reads AITL_* from the environment: start each test from a known one, put the real one back after.
  saved = Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('AITL_')).map((k) => [k, process.env[k]]));
  for (const key of Object.keys(saved)) delete process.env[key];
  dbFile = join(dir, `store-${Math.random().toString(36).slice(2)}`, 'aitl.db');
  process.env.AITL_DATABASE_URL = dbFile;
});
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('AITL_')) delete process.env[key];
  for (const [key, value] of Object.entries(saved)) if (value !== undefined) process.env[key] = value;
});

describe('aitl kb import', () => {
  it('imports the demo help centre into the configured SQLite file and returns 0', async () => {
    const result = await run(['kb', 'import', DEMO_HELP_CENTRE]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const match = /^Imported (\d+) articles as (\d+) passages \(markdown\) into (.+); import (\S+)$/.exec(result.out);
    expect(match, result.out).not.toBeNull();
    const [, articles, passages, location, importId] = match!;
    expect(Number(articles)).toBeGreaterThanOrEqual(40);
    expect(location).toBe(dbFile);
    expect(await inStore(countPassages)).toBe(Number(passages));
    expect((await inStore(latestImport))?.id).toBe(importId);
  });

  it('imports a JSONL file', async () => {
    const file = join(dir, 'kb.jsonl');
    writeFileSync(file, [{ id: 'a', title: 'A', body: 'Alpha.' }, { id: 'b', title: 'B', body: 'Beta.' }].map((d) => JSON.stringify(d)).join('\n'));
    const result = await run(['kb', 'import', file]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Imported 2 articles as 2 passages (jsonl)');
    expect(await inStore(countPassages)).toBe(2);
  });

  it('returns 1 with a message for a missing path, importing nothing', async () => {
    const missing = join(dir, 'no-such-folder');
    const result = await run(['kb', 'import', missing]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`No such file or folder: ${missing}`);
    expect(result.out).toBe('');
    expect(await inStore(countPassages)).toBe(0);
  });

  it('returns 1 naming the line and field of a bad JSONL document', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'a', title: 'A', body: 'ok' })}\n${JSON.stringify({ id: 'b', title: 'B' })}\n`);
    const result = await run(['kb', 'import', file]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: body: `));
    expect(await inStore(countPassages)).toBe(0);
  });

  it('returns 2 with usage when the path is missing', async () => {
    const result = await run(['kb', 'import']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: aitl kb import PATH');
  });
});

describe('aitl', () => {
  it('returns 2 for an unknown command, with the usage', async () => {
    const result = await run(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Unknown command: frobnicate');
    expect(result.err).toContain('kb import PATH');
  });

  it('prints help with 0 when asked, 2 when given no command', async () => {
    const help = await run(['help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: aitl <command>/);
    expect((await run([])).code).toBe(2);
  });

  it('returns 1 with a message naming the variable for a bad configuration', async () => {
    process.env.AITL_PORT = 'not-a-port';
    const result = await run(['kb', 'import', DEMO_HELP_CENTRE]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('AITL_PORT');
    expect(result.err).toContain('"not-a-port"');
    expect(result.out).toBe('');
  });
});
