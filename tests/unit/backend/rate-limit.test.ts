import { describe, expect, it } from 'vitest';
import { SlidingWindowLimiter } from '../../../backend/http/rate-limit.ts';
import { etagOf, matchesIfNoneMatch } from '../../../backend/routes/config.ts';
import { stripQueryAndFragment } from '../../../backend/routes/page-reports.ts';

describe('SlidingWindowLimiter', () => {
  it('allows `limit` events in any window and says when the next one fits', () => {
    let now = 1_000_000;
    const limiter = new SlidingWindowLimiter(3, 60_000, () => now);
    expect(limiter.take('a')).toEqual({ ok: true });
    now += 10_000;
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 50 });
    expect(limiter.take('b')).toEqual({ ok: true });
    now += 49_999;
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now += 1;
    // The first event has left the window: one more fits, then the window is full again until the next leaves.
    expect(limiter.take('a')).toEqual({ ok: true });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 10 });
  });

  it('does not count refused events', () => {
    let now = 0;
    const limiter = new SlidingWindowLimiter(1, 1_000, () => now);
    expect(limiter.take('a').ok).toBe(true);
    for (let i = 0; i < 5; i++) expect(limiter.take('a').ok).toBe(false);
    now = 1_000;
    expect(limiter.take('a').ok).toBe(true);
  });
});

describe('ETag helpers', () => {
  it('tags the bytes and matches If-None-Match lists, weak tags and *', () => {
    const tag = etagOf('{"selectors":{}}');
    expect(tag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    expect(etagOf('{"selectors":{}}')).toBe(tag);
    expect(etagOf('{"selectors":{"demo":{}}}')).not.toBe(tag);
    expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
    expect(matchesIfNoneMatch(tag, tag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch(`"a", ${tag} `, tag)).toBe(true);
    expect(matchesIfNoneMatch('*', tag)).toBe(true);
    expect(matchesIfNoneMatch('"a", "b"', tag)).toBe(false);
  });
});

describe('stripQueryAndFragment', () => {
  it.each([
    ['https://a.example/t/1?x=1#y', 'https://a.example/t/1'],
    ['https://a.example/t/1#y?x', 'https://a.example/t/1'],
    ['https://a.example/t/1', 'https://a.example/t/1'],
    ['/relative?q\nmore', '/relative'],
  ])('%s → %s', (url, expected) => {
    expect(stripQueryAndFragment(url)).toBe(expected);
  });
});
