/**
 * Every failure leaves the backend as the shared error envelope with a fitting status: bad input is a 4xx that
 * names the field, never a 500.
 */
import type { Context } from 'hono';
import { jsonProblem } from './json-safety.ts';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import type { ZodType } from 'zod';
import { type ErrorCode, type ErrorEnvelope, type ErrorIssue, toIssues } from '../../shared/index.ts';

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ErrorIssue[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function envelope(code: ErrorCode, message: string, issues?: ErrorIssue[]): ErrorEnvelope {
  return { error: { code, message, ...(issues ? { issues } : {}) } };
}

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  410: 'gone',
  413: 'payload_too_large',
  429: 'rate_limited',
};

/** Hono's onError: known errors keep their status; anything else is logged and answered as a plain 500. */
export function errorResponse(error: Error, c: Context, log: (error: Error) => void): Response {
  if (error instanceof ApiError) return c.json(envelope(error.code, error.message, error.issues), error.status);
  if (error instanceof HTTPException) {
    const code = CODE_FOR_STATUS[error.status] ?? 'bad_request';
    return c.json(envelope(code, error.message || 'Request refused'), error.status as ContentfulStatusCode);
  }
  log(error);
  return c.json(envelope('internal', 'Internal error; the request id in the logs has details'), 500);
}

/**
 * Reads the body as JSON whatever its Content-Type (so `curl -d` works) and parses it with a shared schema.
 * Throws ApiError 400 naming the bad fields.
 */
export async function readJson<T>(c: Context, schema: ZodType<T>): Promise<T> {
  const value = await readJsonValue(c);
  const problem = jsonProblem(value);
  if (problem) throw new ApiError(400, 'validation_failed', `Invalid request: check ${problem.path}`, [problem]);
  return parseWith(schema, value, 'request');
}

/** Reads the body as JSON whatever its Content-Type; throws ApiError 400 for an empty or malformed body. */
export async function readJsonValue(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (!text.trim()) throw new ApiError(400, 'bad_request', 'Request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, 'bad_request', `Request body is not valid JSON: ${(error as Error).message}`);
  }
}

/** Parses `value` with `schema`; throws ApiError 400 validation_failed naming the bad fields (or query parameters). */
export function parseWith<T>(schema: ZodType<T>, value: unknown, what: 'request' | 'query'): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issues = toIssues(parsed.error);
    const fields = [...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ');
    throw new ApiError(400, 'validation_failed', `Invalid ${what}: check ${fields}`, issues);
  }
  return parsed.data;
}
