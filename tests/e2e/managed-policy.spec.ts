/**
 * Managed deployment in real Chromium: a policy file in /etc/chromium/policies/managed/ configures the extension
 * (`3rdparty.extensions.<id>`) before the browser starts, and with no options set the extension uses the policy's
 * backend URL, tenant and tenant-wide key; the options page shows them locked; a suggestion and an annotation go
 * through with them, the annotation recorded for the agent the demo help desk shows as signed in (pseudonymised);
 * a policy change applies without a reload; a revoked key answers 401 and the sidebar says so.
 *
 * Chromium reads policy for every browser on the machine, and with the extension's stable id any other test run at
 * the same time would pick this policy up. So the test loads a copy of the build under a key made for this run (its
 * own id) and configures that id only; the code under test is the same. Needs root (the policy folder is in /etc);
 * elsewhere it is skipped with the reason. The file is removed afterwards.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Worker } from '@playwright/test';
import { extensionIdFromKey } from '../../extension/manifest-key.ts';
import { KEY_REFUSED_MESSAGE } from '../../shared/index.ts';
import { type Backend, EXTENSION_DIR, expect, launchWithExtension, serviceWorkerOf, test } from './fixtures.ts';

const POLICY_DIR = '/etc/chromium/policies/managed';
const POLICY_FILE = join(POLICY_DIR, 'aitl-test.json');
const DEMO_AGENT_EMAIL = 'sam.rivera@juniper-vale.example';

/** Why this machine cannot run the test, or undefined when it can. */
function cannotWritePolicy(): string | undefined {
  if (process.getuid?.() !== 0) return `writing Chromium policy needs root (${POLICY_DIR}); run as root to include this test`;
  try {
    mkdirSync(POLICY_DIR, { recursive: true });
    writeFileSync(join(POLICY_DIR, '.aitl-probe'), '{}');
    rmSync(join(POLICY_DIR, '.aitl-probe'));
    return undefined;
  } catch (error) {
    return `cannot write ${POLICY_DIR}: ${(error as Error).message}`;
  }
}

function writePolicy(id: string, config: Record<string, unknown>): void {
  writeFileSync(POLICY_FILE, JSON.stringify({ '3rdparty': { extensions: { [id]: config } } }, null, 2));
}

/** A copy of the built extension under a fresh key: its own id, so this policy reaches nothing else. */
function extensionCopy(dir: string): { path: string; id: string } {
  const path = join(dir, 'extension');
  cpSync(EXTENSION_DIR, path, { recursive: true });
  const key = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const manifest = JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(path, 'manifest.json'), JSON.stringify({ ...manifest, key }));
  return { path, id: extensionIdFromKey(key) };
}

