/**
 * One POST to an OpenAI-compatible endpoint with a per-attempt timeout, one retry on 429/5xx/network errors after a
 * short backoff, and an overall budget the retry must fit in. Errors are LlmError with a `kind` for logs and tests.
 */
import type { z } from 'zod';

export type LlmErrorKind = 'timeout' | 'http' | 'network' | 'malformed' | 'budget';

export class LlmError extends Error {
  override name = 'LlmError';
  constructor(
    readonly kind: LlmErrorKind,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface PostOptions {
  url: string;
  apiKey?: string | undefined;
  body: unknown;
  /** Per attempt. */
  timeoutMs: number;
  /** Whole call including the retry; defaults to 2 × timeoutMs + backoff. */
  budgetMs?: number | undefined;
  /** Retries after the first attempt (default 1). */
  retries?: number | undefined;
  backoffMs?: number | undefined;
  fetch?: typeof fetch | undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function postJson<T extends z.ZodType>(schema: T, options: PostOptions): Promise<z.infer<T>> {
  const retries = options.retries ?? 1;
  const backoffMs = options.backoffMs ?? 150;
  const budgetMs = options.budgetMs ?? options.timeoutMs * (retries + 1) + backoffMs * retries;
  const deadline = Date.now() + budgetMs;
  const doFetch = options.fetch ?? fetch;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
  const body = JSON.stringify(options.body);
  let last: LlmError = new LlmError('budget', 'no attempt made');
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) {
      const wait = backoffMs * attempt * (0.75 + Math.random() * 0.5);
      if (Date.now() + wait >= deadline) break;
      await sleep(wait);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      last = new LlmError('budget', `budget of ${budgetMs} ms spent`);
      break;
    }
    let res: Response;
    try {
      res = await doFetch(options.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(Math.min(options.timeoutMs, left)) });
    } catch (error) {
      const name = (error as Error).name;
      last =
        name === 'TimeoutError' || name === 'AbortError'
          ? new LlmError('timeout', `no answer from ${options.url} within ${Math.min(options.timeoutMs, left)} ms`)
          : new LlmError('network', `${options.url}: ${(error as Error).message}`);
      // A timeout already spent the attempt's whole allowance; retrying it would double the agent's wait.
      if (last.kind === 'timeout') break;
      continue;
    }
    if (!res.ok) {
      const text = await res.text().catch(() => '');
      last = new LlmError('http', `${options.url} answered ${res.status}: ${text.slice(0, 200)}`, res.status);
      if (res.status === 429 || res.status >= 500) continue;
      break;
    }
    let json: unknown;
    try {
      json = await res.json();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new LlmError('timeout', `${options.url}: body not received in time`);
      throw new LlmError('malformed', `${options.url} answered with something that is not JSON`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new LlmError('malformed', `${options.url} answered in an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
    return parsed.data;
  }
  throw last;
}

export function endpoint(baseUrl: string, path: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${path}`;
}
