/**
 * UUID version 7 (RFC 9562): 48-bit Unix milliseconds, then random bits. Made on the client at creation, so a
 * retried sync carries the same id and the server can store each annotation exactly once; time-ordered, so
 * ids sort by creation and index well.
 */
/** The millisecond of the last id made with the platform's randomness, and its counter. */
let sequenceMs = -1;
let sequence = 0;

export function uuidv7(now: number = Date.now(), random: (bytes: Uint8Array) => Uint8Array = fillRandom): string {
  const bytes = random(new Uint8Array(16));
  if (random === fillRandom) {
    // Ids made in one millisecond still sort in the order made: the 12 bits after the version are a counter that
    // starts at a random value below 2048 each millisecond (RFC 9562, 6.2, method 1). "Newest first" lists rely on it.
    sequence = now === sequenceMs && sequence < 0xfff ? sequence + 1 : ((bytes[6]! << 8) | bytes[7]!) & 0x7ff;
    sequenceMs = now;
    bytes[6] = sequence >> 8;
    bytes[7] = sequence & 0xff;
  }
  let ms = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Web Crypto, in browsers and Node alike: declared here because shared/ compiles without DOM or Node types. */
declare const crypto: { getRandomValues<T extends Uint8Array>(array: T): T };

function fillRandom(bytes: Uint8Array): Uint8Array {
  return crypto.getRandomValues(bytes);
}

export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/**
 * FNV-1a, 32 bits, of a string's UTF-16 code units: a cheap stable hash that spreads keys differing only in their
 * last characters (UUID v7 share a time prefix). For sampling and short labels, not for security.
 */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
