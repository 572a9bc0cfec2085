import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createApp } from '../../backend/app.ts';
import { main } from '../../backend/cli/main.ts';
import { loadConfig } from '../../backend/config.ts';
import { createKnowledge } from '../../backend/rag/knowledge.ts';
import { DEMO_HELP_CENTRE } from '../../backend/demo/tickets.ts';
import { openStore } from '../../backend/store/connect.ts';
import { getHostConfig } from '../../backend/store/host-config.ts';
import { SHARED_KNOWLEDGE } from '../../backend/rag/knowledge-bases.ts';
import { countPassages, latestImport } from '../../backend/store/passages.ts';
import { isolateAitlEnv } from './dialects.ts';

let dir: string;
let dbFile: string;

/** Runs the CLI as `aitl <argv>` and collects what it printed. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** Passages in knowledge base `base` (the shared one by default) of the CLI's store. */
const passagesIn = (base = SHARED_KNOWLEDGE) => inStore((db) => countPassages(db, base));

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

isolateAitlEnv();
beforeEach(() => {
  dbFile = join(dir, `store-${Math.random().toString(36).slice(2)}`, 'aitl.db');
  process.env.AITL_DATABASE_URL = dbFile;
});

describe('aitl kb import', () => {
  it('imports the demo help centre into the configured SQLite file and returns 0', async () => {
    const result = await run(['kb', 'import', DEMO_HELP_CENTRE]);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const match = /^Imported (\d+) articles as (\d+) passages \(markdown\) into the shared knowledge base in (.+); import (\S+)$/.exec(result.out);
    expect(match, result.out).not.toBeNull();
    const [, articles, passages, location, importId] = match!;
    expect(Number(articles)).toBeGreaterThanOrEqual(40);
    expect(location).toBe(dbFile);
    expect(await passagesIn()).toBe(Number(passages));
    expect((await inStore((db) => latestImport(db, SHARED_KNOWLEDGE)))?.id).toBe(importId);
  });

  it("imports into a tenant's own knowledge base with --tenant, leaving the shared one alone", async () => {
    const result = await run(['kb', 'import', DEMO_HELP_CENTRE, '--tenant', 'acme']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const match = /^Imported (\d+) articles as (\d+) passages \(markdown\) into tenant acme's knowledge base in .+; import (\S+)$/.exec(result.out);
    expect(match, result.out).not.toBeNull();
    expect(await passagesIn('acme')).toBe(Number(match![2]));
    expect((await inStore((db) => latestImport(db, 'acme')))?.id).toBe(match![3]);
    expect(await passagesIn()).toBe(0);
    const status = await run(['kb', 'status', '--tenant', 'acme', '--json']);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({ base: 'acme', latestImport: { id: match![3] }, passages: Number(match![2]) });
    // Another tenant has no base of its own: the (empty) shared one serves it.
    expect(JSON.parse((await run(['kb', 'status', '--tenant', 'globex', '--json'])).out)).toMatchObject({
      base: '*',
      latestImport: null,
      passages: 0,
    });
    expect((await run(['kb', 'import', DEMO_HELP_CENTRE, '--tenant', ''])).code).toBe(2);
  });

  it('imports a JSONL file', async () => {
    const file = join(dir, 'kb.jsonl');
    writeFileSync(
      file,
      [
        { id: 'a', title: 'A', body: 'Alpha.' },
        { id: 'b', title: 'B', body: 'Beta.' },
      ]
        .map((d) => JSON.stringify(d))
        .join('\n'),
    );
    const result = await run(['kb', 'import', file]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('Imported 2 articles as 2 passages (jsonl)');
    expect(await passagesIn()).toBe(2);
  });

  it('returns 1 with a message for a missing path, importing nothing', async () => {
    const missing = join(dir, 'no-such-folder');
    const result = await run(['kb', 'import', missing]);
    expect(result.code).toBe(1);
    expect(result.err).toBe(`No such file or folder: ${missing}`);
    expect(result.out).toBe('');
    expect(await passagesIn()).toBe(0);
  });

  it('returns 1 naming the line and field of a bad JSONL document', async () => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ id: 'a', title: 'A', body: 'ok' })}\n${JSON.stringify({ id: 'b', title: 'B' })}\n`);
    const result = await run(['kb', 'import', file]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: body: `));
    expect(await passagesIn()).toBe(0);
  });

  it('returns 2 with usage when the path is missing', async () => {
    const result = await run(['kb', 'import']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Usage: aitl kb import PATH');
  });
});

