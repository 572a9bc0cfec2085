import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, parseApiKey } from '../../../backend/store/api-keys.ts';
import { canonicalJson, hashCanonical, payloadHash } from '../../../backend/store/annotations.ts';

describe('API key format', () => {
  it('is aitl_<16 hex id>_<43 base64url chars of 32 random bytes>', () => {
    const { id, key } = generateApiKey();
    expect(key).toMatch(/^aitl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(key.startsWith(`aitl_${id}_`)).toBe(true);
    expect(Buffer.from(key.slice(`aitl_${id}_`.length), 'base64url')).toHaveLength(32);
  });

  it('makes a different id and secret every time', () => {
    const keys = Array.from({ length: 200 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.id)).size).toBe(200);
    expect(new Set(keys.map((k) => k.key.slice(22))).size).toBe(200);
  });

  it('parses the public id back out, also when the secret holds _ and -', () => {
    const { id, key } = generateApiKey();
    expect(parseApiKey(key)).toEqual({ id });
    const tricky = `aitl_0123456789abcdef_${'_-'.repeat(21)}A`;
    expect(parseApiKey(tricky)).toEqual({ id: '0123456789abcdef' });
  });

  it.each([
    ['empty', ''],
    ['no prefix', '0123456789abcdef_' + 'A'.repeat(43)],
    ['short id', 'aitl_0123_' + 'A'.repeat(43)],
    ['uppercase id', 'aitl_0123456789ABCDEF_' + 'A'.repeat(43)],
    ['short secret', 'aitl_0123456789abcdef_' + 'A'.repeat(42)],
    ['long secret', 'aitl_0123456789abcdef_' + 'A'.repeat(44)],
    ['padding', 'aitl_0123456789abcdef_' + 'A'.repeat(42) + '='],
    ['whitespace', ' aitl_0123456789abcdef_' + 'A'.repeat(43)],
  ])('refuses a malformed key: %s', (_label, key) => {
    expect(parseApiKey(key)).toBeUndefined();
  });

  it('hashes the whole key with SHA-256, as lowercase hex', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const { key } = generateApiKey();
    expect(hashApiKey(key)).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hashApiKey(key)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key)).not.toBe(hashApiKey(`${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`));
  });
});

describe('canonical JSON and payload hashes', () => {
  it('sorts keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([2, 1])).toBe('[2,1]');
    expect(canonicalJson('x"y')).toBe('"x\\"y"');
    expect(canonicalJson(1.5)).toBe('1.5');
  });

  it('drops undefined members like JSON.stringify and stays parseable', () => {
    const value = { a: undefined, b: [undefined, 1], c: 'ü\n' };
    expect(canonicalJson(value)).toBe('{"b":[null,1],"c":"ü\\n"}');
    expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
  });

  it('gives the same hash for the same content in any key order, another for other content', () => {
    const a = { id: '1', kind: 'relevance', rank: 1, tags: ['x', 'y'] };
    const b = { tags: ['x', 'y'], rank: 1, kind: 'relevance', id: '1' };
    expect(payloadHash(a)).toBe(payloadHash(b));
    expect(payloadHash(a)).toBe(hashCanonical(canonicalJson(b)));
    expect(payloadHash(a)).not.toBe(payloadHash({ ...a, rank: 2 }));
    expect(payloadHash(a)).not.toBe(payloadHash({ ...a, tags: ['y', 'x'] }));
    expect(payloadHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
