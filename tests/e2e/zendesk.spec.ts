/**
 * The Zendesk adapter in real Chromium, on the saved Agent Workspace pages (standard and custom ticket layouts)
 * served at their real URLs with the real CKEditor 5: the sidebar reads only the active ticket while a background
 * one stays mounted, follows tab switches, pastes through CKEditor, records each send once for the right ticket
 * whichever way it was sent, and says so when a renamed layout breaks reading until an admin override repairs it.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { BrowserContext, Page } from '@playwright/test';
import { expect, test } from './fixtures.ts';
import { redactNames } from '../../shared/names.ts';

const ORIGIN = 'https://acme.zendesk.com';
const ACTIVE = '48213';
const BACKGROUND = '48207';

const ASSETS: Record<string, string> = {
  '/fixture-assets/agent.js': resolve('tests/fixtures/zendesk/agent.js'),
  '/fixture-assets/ckeditor5.js': resolve('node_modules/ckeditor5/dist/browser/ckeditor5.js'),
  '/fixture-assets/ckeditor5.css': resolve('node_modules/ckeditor5/dist/browser/ckeditor5.css'),
};

/** Every page under /agent/ is the workspace (it routes in the page); assets come from the fixture and node_modules. */
async function serveWorkspace(context: BrowserContext): Promise<void> {
  await context.route(`${ORIGIN}/**`, (route) => {
    const { pathname } = new URL(route.request().url());
    const asset = ASSETS[pathname];
    if (asset) return route.fulfill({ path: asset });
    // Zendesk's REST API, as a signed-in agent's session reads it (the adapter learns the agent's name to redact it).
    if (pathname === '/api/v2/users/me.json')
      return route.fulfill({ json: { user: { id: 381_114, name: 'Dana Whitfield', email: 'dana.whitfield@acme.example', role: 'agent' } } });
    // Tickets 501xx are open on an account with custom ticket layouts.
    const page = /^\/agent\/tickets\/501\d\d/.test(pathname) ? 'custom-layout.html' : 'agent.html';
    if (pathname.startsWith('/agent/')) return route.fulfill({ path: resolve(`tests/fixtures/zendesk/${page}`), contentType: 'text/html' });
    return route.fulfill({ status: 404, body: 'not in the fixture' });
  });
}

async function openWorkspace(page: Page, path: string) {
  await page.goto(ORIGIN + path);
  await expect(page.locator('html')).toHaveAttribute('data-fixture-ready', 'true');
  return page.locator('aitl-sidebar .panel');
}

const squash = (text: string | null) => (text ?? '').replace(/\s+/g, ' ').trim();

interface FixtureWindow {
  fixtureEditors: Record<string, { getData(): string }>;
  fixtureSent: { ticketId: string; html: string; via: string; status: string; note: boolean }[];
}

/** CKEditor's HTML as plain text, whitespace squashed. */
function plain(page: Page, html: string): Promise<string> {
  return page.evaluate((h) => {
    const div = document.createElement('div');
    div.innerHTML = h.replace(/<\/p>|<br>/g, ' ');
    return (div.textContent ?? '').replace(/\s+/g, ' ').trim();
  }, html);
}

/** What CKEditor holds for a ticket (its model, through getData). */
async function editorText(page: Page, ticketId: string): Promise<string> {
  return plain(page, await page.evaluate((id) => (window as unknown as FixtureWindow).fixtureEditors[id]!.getData(), ticketId));
}

/** The replies the page posted, in order, and how. */
async function posted(page: Page): Promise<{ ticketId: string; text: string; via: string }[]> {
  const sent = await page.evaluate(() => (window as unknown as FixtureWindow).fixtureSent);
  return Promise.all(sent.map(async ({ ticketId, html, via }) => ({ ticketId, text: await plain(page, html), via })));
}

/** The stored adoption annotations, by ticket. */
function adoptionsIn(db: Database.Database) {
  return (
    db.prepare("SELECT ticket_id, host, payload FROM annotations WHERE kind = 'adoption' ORDER BY ticket_id, received_at").all() as {
      ticket_id: string;
      host: string;
      payload: string;
    }[]
  ).map((r) => {
    const { outcome, sentText } = JSON.parse(r.payload) as { outcome: string; sentText: string };
    return { ticketId: r.ticket_id, host: r.host, outcome, sentText: squash(sentText) };
  });
}

const layout = (page: Page, id: string) => page.locator(`[data-test-id="ticket-${id}-standard-layout"]`);
const editable = (page: Page, id: string) => layout(page, id).locator('[data-test-id="omnicomposer-rich-text-ckeditor"]');

