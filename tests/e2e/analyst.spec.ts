/**
 * The analyst page in real Chromium against a really started backend: type the key, create a batch with a filter,
 * see its counts, download the archive, unpack it and check the manifest against the files.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import { ExportManifest, SCHEMA_VERSION, TrlDpoRecord, uuidv7 } from '../../shared/index.ts';
import { untar } from '../unit/exports/unpack.ts';
import { findChromium } from './chromium.ts';
import { expect, test } from './fixtures.ts';

// The backend this spec starts reads its environment when spawned: no export lag, so just-sent signals are exported.
test.beforeAll(() => {
  process.env.AITL_EXPORT_LAG_SECONDS = '0';
});
test.afterAll(() => {
  delete process.env.AITL_EXPORT_LAG_SECONDS;
});

function createKey(databasePath: string, role: string): string {
  const out = execFileSync(
    process.execPath,
    ['backend/bin/aitl.js', 'keys', 'create', '--tenant', 'default', '--role', role, '--name', `e2e ${role}`],
    {
      env: { ...process.env, AITL_DATABASE_URL: databasePath, AITL_LOG_LEVEL: 'silent' },
      encoding: 'utf8',
    },
  );
  return out.trim().split('\n').pop()!;
}

async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** Two suggestions with signals, sent as the demo's keyless agent: the second one's edit is explained as "outdated". */
async function seedSignals(backendUrl: string): Promise<void> {
  const items: Record<string, unknown>[] = [];
  for (const [ticketId, reason] of [
    ['1001', 'incomplete'],
    ['1003', 'outdated'],
  ] as const) {
    const s = (await post(`${backendUrl}/v1/suggestions`, {
      ticket: {
        host: 'demo',
        ticketId,
        messages: [{ role: 'customer', text: 'My lamp arrived cracked, write to me at jo@example.com. How do I get a refund?' }],
      },
    })) as {
      suggestionId: string;
      candidates: { candidateId: string; variantId: string }[];
      snippets: { snippetId: string; articleId: string }[];
      modelVersion: string;
      indexVersion: string;
    };
    const base = {
      schemaVersion: SCHEMA_VERSION,
      tenant: 'default',
      agent: 'agent-e2e',
      host: 'demo',
      ticketId,
      suggestionId: s.suggestionId,
      modelVersion: s.modelVersion,
      indexVersion: s.indexVersion,
      clientTime: new Date().toISOString(),
    };
    const [a, b] = s.candidates;
    const adoptionId = uuidv7();
    items.push(
      {
        ...base,
        id: uuidv7(),
        kind: 'preference',
        choice: 'left',
        strength: 'clear',
        leftCandidateId: a!.candidateId,
        rightCandidateId: b!.candidateId,
        leftVariantId: a!.variantId,
        rightVariantId: b!.variantId,
      },
      {
        ...base,
        id: adoptionId,
        kind: 'adoption',
        outcome: 'edited',
        candidateId: a!.candidateId,
        variantId: a!.variantId,
        sentText: 'Hi Jo, please send a photo and we refund within 5 days.',
        similarity: 0.6,
      },
      { ...base, id: uuidv7(), kind: 'rationale', adoptionId, reasons: [reason], note: 'call 020 7946 0958' },
      {
        ...base,
        id: uuidv7(),
        kind: 'relevance',
        snippetId: s.snippets[0]!.snippetId,
        articleId: s.snippets[0]!.articleId,
        rank: 1,
        label: 'relevant',
      },
      { ...base, id: uuidv7(), kind: 'missing_knowledge', description: '<img src=x onerror=alert(1)> no article on late damage claims' },
    );
  }
  const { results } = (await post(`${backendUrl}/v1/annotations:batch`, { items })) as { results: { status: string }[] };
  expect(results.map((r) => r.status)).toEqual(items.map(() => 'accepted'));
}

