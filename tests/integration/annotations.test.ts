import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { countAnnotations, payloadHash } from '../../backend/store/annotations.ts';
import {
  type Annotation,
  AnnotationPage,
  ErrorEnvelope,
  LIMITS,
  type StoredAnnotation,
  SyncResponse,
  uuidv7,
  type AnnotationOf,
} from '../../shared/index.ts';
import { KINDS, makeAnnotation, makeAnnotations } from '../helpers/annotations.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const BATCH = '/v1/annotations:batch';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function envelopeOf(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  const body = ErrorEnvelope.parse(await response.json());
  expect(body.error.code).toBe(code);
  return body.error;
}

describe.each(DIALECTS)('annotations sync on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  /** Keys of tenant acme (agent, analyst) and globex (agent, analyst). */
  let keys: { acmeAgent: string; acmeAnalyst: string; globexAgent: string; globexAnalyst: string };

  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      app = createApp(deps);
    },
    async () => {
      await clearTables(deps.store.db);
      const make = async (tenant: string, role: 'agent' | 'analyst') => (await createApiKey(deps.store.db, { tenant, role })).key;
      keys = {
        acmeAgent: await make('acme', 'agent'),
        acmeAnalyst: await make('acme', 'analyst'),
        globexAgent: await make('globex', 'agent'),
        globexAnalyst: await make('globex', 'analyst'),
      };
    },
  );

  const send = (body: unknown, key: string | undefined = keys.acmeAgent) =>
    app.request(BATCH, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  async function sync(items: unknown[], key?: string, sentAt?: string) {
    const response = await send({ items, ...(sentAt ? { sentAt } : {}) }, key);
    expect(response.status).toBe(200);
    return SyncResponse.parse(await response.json()).results;
  }

  const list = async (query = '', key = keys.acmeAnalyst) => {
    const response = await app.request(`/v1/annotations${query}`, { headers: { authorization: `Bearer ${key}` } });
    expect(response.status).toBe(200);
    return AnnotationPage.parse(await response.json());
  };

  async function rowOf(tenant: string, id: string) {
    return deps.store.db.selectFrom('annotations').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirstOrThrow();
  }

  describe('POST /v1/annotations:batch', () => {
    it('accepts a batch of every kind, stores each with its times, and answers in the batch order', async () => {
      const items = KINDS.map((k) => makeAnnotation(k));
      const sentAt = '2026-11-20T10:00:00.000+01:00';
      const before = new Date().toISOString();
      const results = await sync(items, keys.acmeAgent, sentAt);
      const after = new Date().toISOString();
      expect(results).toEqual(items.map((a) => ({ id: a.id, status: 'accepted' })));
      for (const a of items) {
        const row = await rowOf('acme', a.id);
        expect(row).toMatchObject({ kind: a.kind, suggestion_id: a.suggestionId, ticket_id: a.ticketId, host: a.host, agent: a.agent });
        expect(row.client_time).toBe(a.clientTime);
        expect(row.sent_at).toBe(sentAt);
        expect(row.received_at >= before && row.received_at <= after).toBe(true);
        expect(row.payload_hash).toBe(payloadHash(a));
        expect(JSON.parse(row.payload)).toEqual(a);
      }
      const page = await list();
      expect(page.items.map((s) => s.annotation)).toEqual(expect.arrayContaining(items));
      expect(page.items.every((s) => s.sentAt === sentAt)).toBe(true);
    });

    it('answers a resent batch with duplicate for every item and stores nothing twice', async () => {
      const items = makeAnnotations(12);
      await sync(items);
      // The same content with keys in another order hashes the same: canonical JSON.
      const reordered = items.map((a) => Object.fromEntries(Object.entries(a).reverse()));
      const again = await sync(reordered);
      expect(again).toEqual(items.map((a) => ({ id: a.id, status: 'duplicate' })));
      for (const a of items) expect(await countAnnotations(deps.store.db, 'acme', a.id)).toBe(1);
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(12);
    });

    it('rejects malformed items alone, naming their fields, and accepts the others', async () => {
      const good = makeAnnotations(3);
      const { choice: _, ...noChoice } = makeAnnotation('preference') as AnnotationOf<'preference'>;
      const badRank = { ...makeAnnotation('relevance'), rank: 0 };
      const items = [good[0], noChoice, 'not an object', good[1], { kind: 'relevance' }, badRank, null, good[2]];
      const results = await sync(items);
      expect(results.map((r) => [r.id, r.status, r.error?.code])).toEqual([
        [good[0]!.id, 'accepted', undefined],
        [noChoice.id, 'rejected', 'invalid'],
        ['#2', 'rejected', 'invalid'],
        [good[1]!.id, 'accepted', undefined],
        ['#4', 'rejected', 'invalid'],
        [badRank.id, 'rejected', 'invalid'],
        ['#6', 'rejected', 'invalid'],
        [good[2]!.id, 'accepted', undefined],
      ]);
      expect(results[1]!.error!.message).toContain('choice');
      expect(results[5]!.error!.message).toContain('rank');
      expect(results[4]!.error!.message).toMatch(/id.*schemaVersion|schemaVersion.*id/s);
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(3);
    });

    it('rejects an id reused for other content as id_conflict and keeps what was stored first', async () => {
      const first = makeAnnotation('relevance', 'acme', { label: 'relevant' });
      await sync([first]);
      const reused = { ...first, label: 'irrelevant' };
      const other = makeAnnotation('preference');
      const results = await sync([reused, other]);
      expect(results[0]).toMatchObject({ id: first.id, status: 'rejected', error: { code: 'id_conflict' } });
      expect(results[1]).toEqual({ id: other.id, status: 'accepted' });
      expect(JSON.parse((await rowOf('acme', first.id)).payload)).toEqual(first);
    });

    it('lets the first occurrence of an id within one batch win', async () => {
      const a = makeAnnotation('relevance', 'acme', { label: 'partly' });
      const b = makeAnnotation('preference');
      const results = await sync([a, b, { ...a }, { ...a, label: 'irrelevant' }, b]);
      expect(results.map((r) => [r.id, r.status, r.error?.code])).toEqual([
        [a.id, 'accepted', undefined],
        [b.id, 'accepted', undefined],
        [a.id, 'duplicate', undefined],
        [a.id, 'rejected', 'id_conflict'],
        [b.id, 'duplicate', undefined],
      ]);
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(2);
      expect(JSON.parse((await rowOf('acme', a.id)).payload).label).toBe('partly');

      // Later copies are compared with what is stored: after an earlier conflict, the stored content still wins.
      const again = await sync([{ ...a, label: 'irrelevant' }, { ...a }]);
      expect(again.map((r) => r.status)).toEqual(['rejected', 'duplicate']);
    });

    it('stores each id once when 10 identical batches race, answering accepted once and duplicate otherwise', async () => {
      const items = makeAnnotations(40);
      const responses = await Promise.all(Array.from({ length: 10 }, () => send({ items })));
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      const bodies = await Promise.all(responses.map(async (r) => SyncResponse.parse(await r.json()).results));
      items.forEach((a, i) => {
        const statuses = bodies.map((results) => results[i]!);
        expect(statuses.every((r) => r.id === a.id)).toBe(true);
        expect(statuses.filter((r) => r.status === 'accepted')).toHaveLength(1);
        expect(statuses.filter((r) => r.status === 'duplicate')).toHaveLength(9);
      });
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(40);
      for (const a of items) expect(await countAnnotations(deps.store.db, 'acme', a.id)).toBe(1);
    });

    it('never fails when racing batches overlap in different orders', async () => {
      const pool = makeAnnotations(60);
      const batches = Array.from({ length: 10 }, (_, i) => {
        const part = pool.filter((_, j) => (j + i) % 3 !== 0);
        return i % 2 === 0 ? part : [...part].reverse();
      });
      const responses = await Promise.all(batches.map((items) => send({ items })));
      expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
      const accepted = new Map<string, number>();
      for (const r of responses) {
        for (const result of SyncResponse.parse(await r.json()).results) {
          expect(['accepted', 'duplicate']).toContain(result.status);
          if (result.status === 'accepted') accepted.set(result.id, (accepted.get(result.id) ?? 0) + 1);
        }
      }
      expect([...accepted.values()].every((n) => n === 1)).toBe(true);
      expect(accepted.size).toBe(60);
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(60);
    });

    it('rejects an item for another tenant as tenant_mismatch', async () => {
      const mine = makeAnnotation('relevance', 'acme');
      const theirs = makeAnnotation('relevance', 'globex');
      const results = await sync([mine, theirs]);
      expect(results[0]!.status).toBe('accepted');
      expect(results[1]).toMatchObject({ id: theirs.id, status: 'rejected', error: { code: 'tenant_mismatch' } });
      expect(await countAnnotations(deps.store.db, 'globex')).toBe(0);
    });

    it('rejects an item over LIMITS.annotationBytes as too_large, alone', async () => {
      const big = makeAnnotation('adoption', 'acme', { sentText: 'x'.repeat(LIMITS.annotationBytes) });
      const small = makeAnnotation('relevance');
      const results = await sync([big, small]);
      expect(results[0]).toMatchObject({ id: big.id, status: 'rejected', error: { code: 'too_large' } });
      expect(results[1]!.status).toBe('accepted');
    });

    it('redacts free text before storing, and a resend of the unredacted item is still a duplicate', async () => {
      const adoption = makeAnnotation('adoption', 'acme', { sentText: 'Hi Ada, we will call you on +44 20 7946 0958 about order JV-20517342.' });
      const rationale = makeAnnotation('rationale', 'acme', { note: 'customer email is ada@example.com' });
      const missing = makeAnnotation('missing_knowledge', 'acme', {
        description: 'Refund to IBAN DE89 3704 0044 0532 0130 00 is not covered',
        proposedTitle: 'Refunds for card 4111 1111 1111 1111',
      });
      const results = await sync([adoption, rationale, missing]);
      expect(results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'accepted']);
      const stored = Object.fromEntries((await list()).items.map((s) => [s.annotation.id, s.annotation]));
      expect(stored[adoption.id]).toMatchObject({ sentText: 'Hi [name], we will call you on [PHONE] about order JV-20517342.' });
      expect(stored[rationale.id]).toMatchObject({ note: 'customer email is [EMAIL]' });
      expect(stored[missing.id]).toMatchObject({ description: 'Refund to IBAN [IBAN] is not covered', proposedTitle: 'Refunds for card [CARD]' });
      // Ids are random hex and may contain '7946' or '4111' by chance: only the rest of the rows is searched.
      const raw = JSON.stringify(await deps.store.db.selectFrom('annotations').select('payload').execute()).replace(
        /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g,
        '<id>',
      );
      for (const secret of ['7946', 'ada@example.com', 'DE89', '4111']) expect(raw).not.toContain(secret);
      expect((await sync([adoption, rationale, missing])).map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate']);
    });

    it(`answers 413 for more than ${LIMITS.batchItems} items, naming both limits`, async () => {
      const response = await send({ items: makeAnnotations(LIMITS.batchItems + 1) });
      const error = await envelopeOf(response, 413, 'payload_too_large');
      expect(error.message).toContain(`${LIMITS.batchItems} items`);
      expect(error.message).toContain(`${LIMITS.batchBytes} bytes`);
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(0);
      // Exactly the limit is fine.
      expect((await sync(makeAnnotations(LIMITS.batchItems))).every((r) => r.status === 'accepted')).toBe(true);
    });

    it(`answers 413 for a body over ${LIMITS.batchBytes} bytes, declared or streamed`, async () => {
      const items = makeAnnotations(20).map((a) => ({ ...a, kind: 'adoption', outcome: 'verbatim', sentText: 'y'.repeat(14_000) }));
      const body = JSON.stringify({ items });
      expect(body.length).toBeGreaterThan(LIMITS.batchBytes);
      const error = await envelopeOf(await send(body), 413, 'payload_too_large');
      expect(error.message).toContain(`${LIMITS.batchItems} items`);
      expect(error.message).toContain(`${LIMITS.batchBytes} bytes`);
      const streamed = new Request(`http://localhost${BATCH}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.acmeAgent}` },
        body: new TextEncoder().encode(body),
      });
      expect(streamed.headers.has('content-length')).toBe(false);
      await envelopeOf(await app.request(streamed), 413, 'payload_too_large');
      expect(await countAnnotations(deps.store.db, 'acme')).toBe(0);
    });

    it('answers 400 for malformed JSON, an empty list, a missing list or a bad sentAt', async () => {
      await envelopeOf(await send('{"items": ['), 400, 'bad_request');
      await envelopeOf(await send(''), 400, 'bad_request');
      const empty = await envelopeOf(await send({ items: [] }), 400, 'validation_failed');
      expect(empty.issues?.map((i) => i.path)).toEqual(['items']);
      const missing = await envelopeOf(await send({ annotations: [] }), 400, 'validation_failed');
      expect(missing.issues?.map((i) => i.path)).toEqual(['items']);
      const sentAt = await envelopeOf(await send({ items: makeAnnotations(1), sentAt: 'now' }), 400, 'validation_failed');
      expect(sentAt.issues?.map((i) => i.path)).toEqual(['sentAt']);
    });

    it('matches only the literal path: /v1/annotations:batchX and friends are 404', async () => {
      for (const path of [
        '/v1/annotations:batchX',
        '/v1/annotations:batc',
        '/v1/annotations:',
        '/v1/xannotations:batch',
        '/v1/annotations:batch/x',
      ]) {
        const response = await app.request(path, { method: 'POST', headers: { authorization: `Bearer ${keys.acmeAgent}` }, body: '{}' });
        await envelopeOf(response, 404, 'not_found');
      }
      await envelopeOf(await app.request(BATCH), 404, 'not_found');
    });
  });

  describe('GET /v1/annotations', () => {
    /** Three batches received at distinct times: 10, 10 and 5 annotations. */
    async function seed(): Promise<Annotation[]> {
      const all: Annotation[] = [];
      for (const n of [10, 10, 5]) {
        const items = makeAnnotations(n);
        await sync(items);
        all.push(...items);
        await sleep(5);
      }
      return all;
    }

    const order = (items: StoredAnnotation[]) =>
      items.every((s, i) => i === 0 || `${items[i - 1]!.receivedAt} ${items[i - 1]!.annotation.id}` < `${s.receivedAt} ${s.annotation.id}`);

    it('pages through everything in (receivedAt, id) order with an opaque cursor', async () => {
      const all = await seed();
      const seen: StoredAnnotation[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: AnnotationPage = await list(`?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.items.length).toBeLessThanOrEqual(10);
        seen.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toHaveLength(all.length);
      expect(order(seen)).toBe(true);
      expect(new Set(seen.map((s) => s.annotation.id))).toEqual(new Set(all.map((a) => a.id)));
      const whole = await list();
      expect(whole.items).toEqual(seen);
      expect(whole.nextCursor).toBeNull();
    });

    it('ends with a null cursor when the last page is exactly full', async () => {
      await sync(makeAnnotations(4));
      const first = await list('?limit=2');
      expect(first.nextCursor).not.toBeNull();
      const second = await list(`?limit=2&cursor=${first.nextCursor}`);
      expect(second.items).toHaveLength(2);
      expect(second.nextCursor).toBeNull();
    });

    it('filters by kind and by receive time', async () => {
      const all = await seed();
      const relevance = await list('?kind=relevance');
      expect(relevance.items.length).toBe(all.filter((a) => a.kind === 'relevance').length);
      expect(relevance.items.every((s) => s.annotation.kind === 'relevance')).toBe(true);

      const everything = (await list()).items;
      const since = everything[10]!.receivedAt;
      expect(everything[9]!.receivedAt < since).toBe(true);
      const recent = await list(`?since=${encodeURIComponent(since)}`);
      expect(recent.items).toEqual(everything.slice(10));
      // With an offset, the same instant.
      const local = new Date(since);
      const withOffset = `${new Date(local.getTime() + 2 * 3600_000).toISOString().slice(0, 23)}+02:00`;
      expect((await list(`?since=${encodeURIComponent(withOffset)}`)).items).toEqual(everything.slice(10));
      const combined = await list(`?since=${encodeURIComponent(since)}&kind=adoption&limit=1`);
      expect(combined.items.every((s) => s.annotation.kind === 'adoption' && s.receivedAt >= since)).toBe(true);
    });

    it('answers 400 naming the bad parameter', async () => {
      const cases: [string, string][] = [
        ['?since=yesterday', 'since'],
        ['?kind=thumbs_up', 'kind'],
        ['?limit=0', 'limit'],
        [`?limit=${LIMITS.pageSize + 1}`, 'limit'],
        ['?limit=ten', 'limit'],
        ['?cursor=not-a-cursor', 'cursor'],
        [`?cursor=${Buffer.from('["x"]').toString('base64url')}`, 'cursor'],
      ];
      for (const [query, param] of cases) {
        const response = await app.request(`/v1/annotations${query}`, { headers: { authorization: `Bearer ${keys.acmeAnalyst}` } });
        const error = await envelopeOf(response, 400, 'validation_failed');
        expect(
          error.issues?.map((i) => i.path),
          query,
        ).toEqual([param]);
        expect(error.message).toContain(param);
      }
    });

    it('shows a tenant only its own annotations', async () => {
      const acme = makeAnnotations(3, 'acme');
      const globex = makeAnnotations(2, 'globex');
      await sync(acme, keys.acmeAgent);
      await sync(globex, keys.globexAgent);
      expect((await list('', keys.acmeAnalyst)).items.map((s) => s.annotation.id).sort()).toEqual(acme.map((a) => a.id).sort());
      expect((await list('', keys.globexAnalyst)).items.map((s) => s.annotation.id).sort()).toEqual(globex.map((a) => a.id).sort());
      // A cursor from another tenant's page leads to nothing of theirs either.
      const acmePage = await list('?limit=1', keys.acmeAnalyst);
      const foreign = await list(`?cursor=${acmePage.nextCursor}`, keys.globexAnalyst);
      expect(foreign.items.every((s) => s.annotation.tenant === 'globex')).toBe(true);
    });

    it('keeps the same id apart per tenant', async () => {
      const id = uuidv7();
      const results = await Promise.all([
        sync([makeAnnotation('relevance', 'acme', { id })], keys.acmeAgent),
        sync([makeAnnotation('relevance', 'globex', { id })], keys.globexAgent),
      ]);
      expect(results.map((r) => r[0]!.status)).toEqual(['accepted', 'accepted']);
      expect(await countAnnotations(deps.store.db, 'acme', id)).toBe(1);
      expect(await countAnnotations(deps.store.db, 'globex', id)).toBe(1);
    });
  });
});