test('suggestions for the active Zendesk ticket only; Use pastes through CKEditor; sends are recorded per ticket', async ({ context, backend }) => {
  test.setTimeout(120_000);
  await serveWorkspace(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && errors.push(`console: ${m.text()}`));
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    const sidebar = await openWorkspace(page, `/agent/tickets/${ACTIVE}`);
    await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', ACTIVE);
    await expect(layout(page, BACKGROUND)).toHaveAttribute('data-is-active', 'false');
    await expect(sidebar.locator('.snippet[data-snippet-id^="damaged-or-defective-items"]').first()).toBeVisible();
    // Nothing of the mounted background ticket went into the search, and it was never asked about.
    await expect(sidebar.locator('.query')).not.toContainText(/wi-?fi|halo/i);
    expect(db.prepare('SELECT DISTINCT host, ticket_id FROM suggestions').all()).toEqual([{ host: 'zendesk', ticket_id: ACTIVE }]);

    // Older messages loaded by "Show more" are part of the ticket: the sidebar asks again, for the same ticket.
    const first = await sidebar.locator('.ready').getAttribute('data-suggestion-id');
    await layout(page, ACTIVE).locator('[data-test-id="convolog-show-more-button"]').click();
    await expect(sidebar.locator('.ready')).not.toHaveAttribute('data-suggestion-id', first!);
    await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', ACTIVE);

    // "Use" goes through CKEditor's clipboard pipeline into the active ticket's editor only.
    const candidates = sidebar.locator('.candidate');
    const replyA = squash(await candidates.nth(0).locator('.candidate-text').textContent());
    const replyB = squash(await candidates.nth(1).locator('.candidate-text').textContent());
    await candidates.nth(0).getByRole('button', { name: 'Use Reply A' }).click();
    await expect(candidates.nth(0).locator('.notice.inserted')).toBeVisible();
    expect(await editorText(page, ACTIVE)).toBe(replyA);
    expect(await editorText(page, BACKGROUND)).toBe('');

    // A draft the agent typed is not overwritten without asking; replacing replaces all of it.
    await editable(page, ACTIVE).click();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type('My own draft');
    await expect.poll(() => editorText(page, ACTIVE)).toBe('My own draft');
    await candidates.nth(1).getByRole('button', { name: 'Use Reply B' }).click();
    await expect(candidates.nth(1).getByRole('alertdialog')).toContainText('already has your draft');
    expect(await editorText(page, ACTIVE)).toBe('My own draft');
    await candidates.nth(1).getByRole('button', { name: 'Replace draft' }).click();
    await expect(candidates.nth(1).locator('.notice.inserted')).toBeVisible();
    expect(await editorText(page, ACTIVE)).toBe(replyB);

    // Submit: the page posts the reply and clears the editor; the new reply in the conversation is the send.
    await layout(page, ACTIVE).locator('[data-test-id="submit_button-button"]').click();
    await expect(sidebar.getByText('✓ Reply outcome recorded')).toBeVisible();
    expect(await editorText(page, ACTIVE)).toBe('');
    expect(await posted(page)).toEqual([{ ticketId: ACTIVE, text: replyB, via: 'button' }]);

    // Switching tabs: the URL changes, the other layout becomes active, both stay mounted; the sidebar follows.
    await page.locator(`a[data-test-id="header-tab"][data-entity-id="${BACKGROUND}"]`).click();
    await expect(page).toHaveURL(`${ORIGIN}/agent/tickets/${BACKGROUND}`);
    await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', BACKGROUND);
    await expect(sidebar.locator('.snippet[data-snippet-id^="smart-lamp-wifi-connection"]').first()).toBeVisible();
    await expect(layout(page, ACTIVE)).toHaveAttribute('data-is-active', 'false');
    const otherA = squash(await sidebar.locator('.candidate').nth(0).locator('.candidate-text').textContent());
    await sidebar.getByRole('button', { name: 'Use Reply A' }).click();
    await expect(sidebar.locator('.notice.inserted')).toBeVisible();
    expect(await editorText(page, BACKGROUND)).toBe(otherA);
    expect(await editorText(page, ACTIVE)).toBe('');
    // "Submit as Pending" from the split button's menu sends too.
    await layout(page, BACKGROUND).locator('[data-test-id="submit_button-menu-button"]').click();
    await page.getByRole('menuitem', { name: 'Submit as Pending' }).click();
    await expect.poll(() => editorText(page, BACKGROUND)).toBe('');
    expect(await posted(page)).toEqual([
      { ticketId: ACTIVE, text: replyB, via: 'button' },
      { ticketId: BACKGROUND, text: otherA, via: 'menu' },
    ]);

    // Each send became one adoption annotation, for its own ticket, once synced.
    await expect
      .poll(() => adoptionsIn(db).map(({ ticketId, host, outcome }) => ({ ticketId, host, outcome })), { timeout: 60_000 })
      .toEqual([
        { ticketId: BACKGROUND, host: 'zendesk', outcome: 'verbatim' },
        { ticketId: ACTIVE, host: 'zendesk', outcome: 'verbatim' },
      ]);
    expect(errors).toEqual([]);
  } finally {
    db.close();
  }
});