function aitl(backend: Backend, ...args: string[]): string {
  return execFileSync(process.execPath, ['backend/bin/aitl.js', ...args], {
    env: { ...process.env, AITL_DATABASE_URL: backend.databasePath, AITL_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
}

const createKey = (backend: Backend, role: string) =>
  aitl(backend, 'keys', 'create', '--tenant', 'acme', '--role', role, '--name', `managed-${role}`).trim().split('\n').pop()!;

async function managedSettings(worker: Worker): Promise<Record<string, unknown>> {
  return worker.evaluate(() =>
    (globalThis as unknown as { chrome: { storage: { managed: { get(): Promise<Record<string, unknown>> } } } }).chrome.storage.managed.get(),
  );
}

test.describe('managed deployment by policy', () => {
  let dir: string;
  let context: BrowserContext | undefined;

  test.beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aitl-managed-'));
  });

  test.afterAll(async () => {
    await context?.close();
    rmSync(POLICY_FILE, { force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('the extension runs on the policy alone: locked options, suggestions and annotations with the tenant-wide key, 401 once revoked', async ({
    backend,
  }) => {
    const skipReason = cannotWritePolicy();
    test.skip(skipReason !== undefined, `Skipped: ${skipReason}`);
    test.setTimeout(180_000);
    const agentKey = createKey(backend, 'agent');
    const analystKey = createKey(backend, 'analyst');
    const extension = extensionCopy(dir);
    const policy = { backendUrl: `${backend.url}/`, tenant: 'acme', apiKey: agentKey, pairwisePromptPercent: 100 };
    writePolicy(extension.id, policy);
    // Packaged with its own key, the extension has its own id: the admin allows its origin on the backend.
    const allowed = process.env.AITL_ALLOWED_ORIGINS;
    process.env.AITL_ALLOWED_ORIGINS = `chrome-extension://${extension.id}`;
    try {
      await backend.stop();
      await backend.start();
    } finally {
      if (allowed === undefined) delete process.env.AITL_ALLOWED_ORIGINS;
      else process.env.AITL_ALLOWED_ORIGINS = allowed;
    }

    context = await launchWithExtension(join(dir, 'profile'), extension.path);
    const worker = await serviceWorkerOf(context);

    await test.step('the extension has the id of its key and reads the policy, with nothing in its options', async () => {
      expect(new URL(worker.url()).host).toBe(extension.id);
      // Chromium's first managed read after start can take seconds.
      await expect.poll(() => managedSettings(worker), { timeout: 30_000 }).toMatchObject({ backendUrl: policy.backendUrl, tenant: 'acme' });
      const local = await worker.evaluate(() =>
        (globalThis as unknown as { chrome: { storage: { local: { get(k: string[]): Promise<object> } } } }).chrome.storage.local.get([
          'backendUrl',
          'apiKey',
          'tenant',
        ]),
      );
      expect(local).toEqual({});
    });

    const options = await context.newPage();
    await test.step('the options page shows the managed values locked, with where they came from', async () => {
      await options.goto(`chrome-extension://${extension.id}/options.html`);
      await expect(options.locator('#backend-url')).toBeDisabled();
      await expect(options.locator('#backend-url')).toHaveValue(backend.url);
      await expect(options.locator('#api-key')).toBeDisabled();
      await expect(options.locator('#api-key')).toHaveValue(agentKey);
      for (const name of ['backendUrl', 'apiKey'])
        await expect(options.locator(`[data-source-of="${name}"]`)).toHaveAttribute('data-source', 'policy');
      await expect(options.locator('[data-setting="tenant"]')).toHaveAttribute('data-locked', 'true');
      await expect(options.locator('[data-setting="tenant"] .value')).toHaveText('acme');
      await expect(options.locator('[data-setting="keySource"]')).toHaveAttribute('data-source', 'policy');
      await expect(options.getByRole('note')).toContainText('Your organisation manages this extension');
      // What the agent may still choose is editable, marked as theirs or the default.
      await expect(options.locator('#annotation-prompts')).toBeEnabled();
      await expect(options.locator('[data-source-of="annotationPrompts"]')).toHaveAttribute('data-source', 'default');
    });

    const page = await context.newPage();
    const sidebar = page.locator('aitl-sidebar .panel');
    await test.step('a suggestion goes through with the managed backend and key', async () => {
      await page.goto(`${backend.url}/demo/tickets/1001`);
      await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '1001');
      const db = new Database(backend.databasePath, { readonly: true });
      try {
        expect(db.prepare('SELECT DISTINCT tenant FROM suggestions').all()).toEqual([{ tenant: 'acme' }]);
      } finally {
        db.close();
      }
    });

    await test.step('an annotation goes through, recorded for the signed-in agent as a pseudonym', async () => {
      await sidebar.getByRole('button', { name: 'Tie' }).click();
      await expect(sidebar.getByText('✓ Saved')).toBeVisible();
      const expected = `sha256:${createHash('sha256').update(`acme\n${DEMO_AGENT_EMAIL}`).digest('hex').slice(0, 32)}`;
      await expect
        .poll(
          async () => {
            const res = await fetch(`${backend.url}/v1/annotations?kind=preference`, { headers: { authorization: `Bearer ${analystKey}` } });
            const page = (await res.json()) as { items: { annotation: { tenant: string; agent: string; choice: string } }[] };
            return page.items.map((i) => i.annotation);
          },
          { timeout: 30_000 },
        )
        .toEqual([expect.objectContaining({ tenant: 'acme', agent: expected, choice: 'tie' })]);
    });

    await test.step('a policy change applies without a reload', async () => {
      writePolicy(extension.id, { ...policy, annotationPrompts: false });
      // Chromium notices the changed file and fires storage.onChanged (area managed); both pages redraw.
      await expect(options.locator('[data-setting="annotationPrompts"]')).toHaveAttribute('data-source', 'policy', { timeout: 45_000 });
      await expect(options.locator('#annotation-prompts')).toBeDisabled();
      await expect(sidebar.locator('.snippet').first().getByRole('button', { name: 'Relevant', exact: true })).toHaveCount(0);
      await expect(sidebar.getByRole('group', { name: 'Which reply is better?' })).toHaveCount(0);
    });

    await test.step('a revoked key answers 401 on the next request, and the sidebar says so', async () => {
      const id = /^aitl_([0-9a-f]{16})_/.exec(agentKey)![1]!;
      expect(aitl(backend, 'keys', 'revoke', id)).toContain(`Revoked API key ${id}`);
      await page.locator('[data-ticket-link="1002"]').click();
      const refused = sidebar.locator('[data-failure="unauthorized"]');
      await expect(refused).toBeVisible();
      await expect(refused).toContainText(KEY_REFUSED_MESSAGE);
    });
  });
});
