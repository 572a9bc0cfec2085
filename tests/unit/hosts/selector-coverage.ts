/**
 * Per-selector expectations, refined-github style: for every key of an adapter's selector table, how many elements
 * each alternative matches on each fixture page. A test pins the whole table of counts, so a selector edited by
 * mistake, or a fixture that stops showing what a selector reads, fails by name; and `unmatched` lists alternatives
 * no page matches at all — a selector nobody can vouch for.
 */
import type { SelectorTable } from '../../../extension/hosts/selectors.ts';

export interface FixturePage {
  name: string;
  root: ParentNode;
  /** Values for placeholders such as `{id}` in the selectors. */
  vars?: Record<string, string>;
}

/** Matches per key, per page, per alternative (in table order). */
export type MatchCounts = Record<string, Record<string, number[]>>;

export function matchCounts(
  table: SelectorTable,
  pages: readonly FixturePage[],
  count: (root: ParentNode, selector: string) => number = (root, selector) => root.querySelectorAll(selector).length,
): MatchCounts {
  const out: MatchCounts = {};
  for (const [key, alternatives] of Object.entries(table)) {
    out[key] = {};
    for (const page of pages) {
      out[key][page.name] = alternatives.map((selector) => count(page.root, fill(selector, page.vars)));
    }
  }
  return out;
}

/** `key[i]: selector` for every alternative that matches nothing on any page. */
export function unmatched(table: SelectorTable, counts: MatchCounts): string[] {
  return Object.entries(table).flatMap(([key, alternatives]) =>
    alternatives.flatMap((selector, i) =>
      Object.values(counts[key]!).some((perAlternative) => perAlternative[i]! > 0) ? [] : [`${key}[${i}]: ${selector}`],
    ),
  );
}

function fill(selector: string, vars: Record<string, string> = {}): string {
  return selector.replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}
