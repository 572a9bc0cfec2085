import { describe, expect, it } from 'vitest';
import { UUID_V7, uuidv7 } from '../../../shared/index.ts';

/** The 48-bit millisecond timestamp a v7 id starts with. */
function timestampOf(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}

describe('uuidv7', () => {
  it('has the 8-4-4-4-12 lower-case hex layout', () => {
    const id = uuidv7();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(id).toMatch(UUID_V7);
  });

  it('sets version 7 and the RFC 9562 variant whatever the random bytes are', () => {
    for (const fill of [0x00, 0xff, 0x5a]) {
      const id = uuidv7(1_700_000_000_000, (bytes) => bytes.fill(fill));
      const hex = id.replace(/-/g, '');
      expect(hex[12], `version nibble with random 0x${fill.toString(16)}`).toBe('7');
      expect(parseInt(hex[16]!, 16) & 0b1100, `variant bits with random 0x${fill.toString(16)}`).toBe(0b1000);
      expect(id).toMatch(UUID_V7);
    }
  });

  it('sorts ids made in the same millisecond in the order they were made, and stays unique', () => {
    const ids = Array.from({ length: 2000 }, () => uuidv7(1_700_000_000_123));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => timestampOf(id) === 1_700_000_000_123 && UUID_V7.test(id))).toBe(true);
  });

  it('keeps the random bits it does not overwrite', () => {
    const id = uuidv7(0, (bytes) => bytes.fill(0xab));
    // Bytes 0..5 are the time, byte 6 keeps its low nibble, byte 8 its low 6 bits, the rest unchanged.
    expect(id).toBe('00000000-0000-7bab-abab-abababababab');
  });

  it('encodes the given Unix milliseconds in the first 48 bits', () => {
    for (const now of [0, 1, 1_700_000_000_123, 2 ** 48 - 1]) {
      expect(timestampOf(uuidv7(now))).toBe(now);
    }
  });

  it('sorts by creation time as a plain string', () => {
    const times = [1_600_000_000_000, 1_600_000_000_001, 1_600_000_000_255, 1_600_000_000_256, 1_700_000_000_000, 1_800_000_000_000];
    const ids = times.map((t) => uuidv7(t));
    const shuffled = [...ids].reverse();
    expect(shuffled.sort()).toEqual(ids);
  });

  it('makes unique ids even within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => uuidv7(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('UUID_V7 refuses other versions, variants and upper case', () => {
    expect(UUID_V7.test('0190c8a2-3b4c-4d5e-8f60-718293a4b5c6')).toBe(false); // v4
    expect(UUID_V7.test('0190c8a2-3b4c-7d5e-cf60-718293a4b5c6')).toBe(false); // variant 110
    expect(UUID_V7.test('0190C8A2-3B4C-7D5E-8F60-718293A4B5C6')).toBe(false);
    expect(UUID_V7.test('0190c8a2-3b4c-7d5e-8f60-718293a4b5c6')).toBe(true);
  });
});
