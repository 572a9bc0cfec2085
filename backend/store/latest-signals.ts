/**
 * Agents change their mind. Annotations are append-only, so a corrected preference or relevance label is a new
 * annotation beside the old one, and both stay stored (history). Only the latest should be used, though — otherwise
 * the flywheel learns from, and the exports write, both sides of a contradiction. This says which are superseded:
 *
 * - a `preference` by the same (tenant, agent, suggestionId) recorded later;
 * - a `relevance` label by the same (tenant, agent, suggestionId, snippetId) recorded later.
 *
 * "Later" is the larger `clientTime` (as an instant), ties broken by the larger id (UUID v7, time-ordered). Other
 * kinds are never superseded, and one agent never supersedes another. Pure: no I/O.
 */
import type { Annotation } from '../../shared/index.ts';

/** What a later annotation replaces an earlier one within; undefined for kinds that are never superseded. */
export function supersedeKey(a: Annotation): string | undefined {
  if (a.kind === 'preference') return `preference\u0000${a.tenant}\u0000${a.agent}\u0000${a.suggestionId}`;
  if (a.kind === 'relevance') return `relevance\u0000${a.tenant}\u0000${a.agent}\u0000${a.suggestionId}\u0000${a.snippetId}`;
  return undefined;
}

/** The key of an annotation as the store keys it: ids are unique per tenant only (the same text as the gate's key). */
export function annotationKey(a: Pick<Annotation, 'tenant' | 'id'>): string {
  return `${a.tenant}\u0000${a.id}`;
}

/** Whether `a` was recorded after `b`: later client time, then larger id. */
export function isLater(a: Annotation, b: Annotation): boolean {
  const ta = Date.parse(a.clientTime);
  const tb = Date.parse(b.clientTime);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta > tb;
  return a.id > b.id;
}

/** The annotationKey of every annotation a later one by the same agent supersedes. */
export function supersededIds(annotations: Iterable<Annotation>): Set<string> {
  const latest = new Map<string, Annotation>();
  const superseded = new Set<string>();
  for (const a of annotations) {
    const key = supersedeKey(a);
    if (key === undefined) continue;
    const current = latest.get(key);
    if (current === undefined) {
      latest.set(key, a);
    } else if (current.id === a.id) {
      continue; // the same annotation seen twice supersedes nothing
    } else if (isLater(a, current)) {
      superseded.add(annotationKey(current));
      latest.set(key, a);
    } else {
      superseded.add(annotationKey(a));
    }
  }
  return superseded;
}