test('every other way to send counts once: a macro, "Submit as Solved" closing the tab, never an internal note', async ({ context, backend }) => {
  test.setTimeout(120_000);
  await serveWorkspace(context);
  const page = await context.newPage();
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    const sidebar = await openWorkspace(page, `/agent/tickets/${ACTIVE}`);
    await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', ACTIVE);

    // An internal note is no reply, however it was submitted.
    await layout(page, ACTIVE).locator('.fixture-note-mode').click();
    await editable(page, ACTIVE).click();
    await page.keyboard.type('Photos received, refund approved by Dev.');
    await layout(page, ACTIVE).locator('[data-test-id="submit_button-button"]').click();
    await layout(page, ACTIVE).locator('.fixture-note-mode').click();
    // A macro posts without the composer: only the conversation shows it was sent.
    await layout(page, ACTIVE).locator('.fixture-macro').click();
    await expect
      .poll(() => adoptionsIn(db), { timeout: 60_000 })
      .toEqual([
        {
          ticketId: ACTIVE,
          host: 'zendesk',
          outcome: 'ignored',
          sentText: 'Your refund has been approved and will reach your card within 5 working days.',
        },
      ]);

    // "Submit as Solved": the tab closes and the workspace moves on before the reply is ever shown.
    const reply = squash(await sidebar.locator('.candidate').nth(0).locator('.candidate-text').textContent());
    await sidebar.getByRole('button', { name: 'Use Reply A' }).click();
    await expect.poll(() => editorText(page, ACTIVE)).toBe(reply);
    await layout(page, ACTIVE).locator('[data-test-id="submit_button-menu-button"]').click();
    await page.getByRole('menuitem', { name: 'Submit as Solved' }).click();
    await expect(page).toHaveURL(`${ORIGIN}/agent/tickets/${BACKGROUND}`);
    await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', BACKGROUND);
    await expect.poll(() => adoptionsIn(db).length, { timeout: 60_000 }).toBe(2);
    // Recorded for the ticket it was sent on, not the one the workspace moved to.
    // Recorded with the customer's name redacted in the browser.
    expect(adoptionsIn(db)).toContainEqual({ ticketId: ACTIVE, host: 'zendesk', outcome: 'verbatim', sentText: redactNames(reply) });
    expect((await posted(page)).map((p) => p.via)).toEqual(['button', 'macro', 'menu']);
  } finally {
    db.close();
  }
});

test('a custom ticket layout reads its own ticket; Enter in the messaging composer sends once', async ({ context, backend }) => {
  test.setTimeout(120_000);
  await serveWorkspace(context);
  const page = await context.newPage();
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    const sidebar = await openWorkspace(page, '/agent/tickets/50120');
    await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', '50120');
    await expect(sidebar.locator('.query')).not.toContainText(/shipping fee|late/i);
    const chat = page.locator('[data-test-id="ticket-50120-custom-layout"] [data-test-id="omnicomposer-plain-text-ckeditor"]');
    const reply = squash(await sidebar.locator('.candidate').nth(0).locator('.candidate-text').textContent());
    await sidebar.getByRole('button', { name: 'Use Reply A' }).click();
    await expect.poll(() => editorText(page, '50120')).toBe(reply);
    await chat.press('Enter');
    await expect.poll(() => editorText(page, '50120')).toBe('');
    await expect
      .poll(() => adoptionsIn(db), { timeout: 60_000 })
      .toEqual([{ ticketId: '50120', host: 'zendesk', outcome: 'verbatim', sentText: redactNames(reply) }]);
    // Button evidence and the shown reply are one send: nothing more arrives after the confirmation window.
    await page.waitForTimeout(9_000);
    expect(adoptionsIn(db)).toHaveLength(1);
  } finally {
    db.close();
  }
});

function createAdminKey(databasePath: string): string {
  const out = execFileSync(process.execPath, ['backend/bin/aitl.js', 'keys', 'create', '--tenant', 'default', '--role', 'admin'], {
    env: { ...process.env, AITL_DATABASE_URL: databasePath, AITL_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
  });
  return out.trim().split('\n').at(-1)!;
}

test('a renamed layout is unreadable, with no suggestions, until an admin override and Retry repair it', async ({ context, backend }) => {
  await serveWorkspace(context);
  const page = await context.newPage();
  const sidebar = await openWorkspace(page, `/agent/tickets/${ACTIVE}?drift=layout`);

  const unreadable = sidebar.locator('[data-unreadable="layout"]');
  await expect(unreadable).toContainText("Can't read this ticket");
  await expect(sidebar.locator('.ready, .candidate')).toHaveCount(0);
  const db = new Database(backend.databasePath, { readonly: true, fileMustExist: true });
  try {
    expect(db.prepare('SELECT count(*) AS n FROM suggestions').get()).toEqual({ n: 0 });
  } finally {
    db.close();
  }

  const response = await fetch(`${backend.url}/v1/config`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${createAdminKey(backend.databasePath)}`, 'content-type': 'application/json' },
    body: JSON.stringify({ selectors: { zendesk: { layout: ['[data-test-id="workspace-ticket-{id}"][data-is-active="true"]'] } } }),
  });
  expect(response.status, await response.text()).toBe(200);

  await unreadable.getByRole('button', { name: 'Retry' }).click();
  await expect(sidebar.locator('.ready')).toHaveAttribute('data-ticket-id', ACTIVE);
  await expect(sidebar.locator('.candidate')).toHaveCount(2);
});
