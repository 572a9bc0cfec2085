/**
 * Checks the promise of the extractive generator: every sentence of a reply is quoted from a snippet the reply
 * cites. The generator may end a quoted sentence with a full stop where the source had `:`, `;`, `,` or nothing
 * (list items, lead-ins to lists), and it drops list bullets; nothing else may differ.
 */
import { expect } from 'vitest';
import type { Snippet } from '../../shared/index.ts';

export const CLOSING = 'Let me know if there is anything else I can help with.';
export const LIST_INTRO = 'Here is what you need to know:';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The quoted units of a reply's body: list lines, or the prose cut after each sentence end. */
export function bodyUnits(text: string): { greeting: string; units: string[]; format: 'prose' | 'list' } {
  const match = /^(Hi [^\n]+,)\n\n([\s\S]+)\n\n(.+)$/.exec(text);
  expect(match, `reply does not have greeting, body and closing: ${JSON.stringify(text)}`).not.toBeNull();
  const [, greeting, body, closing] = match as unknown as [string, string, string, string];
  expect(closing).toBe(CLOSING);
  if (body.startsWith(`${LIST_INTRO}\n`)) {
    const lines = body.slice(LIST_INTRO.length + 1).split('\n');
    for (const line of lines) expect(line, 'every list line is a bullet').toMatch(/^- \S/);
    return { greeting, units: lines.map((l) => l.slice(2)), format: 'list' };
  }
  expect(body).not.toContain('\n');
  return { greeting, units: body.split(/(?<=[.!?"”)])\s+/), format: 'prose' };
}

export function isQuotedIn(unit: string, source: string): boolean {
  if (source.includes(unit)) return true;
  if (!unit.endsWith('.')) return false;
  return new RegExp(`${escapeRegExp(unit.slice(0, -1))}(?:[:;,]|$)`, 'm').test(source);
}

/** Asserts that every unit of the reply appears in one of the snippets it cites; returns the units. */
export function expectGrounded(candidate: { text: string; citations: string[] }, snippets: Snippet[]): string[] {
  const ids = new Set(snippets.map((s) => s.snippetId));
  for (const id of candidate.citations) expect(ids.has(id), `citation ${id} is not a shown snippet`).toBe(true);
  expect(new Set(candidate.citations).size).toBe(candidate.citations.length);
  const cited = snippets.filter((s) => candidate.citations.includes(s.snippetId));
  const { units } = bodyUnits(candidate.text);
  expect(units.length).toBeGreaterThan(0);
  for (const unit of units) {
    expect(
      cited.some((s) => isQuotedIn(unit, s.text)),
      `sentence not quoted from a cited snippet: ${JSON.stringify(unit)}`,
    ).toBe(true);
  }
  // Every citation is used by at least one sentence.
  for (const s of cited)
    expect(
      units.some((u) => isQuotedIn(u, s.text)),
      `citation ${s.snippetId} quotes nothing`,
    ).toBe(true);
  return units;
}
