/**
 * Calls the backend from the background worker with ky and parses every answer with the shared schemas, turning
 * each way of failing into a Failure the sidebar can explain.
 */
import ky, { HTTPError, TimeoutError } from 'ky';
import { z } from 'zod';
import {
  ErrorEnvelope,
  type Failure,
  HealthResponse,
  HostConfig,
  KEY_REFUSED_MESSAGE,
  type PageReport,
  SuggestionResponse,
  WhoAmI,
  type SuggestReply,
  type TicketContext,
} from '../../shared/index.ts';

const TIMEOUT_MS = 15_000;

export async function requestSuggestion(baseUrl: string, ticket: TicketContext, apiKey?: string): Promise<SuggestReply> {
  const result = await call(baseUrl, '/v1/suggestions', { ticket }, SuggestionResponse, apiKey);
  return result.ok ? { ok: true, suggestion: result.value } : result;
}

export function checkBackend(baseUrl: string) {
  return call(baseUrl, '/v1/health', undefined, HealthResponse);
}

/** Which tenant and role the key acts as; the options page records the tenant from it. */
export function whoAmI(baseUrl: string, apiKey: string) {
  return call(baseUrl, '/v1/whoami', undefined, WhoAmI, apiKey);
}

export function fetchHostConfig(baseUrl: string, apiKey: string) {
  return call(baseUrl, '/v1/config', undefined, HostConfig, apiKey);
}

export function sendPageReport(baseUrl: string, apiKey: string, report: PageReport) {
  return call(baseUrl, '/v1/page-reports', report, z.object({ id: z.string() }), apiKey);
}

/** POSTs `body` as JSON, or GETs when there is none. */
async function call<T>(
  baseUrl: string,
  path: string,
  body: unknown,
  schema: z.ZodType<T>,
  apiKey?: string,
): Promise<{ ok: true; value: T } | Failure> {
  let data: unknown;
  try {
    const headers: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    const options = { timeout: TIMEOUT_MS, headers, retry: { limit: 1, methods: ['get', 'post'] } };
    const url = `${baseUrl}${path}`;
    data = await (body === undefined ? ky.get(url, options) : ky.post(url, { ...options, json: body })).json();
  } catch (error) {
    return failureFrom(error, baseUrl);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { ok: false, kind: 'invalid_response', message: `The server at ${baseUrl} did not answer like an AITL backend.` };
  return { ok: true, value: parsed.data };
}

async function failureFrom(error: unknown, baseUrl: string): Promise<Failure> {
  if (error instanceof HTTPError) {
    // Unknown, revoked or missing key: only an admin can fix it, and the sidebar says so in these words.
    if (error.response.status === 401) return { ok: false, kind: 'unauthorized', message: KEY_REFUSED_MESSAGE };
    const envelope = ErrorEnvelope.safeParse(await error.response.json().catch(() => undefined));
    const message = envelope.success ? envelope.data.error.message : `HTTP ${error.response.status}`;
    return { ok: false, kind: 'rejected', message };
  }
  if (error instanceof TimeoutError) return { ok: false, kind: 'unreachable', message: `${baseUrl} did not answer in time.` };
  return { ok: false, kind: 'unreachable', message: `Cannot reach ${baseUrl}.` };
}
