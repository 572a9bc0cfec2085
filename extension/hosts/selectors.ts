/**
 * Selector tables: each host adapter keeps all of its selectors in one table at the top of its file, every key
 * holding alternatives tried in order (one per page version). Admin overrides (shared/host-config.ts) replace a
 * key's alternatives without a release.
 */
import type { SelectorOverrides } from '../../shared/index.ts';

export type SelectorTable<K extends string = string> = Readonly<Record<K, readonly string[]>>;

export interface ResolvedSelectors<K extends string> {
  table: SelectorTable<K>;
  /** Override keys this adapter does not have (a typo in the admin's config); reported, not used. */
  unknownKeys: string[];
}

export function withOverrides<K extends string>(defaults: SelectorTable<K>, overrides: SelectorOverrides = {}): ResolvedSelectors<K> {
  const table: Record<string, readonly string[]> = { ...defaults };
  const unknownKeys: string[] = [];
  for (const [key, alternatives] of Object.entries(overrides)) {
    if (key in defaults) table[key] = alternatives.filter(isValidSelector);
    else unknownKeys.push(key);
  }
  return { table: table as SelectorTable<K>, unknownKeys };
}

/** A selector the browser refuses would throw on every read: dropped at load instead. */
function isValidSelector(selector: string): boolean {
  try {
    globalThis.document?.createDocumentFragment().querySelector(selector);
    return true;
  } catch {
    return false;
  }
}

/** The first element matched by the first alternative that matches anything. */
export function first<K extends string>(root: ParentNode, table: SelectorTable<K>, key: K): Element | null {
  for (const selector of table[key]) {
    const found = root.querySelector(selector);
    if (found) return found;
  }
  return null;
}

/** All elements matched by the first alternative that matches anything. */
export function all<K extends string>(root: ParentNode, table: SelectorTable<K>, key: K): Element[] {
  for (const selector of table[key]) {
    const found = root.querySelectorAll(selector);
    if (found.length > 0) return [...found];
  }
  return [];
}

/** The "unreadable" answer for a key that matched nothing. */
export function missed<K extends string>(table: SelectorTable<K>, key: K, reason: string) {
  return { status: 'unreadable' as const, reason, selectorKey: key, selectors: table[key] };
}
