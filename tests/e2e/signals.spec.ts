/**
 * The four signals and adoption, given while the backend is down, survive a browser restart in the outbox and
 * reach the backend exactly once when it comes back.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page, Worker } from '@playwright/test';
import { expect, launchWithExtension, pointExtensionAt, serviceWorkerOf, test } from './fixtures.ts';

/** Ids queued in the extension's outbox (IndexedDB, read inside the service worker). */
async function outboxIds(worker: Worker): Promise<string[]> {
  return worker.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('aitl-outbox');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const request = open.result.transaction('items').objectStore('items').getAllKeys();
          request.onsuccess = () => resolve((request.result as string[]).sort());
          request.onerror = () => reject(request.error);
        };
      }),
  );
}

async function openTicket(page: Page, url: string, ticketId: string) {
  await page.goto(`${url}/demo/tickets/${ticketId}`);
  const sidebar = page.locator('aitl-sidebar .panel');
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', ticketId);
  return sidebar;
}

test('signals given offline are kept across a browser restart and stored exactly once', async ({ backend }) => {
  test.setTimeout(180_000);
  const profile = mkdtempSync(join(tmpdir(), 'aitl-profile-'));
  try {
    let context = await launchWithExtension(profile);
    await pointExtensionAt(await serviceWorkerOf(context), backend.url);
    const first = await context.newPage();
    const second = await context.newPage();
    const s1 = await openTicket(first, backend.url, '1001');
    const s2 = await openTicket(second, backend.url, '1003');

    await backend.stop();

    // Ticket 1001: preference with strength, relevance on two snippets, missing knowledge, a verbatim adoption.
    await s1.getByRole('button', { name: 'A is better' }).click();
    await s1.getByRole('button', { name: 'Clearly' }).click();
    await expect(s1.locator('.preference').getByText('✓ Saved')).toBeVisible();
    await expect(s1.getByRole('button', { name: 'Clearly' })).toHaveAttribute('aria-pressed', 'true');
    await s1.locator('.snippet').nth(0).getByRole('button', { name: 'Relevant', exact: true }).click();
    await s1.locator('.snippet').nth(1).getByRole('button', { name: 'Not relevant' }).click();
    await expect(s1.locator('.snippet').nth(1).locator('.save-status.saved')).toBeVisible();
    await s1.getByRole('button', { name: 'Report missing or outdated knowledge' }).click();
    await s1
      .getByLabel('What is missing from the knowledge base?')
      .fill('How to claim for a lamp damaged after 30 days; write to me at jo@example.com');
    await s1.getByLabel('Proposed article title (optional)').fill('Late damage claims');
    await s1.getByRole('button', { name: 'Report', exact: true }).click();
    await expect(s1.locator('.missing').getByText('✓ Saved')).toBeVisible();
    await s1.getByRole('button', { name: 'Use Reply A' }).click();
    await first.locator('#send').click();
    await expect(s1.getByText('✓ Reply outcome recorded')).toBeVisible();
    await expect(s1.locator('form.rationale')).toHaveCount(0);

    // Ticket 1003: tie preference, partly relevant, an edited adoption with a reason.
    await s2.getByRole('button', { name: 'Tie' }).click();
    await expect(s2.locator('.preference').getByText('✓ Saved')).toBeVisible();
    await s2.locator('.snippet').nth(0).getByRole('button', { name: 'Partly relevant' }).click();
    await expect(s2.locator('.snippet').nth(0).locator('.save-status.saved')).toBeVisible();
    await s2.getByRole('button', { name: 'Use Reply B' }).click();
    await second.locator('#composer').press('End');
    await second.locator('#composer').pressSequentially(' Sorry for the trouble, Sofia!');
    await second.locator('#send').click();
    const rationale = s2.locator('form.rationale');
    await expect(rationale).toContainText('You edited the suggestion');
    await rationale.getByLabel('Too long').check();
    await rationale.getByLabel('Note (optional)').fill('Call me on +44 7700 900123 instead');
    await rationale.getByRole('button', { name: 'Send reasons' }).click();
    await expect(rationale).toHaveCount(0);

    const worker = await serviceWorkerOf(context);
    const queued = await outboxIds(worker);
    // 1001: preference, 2 relevance, missing knowledge, adoption; 1003: preference, relevance, adoption, rationale.
    expect(queued).toHaveLength(9);

    // The popup tells the agent what is waiting and that the backend is down.
    const popup = await context.newPage();
    await popup.goto(new URL('popup.html', worker.url()).toString());
    await expect(popup.locator('dt:has-text("Waiting to sync") + dd')).toHaveText('9');
    await expect(popup.locator('dt:has-text("Backend") + dd')).toContainText('not reachable');
    await expect(popup.locator('dt:has-text("Dead letters") + dd')).toHaveText('0');
    await context.close();

    // Relaunch on the same profile: the outbox is still there.
    context = await launchWithExtension(profile);
    expect(await outboxIds(await serviceWorkerOf(context))).toEqual(queued);

    await backend.start();
    const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
    try {
      await expect
        .poll(() => (db.prepare('SELECT count(*) AS n FROM annotations').get() as { n: number }).n, { timeout: 90_000 })
        .toBe(queued.length);
      const rows = db.prepare('SELECT id, kind, payload FROM annotations ORDER BY id').all() as { id: string; kind: string; payload: string }[];
      expect(rows.map((r) => r.id)).toEqual(queued);
      const kinds = rows.map((r) => r.kind).sort();
      expect(kinds).toEqual([
        'adoption',
        'adoption',
        'missing_knowledge',
        'preference',
        'preference',
        'rationale',
        'relevance',
        'relevance',
        'relevance',
      ]);
      const adoptions = rows.filter((r) => r.kind === 'adoption').map((r) => JSON.parse(r.payload) as { outcome: string });
      expect(adoptions.map((a) => a.outcome).sort()).toEqual(['edited', 'verbatim']);
      // Personal data typed by the agent was redacted before it left the browser.
      expect(rows.map((r) => r.payload).join('\n')).not.toMatch(/jo@example\.com|7700 900123/);
    } finally {
      db.close();
    }
    const relaunched = await serviceWorkerOf(context);
    await expect.poll(() => outboxIds(relaunched), { timeout: 30_000 }).toEqual([]);
    await context.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