test('an analyst creates a filtered batch, sees its counts and downloads an archive whose manifest matches its files', async ({ backend }) => {
  const key = createKey(backend.databasePath, 'analyst');
  const browser = await chromium.launch({ executablePath: findChromium(), headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ acceptDownloads: true });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${backend.url}/analyst`);
    await expect(page.getByText('Not signed in.')).toBeVisible();
    // Without a key the page says what to do, instead of sending a keyless (agent) call the server refuses.
    await page.getByRole('button', { name: 'Create batch' }).click();
    await expect(page.locator('#error')).toContainText('Enter an analyst key');
    // Every control of the form has a label of its own.
    const labels = await page.locator('#create-form').evaluate((form) =>
      [...form.querySelectorAll('input, select')].map((c) => {
        const control = c as HTMLInputElement;
        return [...(control.labels ?? [])].map((l) => l.textContent!.trim()).join(' ') || control.getAttribute('aria-label') || '';
      }),
    );
    expect(labels.filter((l) => l === '')).toEqual([]);
    expect(new Set(labels).size).toBe(labels.length);
    await expect(page.getByLabel('From a chosen time')).toHaveAttribute('type', 'radio');
    await expect(page.getByLabel('Start date and time')).toHaveAttribute('type', 'datetime-local');

    await page.getByLabel('Analyst or admin key').fill(key);
    await page.getByRole('button', { name: 'Use key' }).click();
    await expect(page.getByText('Tenant default, role analyst.')).toBeVisible();
    // Nothing received yet: the console says so in words, chart by chart.
    await expect(page.locator('#chart-activity')).toHaveText('No signals in this window yet.');
    await expect(page.locator('#chart-preferences')).toHaveText('No A/B choices in this window yet.');
    await expect(page.locator('#chart-flywheel')).toHaveText('No version trained yet: the flywheel has not run for this tenant.');
    await expect(page.locator('#gaps-summary')).toHaveText('No missing knowledge reported in this window yet.');
    await expect(page.locator('.chart svg')).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Download CSV' })).toBeDisabled();
    expect(await page.evaluate(() => Object.keys(localStorage))).toEqual([]);

    await seedSignals(backend.url);
    // The key survives a reload of the tab; the signals just sent are charted and their gaps listed.
    await page.reload();
    await expect(page.getByText('Tenant default, role analyst.')).toBeVisible();
    await expect(page.locator('#chart-activity svg[role="img"]')).toHaveAttribute('aria-label', /10 signals/);
    await expect(page.locator('#gaps tbody tr')).not.toHaveCount(0);
    // An agent's text is shown as text, never as markup.
    await expect(page.locator('#gaps td.title').first()).toContainText('<img src=x onerror=alert(1)>');
    await expect(page.locator('#gaps img')).toHaveCount(0);

    await page.getByLabel('outdated').check();
    await page.getByRole('button', { name: 'Create batch' }).click();
    const row = page.locator('#batches tbody tr').first();
    await expect(row.locator('.status')).toHaveText('ready');
    await row.locator('summary').click();
    await expect(row.locator('li[data-path="dpo.trl.jsonl.gz"] .file-count')).toHaveText('dpo.trl.jsonl.gz: 2');
    await expect(row.locator('li[data-path="beir/qrels/test.tsv"] .file-count')).toHaveText('beir/qrels/test.tsv: 2');
    // Who made it: the key's id.
    await expect(row.locator('.created-by')).toHaveText(`e2e analyst${key.slice(5, 21)}`);
    // The first records of a file, previewed on the page: JSON lines as JSON, a TSV with its header.
    await row.getByRole('button', { name: 'Preview dpo.trl.jsonl.gz' }).click();
    const preview = row.locator('[data-preview="dpo.trl.jsonl.gz"]');
    await expect(preview.locator('p')).toHaveText(/^First 2 of 2 records of dpo\.trl\.jsonl\.gz \(trl-dpo/);
    await expect(preview.locator('pre')).toHaveCount(2);
    await expect(preview.locator('pre').first()).toContainText('"chosen"');
    await row.getByRole('button', { name: 'Preview beir/qrels/test.tsv' }).click();
    await expect(row.locator('[data-preview="beir/qrels/test.tsv"] pre')).toContainText('query-id');
    await row.getByRole('button', { name: 'Preview dpo.trl.jsonl.gz' }).click();
    await expect(preview).toHaveCount(0);

    const [download] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: 'Download tar.gz' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^aitl-export-[0-9a-f-]+\.tar\.gz$/);
    const entries = untar(gunzipSync(readFileSync((await download.path())!)));
    const manifest = ExportManifest.parse(JSON.parse(entries.get('manifest.json')!.toString('utf8')));
    expect(manifest.tenant).toBe('default');
    expect(manifest.filters).toEqual({ excludeReasons: ['outdated'] });
    expect(manifest.counts.read).toBe(10);
    expect(manifest.counts['excluded.rationale']).toBe(3);
    expect([...entries.keys()]).toEqual(['manifest.json', ...manifest.files.map((f) => f.path)]);
    for (const f of manifest.files) {
      const bytes = entries.get(f.path)!;
      expect(createHash('sha256').update(bytes).digest('hex'), f.path).toBe(f.sha256);
      expect(bytes.length, f.path).toBe(f.bytes);
    }
    const pairs = gunzipSync(entries.get('dpo.trl.jsonl.gz')!)
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => TrlDpoRecord.parse(JSON.parse(l)));
    expect(pairs.map((p) => p.metadata.source).sort()).toEqual(['edit', 'preference']);
    const everything = [...entries.values()].map((b) => (b[0] === 0x1f && b[1] === 0x8b ? gunzipSync(b) : b).toString('utf8')).join('\n');
    expect(everything).not.toContain('jo@example.com');
    expect(everything).not.toContain('020 7946 0958');
    expect(dialogs).toEqual([]);

    // "Since my last export" ending before that export ended is refused by the server; the page shows its reason.
    await page.getByLabel('Since my last export').check();
    await page.getByLabel('End date and time (optional)').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Create batch' }).click();
    await expect(page.locator('#error')).toContainText('where your last export ended');
    await expect(page.locator('#batches tbody tr')).toHaveCount(1);
    // Without an end, it is a batch of nothing new, and the row says why.
    await page.getByLabel('End date and time (optional)').fill('');
    await page.getByRole('button', { name: 'Create batch' }).click();
    await expect(page.locator('#error')).toBeEmpty();
    const empty = page.locator('#batches tbody tr').first();
    await expect(empty.locator('.status')).toHaveText('ready');
    await expect(empty).toContainText('0 records');
    await expect(empty.locator('.explanation')).toContainText(/^Why: .*0 signals/);

    // A bad request is refused with the field named, on the page.
    for (const box of await page.locator('input[name="kind"]').all()) await box.uncheck();
    await page.getByRole('button', { name: 'Create batch' }).click();
    await expect(page.locator('#error')).toContainText('kinds');

    await page.getByRole('button', { name: 'Forget key' }).click();
    await expect(page.getByText('Not signed in.')).toBeVisible();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
  } finally {
    await browser.close();
  }
});
