import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { gapsCommand } from '../../backend/cli/gaps.ts';
import { payloadHash, storeAnnotations } from '../../backend/store/annotations.ts';
import { createApiKey } from '../../backend/store/api-keys.ts';
import { loadGateResults, saveGateResults } from '../../backend/store/gate-results.ts';
import { type Annotation, ErrorEnvelope, GapList, type Role } from '../../shared/index.ts';
import { makeAnnotation } from '../helpers/annotations.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

const report = (description: string, extra: Record<string, unknown> = {}) =>
  makeAnnotation('missing_knowledge', (extra.tenant as string | undefined) ?? 'acme', { description, proposedTitle: undefined, ...extra });

describe.each(DIALECTS)('gap queue and gate results on $name', (dialect) => {
  let deps: AppDeps;
  let app: Hono;
  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      app = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    },
    async () => {
      await clearTables(deps.store.db);
      await deps.store.db.deleteFrom('gate_results').execute();
    },
  );

  const keyFor = async (role: Role, tenant = 'acme') => (await createApiKey(deps.store.db, { tenant, role, name: role })).key;
  const get = (query: string, key?: string) => app.request(`/v1/gaps${query}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  const store = async (annotations: Annotation[], receivedAt = new Date().toISOString()) => {
    for (const tenant of new Set(annotations.map((a) => a.tenant))) {
      const mine = annotations.filter((a) => a.tenant === tenant).map((annotation) => ({ annotation, hash: payloadHash(annotation) }));
      await storeAnnotations(deps.store.db, tenant, mine, { sentAt: null, receivedAt });
    }
  };
  const seed = async () => {
    const bulbs = [
      report('No article on replacing lamp bulbs', { ticketId: 'T-1', agent: 'ann' }),
      report('How do I replace a lamp bulb? nothing in the KB', { ticketId: 'T-2', agent: 'bob' }),
      report('Replacing the bulb in a lamp', { ticketId: 'T-3', agent: 'ann' }),
    ];
    const gift = report('Gift card expiry', { ticketId: 'T-4' });
    const elsewhere = report('No article on replacing lamp bulbs', { tenant: 'globex' });
    await store([...bulbs, gift, elsewhere, makeAnnotation('relevance')]);
    return { bulbs, gift };
  };

  it('refuses callers without a key (401) and agents (403)', async () => {
    expect((await get('')).status).toBe(401);
    const forbidden = await get('', await keyFor('agent'));
    expect(forbidden.status).toBe(403);
    expect(ErrorEnvelope.parse(await forbidden.json()).error.code).toBe('forbidden');
  });

  it('answers 400 naming the field for a bad limit or since', async () => {
    const analyst = await keyFor('analyst');
    for (const [query, field] of [
      ['?limit=0', 'limit'],
      ['?limit=501', 'limit'],
      ['?limit=ten', 'limit'],
      ['?since=yesterday', 'since'],
    ] as const) {
      const res = await get(query, analyst);
      expect(res.status, query).toBe(400);
      const { error } = ErrorEnvelope.parse(await res.json());
      expect(error.code).toBe('validation_failed');
      expect(error.message).toContain(field);
      expect(error.issues?.map((i) => i.path)).toEqual([field]);
    }
  });

  it("groups the tenant's similar reports, biggest first, for analysts and admins", async () => {
    const { bulbs, gift } = await seed();
    for (const role of ['analyst', 'admin'] as const) {
      const res = await get('', await keyFor(role));
      expect(res.status).toBe(200);
      const list = GapList.parse(await res.json());
      expect(list).toMatchObject({ reports: 4, total: 2 });
      expect(list.groups.map((g) => g.count)).toEqual([3, 1]);
      expect(list.groups[0]).toMatchObject({
        title: 'Replacing the bulb in a lamp',
        agents: 2,
        exampleTickets: ['T-3', 'T-2', 'T-1'],
        annotationIds: bulbs.map((b) => b.id).sort(),
      });
      expect(list.groups[1]!.annotationIds).toEqual([gift.id]);
    }
    const one = GapList.parse(await (await get('?limit=1', await keyFor('analyst'))).json());
    expect(one.groups).toHaveLength(1);
    expect(one.total).toBe(2);
  });

  it('counts only reports received since `since`', async () => {
    await store([report('Replacing lamp bulbs')], '2026-01-01T00:00:00.000Z');
    await store([report('Gift card expiry')], '2026-06-01T00:00:00.000Z');
    const list = GapList.parse(await (await get('?since=2026-03-01T00:00:00Z', await keyFor('analyst'))).json());
    expect(list.reports).toBe(1);
    expect(list.groups.map((g) => g.title)).toEqual(['Gift card expiry']);
  });

  it('prints the queue from the command line, as text or JSON', async () => {
    await seed();
    const run = async (args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await gapsCommand(
        args,
        (l) => out.push(l),
        (l) => err.push(l),
        deps.store,
      );
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const text = await run(['--tenant', 'acme']);
    expect(text.code).toBe(0);
    expect(text.out).toContain('2 gaps from 4 reports for tenant acme');
    expect(text.out).toMatch(/ {3}3 × Replacing the bulb in a lamp/);
    const json = await run(['--tenant', 'acme', '--json', '--limit', '1']);
    expect(GapList.parse(JSON.parse(json.out))).toMatchObject({ reports: 4, total: 2, groups: [{ count: 3 }] });
    expect((await run(['--tenant', 'nobody'])).out).toBe('No missing-knowledge reports for tenant nobody.');
    const bad = await run(['--limit', '0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--limit');
  });

  it('upserts gate decisions per (tenant, annotation) and loads them back', async () => {
    const decisions = Array.from({ length: 1_200 }, (_, i) => ({
      tenant: 'acme',
      annotationId: `a-${i}`,
      weight: i % 2 ? 1 : 0.3,
      reasons: i % 2 ? [] : [{ rule: 'rapid_fire', detail: `burst ${i}` }],
    }));
    decisions.push({ tenant: 'globex', annotationId: 'a-0', weight: 0, reasons: [{ rule: 'contradiction', detail: 'other tenant' }] });
    expect(await saveGateResults(deps.store.db, 'run-1', decisions, new Date('2026-11-20T10:00:00.000Z'))).toBe(1_201);

    const loaded = await loadGateResults(deps.store.db, 'acme', ['a-0', 'a-1', 'a-1199', 'missing']);
    expect([...loaded.keys()].sort()).toEqual(['a-0', 'a-1', 'a-1199']);
    expect(loaded.get('a-0')).toEqual({
      weight: 0.3,
      reasons: [{ rule: 'rapid_fire', detail: 'burst 0' }],
      runId: 'run-1',
      decidedAt: '2026-11-20T10:00:00.000Z',
    });

    // A later run replaces the decision; other annotations keep theirs.
    await saveGateResults(
      deps.store.db,
      'run-2',
      [{ tenant: 'acme', annotationId: 'a-0', weight: 1, reasons: [] }],
      new Date('2026-11-21T10:00:00.000Z'),
    );
    const again = await loadGateResults(deps.store.db, 'acme', ['a-0', 'a-2']);
    expect(again.get('a-0')).toEqual({ weight: 1, reasons: [], runId: 'run-2', decidedAt: '2026-11-21T10:00:00.000Z' });
    expect(again.get('a-2')!.runId).toBe('run-1');
    expect((await loadGateResults(deps.store.db, 'globex', ['a-0'])).get('a-0')!.reasons[0]!.detail).toBe('other tenant');
    expect(await saveGateResults(deps.store.db, 'run-3', [])).toBe(0);
  });

  it('describes GET /v1/gaps in the OpenAPI document', async () => {
    const doc = (await (await app.request('/v1/openapi.json')).json()) as { paths: Record<string, { get?: { parameters?: { name: string }[] } }> };
    expect(doc.paths['/v1/gaps']?.get?.parameters?.map((p) => p.name).sort()).toEqual(['limit', 'since']);
  });
});
