/**
 * The signals' way in and out.
 *
 * POST /v1/annotations:batch — the extension's outbox sends up to LIMITS.batchItems annotations; each is checked
 * on its own and its free text redacted again (intake/annotations.ts), and the batch stored in one
 * transaction, exactly once per (tenant, id). The answer lists, in the batch's order and only after the commit,
 * what became of each item: `accepted`, `duplicate` (already stored with the same content: drop it) or `rejected`
 * (`invalid`, `too_large`, `tenant_mismatch`, `id_conflict`: retrying will not help).
 *
 * GET /v1/annotations — the key's tenant's annotations, oldest received first, a page at a time.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { ANNOTATION_KINDS, AnnotationPage, LIMITS, SyncBatch, SyncResponse } from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError, envelope, parseWith, readJsonValue } from '../http/errors.ts';
import { batchResults, checkBatch } from '../intake/annotations.ts';
import { addRoute, auth, failure, invalid, json, jsonBody, security } from '../http/openapi.ts';
import { listAnnotations, type PagePosition, storeAnnotations } from '../store/annotations.ts';

const TOO_LARGE = `A batch holds at most ${LIMITS.batchItems} items and ${LIMITS.batchBytes} bytes of JSON; split it and send the parts`;

export const ListAnnotationsQuery = z.object({
  since: z.iso.datetime({ offset: true }).optional().describe('Only annotations received at or after this time'),
  kind: z.enum(ANNOTATION_KINDS).optional(),
  limit: z.coerce.number().int().min(1).max(LIMITS.pageSize).optional().describe(`Page size, at most ${LIMITS.pageSize}`),
  cursor: z.string().min(1).max(512).optional().describe('nextCursor of the previous page'),
});

export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.receivedAt, position.id]), 'utf8').toString('base64url');
}

const CursorShape = z.tuple([z.iso.datetime(), z.string().min(1).max(128)]);

export function decodeCursor(cursor: string): PagePosition | undefined {
  try {
    const parsed = CursorShape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return parsed.success ? { receivedAt: parsed.data[0], id: parsed.data[1] } : undefined;
  } catch {
    return undefined;
  }
}

export function annotationRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();

  const batchRoute = createRoute({
    method: 'post',
    // Hono reads a colon inside a segment as text: `/v1/annotations:batchX` and others are 404.
    path: '/v1/annotations:batch',
    summary: 'Store a batch of annotations exactly once per id',
    description:
      `Needs the agent role. At most ${LIMITS.batchItems} items and ${LIMITS.batchBytes} bytes; each item is an Annotation of at most ` +
      `${LIMITS.annotationBytes} bytes, checked on its own. Answers after the commit, one result per item in the batch's order: ` +
      '`accepted`, `duplicate` (same id and content stored before) or `rejected` with a code: `invalid`, `too_large`, ' +
      '`tenant_mismatch`, `id_conflict` (same id, other content).',
    middleware: [
      guard('agent'),
      bodyLimit({ maxSize: LIMITS.batchBytes, onError: (c) => c.json(envelope('payload_too_large', TOO_LARGE), 413) }),
    ] as const,
    security,
    request: { body: jsonBody(SyncBatch) },
    responses: {
      200: json(SyncResponse, 'What became of each item'),
      ...invalid,
      ...auth,
      413: failure(`More than ${LIMITS.batchItems} items or ${LIMITS.batchBytes} bytes`),
    },
  });
  addRoute(app, batchRoute, async (c) => {
    const receivedAt = new Date().toISOString();
    const { tenant } = c.get('auth');
    const body = await readJsonValue(c);
    const items = body !== null && typeof body === 'object' ? (body as { items?: unknown }).items : undefined;
    if (Array.isArray(items) && items.length > LIMITS.batchItems) throw new ApiError(413, 'payload_too_large', TOO_LARGE);
    const batch = parseWith(SyncBatch, body, 'request');

    const intake = checkBatch(batch.items, tenant);
    const outcomes = await storeAnnotations(deps.store.db, tenant, intake.prepared, { sentAt: batch.sentAt ?? null, receivedAt });
    return c.json<SyncResponse>({ results: batchResults(intake, outcomes) }, 200);
  });

  const listRoute = createRoute({
    method: 'get',
    path: '/v1/annotations',
    summary: "The key's tenant's annotations, oldest received first",
    description: 'Needs the analyst role. Pass `nextCursor` back as `cursor`, with the same `since` and `kind`, for the next page.',
    middleware: [guard('analyst')] as const,
    security,
    request: { query: ListAnnotationsQuery },
    responses: { 200: json(AnnotationPage, 'One page of stored annotations'), ...invalid, ...auth },
  });
  addRoute(app, listRoute, async (c) => {
    const { tenant } = c.get('auth');
    const query = parseWith(ListAnnotationsQuery, c.req.query(), 'query');
    let after: PagePosition | undefined;
    if (query.cursor !== undefined) {
      after = decodeCursor(query.cursor);
      if (!after) {
        throw new ApiError(400, 'validation_failed', 'Invalid query: check cursor', [{ path: 'cursor', message: 'not a cursor this API returned' }]);
      }
    }
    const page = await listAnnotations(deps.store.db, { tenant, since: query.since, kind: query.kind, limit: query.limit ?? LIMITS.pageSize, after });
    return c.json<AnnotationPage>({ items: page.items, nextCursor: page.next ? encodeCursor(page.next) : null }, 200);
  });

  return app;
}
