/** Large request bodies (a knowledge import's JSONL) go to a file as they arrive, never whole into memory. */
import { open } from 'node:fs/promises';
import type { Context } from 'hono';
import { ApiError } from './errors.ts';

/**
 * Streams a request body into `file`, counting bytes: over `max` is a 413 (`what` exceeds … bytes) as soon as it is
 * known, from Content-Length or while reading, so an upload too large is never kept whole.
 */
export async function saveRequestBody(c: Context, file: string, max: number, what: string): Promise<number> {
  const tooLarge = () => new ApiError(413, 'payload_too_large', `${what} exceeds ${max} bytes`);
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  const handle = await open(file, 'w');
  let bytes = 0;
  try {
    const body = c.req.raw.body;
    if (!body) return 0;
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > max) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      await handle.write(value);
    }
    return bytes;
  } finally {
    await handle.close();
  }
}