/** GET /v1/annotations with `key` through an app on the CLI's store, in required mode: the status. */
async function statusWithKey(key: string): Promise<number> {
  const store = await openStore(dbFile);
  try {
    const config = { ...loadConfig({ AITL_DATABASE_URL: dbFile, AITL_AUTH: 'required' }), demo: false };
    const app = createApp({ config, store, knowledge: await createKnowledge(store.db), logger: pino({ level: 'silent' }) });
    const response = await app.request('/v1/annotations', { headers: { authorization: `Bearer ${key}` } });
    return response.status;
  } finally {
    await store.close();
  }
}

describe('aitl keys', () => {
  it('create prints a description, then the key alone on the last line; the key authenticates', async () => {
    const result = await run(['keys', 'create', '--tenant', 'acme', '--role', 'analyst', '--name', 'weekly export']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const lines = result.out.split('\n');
    expect(lines.length).toBeGreaterThan(1);
    const key = lines[lines.length - 1]!;
    expect(key).toMatch(/^aitl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const id = key.slice(5, 21);
    expect(lines[0]).toContain(id);
    expect(lines[0]).toContain('acme');
    expect(lines[0]).toContain('analyst');
    expect(await statusWithKey(key)).toBe(200);
    expect(await statusWithKey(key.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).toBe(401);
  });

  it('list shows every key without its secret; revoke makes a key fail from then on', async () => {
    const created = await run(['keys', 'create', '--tenant', 'acme', '--role', 'agent']);
    const key = created.out.split('\n').pop()!;
    const id = key.slice(5, 21);
    await run(['keys', 'create', '--tenant', 'globex', '--role', 'admin', '--name', 'ops']);

    const listed = await run(['keys', 'list']);
    expect(listed.code).toBe(0);
    const lines = listed.out.split('\n');
    expect(lines[0]).toMatch(/^ID\s+TENANT\s+ROLE\s+NAME\s+CREATED\s+LAST USED\s+REVOKED$/);
    expect(lines).toHaveLength(3);
    expect(listed.out).toContain(id);
    expect(listed.out).toContain('globex');
    expect(listed.out).not.toContain(key.slice(22));

    const revoked = await run(['keys', 'revoke', id]);
    expect(revoked).toEqual({ code: 0, out: `Revoked API key ${id}`, err: '' });
    expect((await run(['keys', 'revoke', id])).out).toContain('already revoked');
    const missing = await run(['keys', 'revoke', 'ffffffffffffffff']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('No API key ffffffffffffffff');
    const after = (await run(['keys', 'list'])).out.split('\n').find((l) => l.startsWith(id))!;
    expect(after).toMatch(/\d{4}-\d{2}-\d{2}T\S+Z$/);
  });

  it('list says how to make a key when there is none', async () => {
    const listed = await run(['keys', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.out).toContain('aitl keys create');
  });

  it.each([
    [['keys'], 'Missing subcommand'],
    [['keys', 'rotate'], 'Unknown subcommand'],
    [['keys', 'create', '--role', 'agent'], '--tenant'],
    [['keys', 'create', '--tenant', 'acme'], '--role'],
    [['keys', 'create', '--tenant', 'acme', '--role', 'root'], 'agent, analyst, admin'],
    [['keys', 'create', '--tenant', 'acme', '--role', 'agent', '--colour', 'red'], 'colour'],
    [['keys', 'revoke'], 'revoke'],
  ])('returns 2 with usage for %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Usage: aitl keys create');
    expect(result.out).toBe('');
  });
});

describe('aitl config', () => {
  const write = (name: string, content: unknown) => {
    const file = join(dir, name);
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    return file;
  };
  const good = { selectors: { zendesk: { composer: '.editor', ticketSubject: ['h1.subject', '[data-test-id="subject"]'] } } };
  const normalised = { selectors: { zendesk: { composer: ['.editor'], ticketSubject: ['h1.subject', '[data-test-id="subject"]'] } } };

  it('show prints the empty config when none is stored', async () => {
    const shown = await run(['config', 'show']);
    expect(shown).toEqual({ code: 0, out: JSON.stringify({ selectors: {} }, null, 2), err: '' });
  });

  it('set stores a checked file for the tenant; show prints it; the API serves it', async () => {
    const set = await run(['config', 'set', write('good.json', good), '--tenant', 'acme']);
    expect(set.err).toBe('');
    expect(set.code).toBe(0);
    expect(set.out).toContain('acme');
    expect(set.out).toContain('zendesk (2)');
    const shown = await run(['config', 'show', '--tenant', 'acme']);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.out)).toEqual(normalised);
    // Other tenants, and the default one, are untouched.
    expect(JSON.parse((await run(['config', 'show'])).out)).toEqual({ selectors: {} });
    expect((await inStore((db) => getHostConfig(db, 'acme')))?.updatedBy).toBeNull();

    const store = await openStore(dbFile);
    try {
      const config = { ...loadConfig({ AITL_DATABASE_URL: dbFile, AITL_DEFAULT_TENANT: 'acme' }), demo: false };
      const app = createApp({ config, store, knowledge: await createKnowledge(store.db), logger: pino({ level: 'silent' }) });
      expect(await (await app.request('/v1/config')).json()).toEqual(normalised);
    } finally {
      await store.close();
    }
  });

  it('uses AITL_DEFAULT_TENANT when no --tenant is given', async () => {
    process.env.AITL_DEFAULT_TENANT = 'globex';
    expect((await run(['config', 'set', write('good.json', good)])).code).toBe(0);
    expect(JSON.parse((await run(['config', 'show'])).out)).toEqual(normalised);
    expect(JSON.parse((await run(['config', 'show', '--tenant', 'globex'])).out)).toEqual(normalised);
    expect(JSON.parse((await run(['config', 'show', '--tenant', 'default'])).out)).toEqual({ selectors: {} });
  });

  it('returns 1 naming the field for an invalid file, and stores nothing', async () => {
    expect((await run(['config', 'set', write('good.json', good), '--tenant', 'acme'])).code).toBe(0);
    for (const [content, field] of [
      [{ selectors: { zendesk: { 'bad-key': '.x' } } }, 'selectors.zendesk.bad-key'],
      [{ selectors: { zendesk: { composer: [] } } }, 'selectors.zendesk.composer'],
      [{ selectors: { freshdesk: {} } }, 'selectors'],
    ] as const) {
      const file = write('bad.json', content);
      const result = await run(['config', 'set', file, '--tenant', 'acme']);
      expect(result.code).toBe(1);
      expect(result.err).toContain(`${file}: ${field}: `);
      expect(result.out).toBe('');
    }
    const notJson = await run(['config', 'set', write('broken.json', '{"selectors":'), '--tenant', 'acme']);
    expect(notJson.code).toBe(1);
    expect(notJson.err).toContain('not valid JSON');
    const missing = await run(['config', 'set', join(dir, 'nowhere.json'), '--tenant', 'acme']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('no such file');
    expect(JSON.parse((await run(['config', 'show', '--tenant', 'acme'])).out)).toEqual(normalised);
  });

  it.each([
    [['config'], 'Missing subcommand'],
    [['config', 'edit'], 'Unknown subcommand'],
    [['config', 'set'], 'Name the JSON file'],
    [['config', 'set', 'a.json', 'b.json'], 'Unexpected argument: b.json'],
    [['config', 'show', 'extra'], 'Unexpected argument: extra'],
    [['config', 'show', '--tenant', ''], '--tenant'],
    [['config', 'show', '--colour', 'red'], 'colour'],
  ])('returns 2 with usage for %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
    expect(result.err).toContain('Usage: aitl config show');
    expect(result.out).toBe('');
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

describe('aitl <command> --help', () => {
  const commands = ['serve', 'kb', 'keys', 'config', 'eval', 'flywheel', 'tenants', 'audit', 'simulate', 'gaps', 'export'];

  it.each(commands)('%s --help, -h and `help %s` print its usage and exit 0', async (command) => {
    for (const argv of [
      [command, '--help'],
      [command, '-h'],
      ['help', command],
    ]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.err, argv.join(' ')).toBe('');
      expect(result.out, argv.join(' ')).toMatch(new RegExp(`^Usage:[\\s\\S]*aitl ${command}\\b`));
    }
  });

  it('answers help after a subcommand and its flags too, without reading the configuration', async () => {
    process.env.AITL_PORT = 'not-a-port';
    for (const argv of [
      ['kb', 'import', '--help'],
      ['flywheel', 'run', '--tenant', 'acme', '-h'],
      ['export', '--kind', 'dpo', '--help'],
    ]) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(0);
      expect(result.out).toContain('Usage:');
    }
  });

  it('`help` of an unknown command is a usage error', async () => {
    const result = await run(['help', 'frobnicate']);
    expect(result.code).toBe(2);
    expect(result.err).toContain('Unknown command: frobnicate');
  });
});

describe('empty states are said in words', () => {
  it('flywheel status with no runs, gaps with none, tenants with none, audit with none', async () => {
    const status = await run(['flywheel', 'status']);
    expect(status.code).toBe(0);
    expect(status.out).toContain('no flywheel runs yet');
    expect(status.out).toContain('no trained versions yet');
    expect(status.out).not.toContain('runs (newest first)');

    const gaps = await run(['gaps']);
    expect(gaps.code).toBe(0);
    expect(gaps.out).toBe('No missing-knowledge reports for tenant default.');

    const tenants = await run(['tenants', 'list']);
    expect(tenants.code).toBe(0);
    expect(tenants.out).toMatch(/^No tenants yet/);

    const audit = await run(['audit', '--tenant', 'acme']);
    expect(audit.code).toBe(0);
    expect(audit.out).toBe('No audit entries of tenant acme yet.');
  });
});
