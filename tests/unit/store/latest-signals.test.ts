import { describe, expect, it } from 'vitest';
import { annotationKey, supersededIds, supersedeKey } from '../../../backend/store/latest-signals.ts';
import type { Annotation } from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';

const at = (minute: number) => new Date(Date.parse('2026-11-20T09:00:00.000Z') + minute * 60_000).toISOString();
const pref = (minute: number, overrides: Record<string, unknown> = {}, tenant = 'acme') =>
  makeAnnotation('preference', tenant, { suggestionId: 's-1', clientTime: at(minute), ...overrides });
const label = (minute: number, overrides: Record<string, unknown> = {}, tenant = 'acme') =>
  makeAnnotation('relevance', tenant, { suggestionId: 's-1', snippetId: 'k1', articleId: 'a1', clientTime: at(minute), ...overrides });
const keys = (...as: Annotation[]) => new Set(as.map(annotationKey));

describe('supersededIds', () => {
  it('keeps the latest preference of an agent on a suggestion, whatever order they come in', () => {
    const first = pref(1, { choice: 'left' });
    const second = pref(2, { choice: 'right' });
    const third = pref(3, { choice: 'tie' });
    expect(supersededIds([first, second, third])).toEqual(keys(first, second));
    expect(supersededIds([third, first, second])).toEqual(keys(first, second));
  });

  it('compares client times as instants, not as text', () => {
    const earlier = pref(0, { clientTime: '2026-11-20T10:30:00+02:00' }); // 08:30Z
    const later = pref(0, { clientTime: '2026-11-20T09:00:00.000Z' });
    expect(supersededIds([later, earlier])).toEqual(keys(earlier));
  });

  it('breaks a tie of client times by the larger id', () => {
    const a = pref(5, { id: '019a0000-0000-7000-8000-000000000001' });
    const b = pref(5, { id: '019a0000-0000-7000-8000-000000000002' });
    expect(supersededIds([b, a])).toEqual(keys(a));
    expect(supersededIds([a, b])).toEqual(keys(a));
  });

  it('keeps the latest relevance label of an agent per snippet, and leaves other snippets alone', () => {
    const old = label(1, { label: 'irrelevant' });
    const now = label(2, { label: 'relevant' });
    const otherSnippet = label(0, { snippetId: 'k2', articleId: 'a2' });
    expect(supersededIds([old, otherSnippet, now])).toEqual(keys(old));
  });

  it('never lets one agent supersede another', () => {
    const ann = pref(1, { agent: 'ann', choice: 'left' });
    const bob = pref(2, { agent: 'bob', choice: 'right' });
    const annLabel = label(1, { agent: 'ann' });
    const bobLabel = label(2, { agent: 'bob', label: 'irrelevant' });
    expect(supersededIds([ann, bob, annLabel, bobLabel]).size).toBe(0);
  });

  it('leaves other suggestions, other tenants and other kinds alone', () => {
    const here = pref(1);
    const elsewhere = pref(2, { suggestionId: 's-2' });
    const otherTenant = pref(3, {}, 'globex');
    const adoptions = [1, 2, 3].map((m) => makeAnnotation('adoption', 'acme', { suggestionId: 's-1', clientTime: at(m) }));
    const rationales = [1, 2].map((m) => makeAnnotation('rationale', 'acme', { suggestionId: 's-1', clientTime: at(m) }));
    const gaps = [1, 2].map((m) => makeAnnotation('missing_knowledge', 'acme', { suggestionId: 's-1', clientTime: at(m) }));
    expect(supersededIds([here, elsewhere, otherTenant, ...adoptions, ...rationales, ...gaps]).size).toBe(0);
    for (const a of [...adoptions, ...rationales, ...gaps]) expect(supersedeKey(a)).toBeUndefined();
  });

  it('keys superseded annotations by tenant and id, and a preference never supersedes a label', () => {
    const old = pref(1, {}, 'globex');
    const now = pref(2, {}, 'globex');
    const labelLater = label(3, {}, 'globex');
    const result = supersededIds([old, now, labelLater]);
    expect(result).toEqual(new Set([`globex\u0000${old.id}`]));
    expect(result.has(`acme\u0000${old.id}`)).toBe(false);
  });

  it('does not let an annotation seen twice supersede itself', () => {
    const once = pref(1);
    expect(supersededIds([once, once]).size).toBe(0);
  });
});
