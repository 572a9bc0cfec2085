// @vitest-environment happy-dom
/**
 * Settings resolve as managed policy > the tenant's config from the backend > the agent's options > defaults, each
 * value with its source; the pairwise prompt is sampled per suggestion id; with a tenant-wide key the agent is the one
 * the help desk shows as signed in.
 */
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { readZendeskAgent } from '../../../extension/hosts/zendesk.ts';
import { agentFromElement } from '../../../extension/hosts/dom.ts';
import { hashedAgent, recordedAgent } from '../../../extension/settings/agent-identity.ts';
import { DEFAULTS, isLocked, resolveSettings, type SettingsLayers } from '../../../extension/settings/resolve-settings.ts';
import { pairwiseSampled } from '../../../extension/sidebar/pairwise-sampling.ts';
import { createOutbox } from '../../../extension/outbox/outbox.ts';
import { createSyncer } from '../../../extension/outbox/sync.ts';
import { uuidv7 } from '../../../shared/index.ts';
import { fakeServer, freshDb, makeAnnotation } from './helpers.ts';

const KEY = 'aitl_0123456789abcdef_EXAMPLE-tenant-wide-key-replace-with-yours-';
const layers = (l: Partial<SettingsLayers>): SettingsLayers => ({ policy: {}, tenant: {}, options: {}, ...l });

describe('resolveSettings', () => {
  it('uses the defaults when no layer says anything', () => {
    const s = resolveSettings(layers({}));
    expect(s.backendUrl).toEqual({ value: 'http://127.0.0.1:8787', source: 'default' });
    expect(s.apiKey).toEqual({ value: '', source: 'default' });
    expect(s.tenant).toEqual({ value: 'default', source: 'default' });
    expect(s.keySource).toEqual({ value: 'options', source: 'default' });
    expect(s.enabledHosts.value).toEqual(['demo', 'zendesk', 'salesforce']);
    expect(s.annotationPrompts).toEqual({ value: true, source: 'default' });
    expect(s.pairwisePromptPercent.value).toBe(100);
    expect(s.syncBatchItems.value).toBe(DEFAULTS.syncBatchItems);
    expect(s.syncBatchBytes.value).toBe(DEFAULTS.syncBatchBytes);
    expect(s.redactionLevel.value).toBe('standard');
    expect(s.agentIdentity.value).toBe('hashed');
  });

  it('takes policy over tenant config over options over defaults, layer by layer', () => {
    const policy = { annotationPrompts: false };
    const tenant = { settings: { annotationPrompts: true } };
    const options = { annotationPrompts: false };
    expect(resolveSettings(layers({ policy, tenant, options })).annotationPrompts).toEqual({ value: false, source: 'policy' });
    expect(resolveSettings(layers({ tenant, options })).annotationPrompts).toEqual({ value: true, source: 'tenant' });
    expect(resolveSettings(layers({ options })).annotationPrompts).toEqual({ value: false, source: 'options' });
    expect(resolveSettings(layers({ options: { annotationPrompts: null } })).annotationPrompts).toEqual({ value: true, source: 'default' });
  });

  it('lets each layer set only what is its to set', () => {
    // The agent cannot lower the pairwise share or the redaction; the tenant cannot move the backend or the key.
    const s = resolveSettings(
      layers({
        tenant: { settings: { pairwisePromptPercent: 25, redactionLevel: 'strict', syncBatchItems: 10 } },
        options: { backendUrl: 'https://mine.example', apiKey: 'personal', agentId: 'ann', tenant: 'acme' },
      }),
    );
    expect(s.pairwisePromptPercent).toEqual({ value: 25, source: 'tenant' });
    expect(s.redactionLevel).toEqual({ value: 'strict', source: 'tenant' });
    expect(s.syncBatchItems).toEqual({ value: 10, source: 'tenant' });
    expect(s.backendUrl).toEqual({ value: 'https://mine.example', source: 'options' });
    expect(s.apiKey).toEqual({ value: 'personal', source: 'options' });
    expect(s.tenant).toEqual({ value: 'acme', source: 'options' });
    expect(s.agentId).toEqual({ value: 'ann', source: 'options' });
  });

  it("uses the policy's URL, tenant and key over the agent's, normalising the URL", () => {
    const s = resolveSettings(
      layers({
        policy: { backendUrl: 'https://aitl.example.com/', tenant: 'acme', apiKey: KEY },
        options: { backendUrl: 'http://127.0.0.1:9999', apiKey: 'typed-in', tenant: 'other' },
      }),
    );
    expect(s.backendUrl).toEqual({ value: 'https://aitl.example.com', source: 'policy' });
    expect(s.tenant).toEqual({ value: 'acme', source: 'policy' });
    expect(s.apiKey).toEqual({ value: KEY, source: 'policy' });
    expect(s.keySource).toEqual({ value: 'policy', source: 'policy' });
    expect([s.backendUrl, s.apiKey, s.tenant].every(isLocked)).toBe(true);
  });

  it("leaves the key to each agent when policy's keySource is options, even if it also names a key", () => {
    const s = resolveSettings(layers({ policy: { keySource: 'options', apiKey: KEY }, options: { apiKey: 'personal' } }));
    expect(s.keySource).toEqual({ value: 'options', source: 'policy' });
    expect(s.apiKey).toEqual({ value: 'personal', source: 'options' });
    expect(isLocked(s.apiKey)).toBe(false);
  });

  it('ignores blank options (a cleared field means "not set")', () => {
    const s = resolveSettings(layers({ options: { backendUrl: '  ', apiKey: '', tenant: '' } }));
    expect(s.backendUrl.source).toBe('default');
    expect(s.apiKey.source).toBe('default');
    expect(s.tenant.source).toBe('default');
  });

  it('merges selector overrides key by key, policy over tenant, naming the source of each', () => {
    const s = resolveSettings(
      layers({
        policy: { selectorOverrides: { zendesk: { composer: ['div.policy'] } } },
        tenant: { selectors: { zendesk: { composer: ['div.tenant'], subject: ['input.tenant'] }, salesforce: { body: ['.b'] } } },
      }),
    );
    expect(s.selectors.zendesk).toEqual({
      overrides: { composer: ['div.policy'], subject: ['input.tenant'] },
      sources: { composer: 'policy', subject: 'tenant' },
    });
    expect(s.selectors.salesforce.sources).toEqual({ body: 'tenant' });
    expect(s.selectors.demo).toEqual({ overrides: {}, sources: {} });
  });

  it('turns help desks off by policy or tenant', () => {
    expect(resolveSettings(layers({ tenant: { settings: { enabledHosts: ['zendesk'] } } })).enabledHosts).toEqual({
      value: ['zendesk'],
      source: 'tenant',
    });
    expect(resolveSettings(layers({ policy: { enabledHosts: [] }, tenant: { settings: { enabledHosts: ['zendesk'] } } })).enabledHosts).toEqual({
      value: [],
      source: 'policy',
    });
  });
});

describe('pairwiseSampled', () => {
  const ids = Array.from({ length: 10_000 }, (_, i) => uuidv7(1_700_000_000_000 + i));

  it('asks always at 100 %, never at 0 %', () => {
    expect(ids.every((id) => pairwiseSampled(id, 100))).toBe(true);
    expect(ids.some((id) => pairwiseSampled(id, 0))).toBe(false);
  });

  it('asks for about the share set, the same suggestions every time', () => {
    for (const percent of [10, 30, 50]) {
      const share = ids.filter((id) => pairwiseSampled(id, percent)).length / ids.length;
      expect(Math.abs(share - percent / 100), `${percent} %`).toBeLessThan(0.02);
    }
    expect(ids.map((id) => pairwiseSampled(id, 30))).toEqual(ids.map((id) => pairwiseSampled(id, 30)));
  });

  it('keeps a suggestion asked at a lower share asked at any higher one', () => {
    expect(ids.filter((id) => pairwiseSampled(id, 20) && !pairwiseSampled(id, 60))).toEqual([]);
  });
});

describe('agent identity', () => {
  const policyKey = { keySource: 'policy' as const, agentIdentity: 'hashed' as const, tenant: 'acme' };

  it("records this browser's id with a personal key", async () => {
    expect(await recordedAgent({ ...policyKey, keySource: 'options' }, 'agent-123', { email: 'sam@acme.example' })).toEqual({
      agent: 'agent-123',
      from: 'profile',
    });
  });

  it('records a stable pseudonym of the signed-in agent with a tenant-wide key', async () => {
    const a = await recordedAgent(policyKey, 'agent-123', { name: 'Sam Rivera', email: 'Sam@Acme.example ' });
    expect(a.from).toBe('page');
    expect(a.agent).toMatch(/^sha256:[0-9a-f]{32}$/);
    expect(a.agent).toBe(await hashedAgent('acme', 'sam@acme.example'));
    // The same person in another tenant is another pseudonym; another person here is another too.
    expect(await hashedAgent('globex', 'sam@acme.example')).not.toBe(a.agent);
    expect((await recordedAgent(policyKey, 'agent-123', { email: 'kim@acme.example' })).agent).not.toBe(a.agent);
  });

  it('records the email (or else the name) as is when policy says plain', async () => {
    const plain = { ...policyKey, agentIdentity: 'plain' as const };
    expect(await recordedAgent(plain, 'agent-123', { name: 'Sam Rivera', email: 'sam@acme.example' })).toEqual({
      agent: 'sam@acme.example',
      from: 'page',
    });
    expect(await recordedAgent(plain, 'agent-123', { name: 'Sam Rivera' })).toEqual({ agent: 'Sam Rivera', from: 'page' });
  });

  it("falls back to this browser's id when the help desk shows nobody", async () => {
    expect(await recordedAgent(policyKey, 'agent-123', null)).toEqual({ agent: 'agent-123', from: 'profile' });
    expect(await recordedAgent(policyKey, 'agent-123', { name: '  ' })).toEqual({ agent: 'agent-123', from: 'profile' });
  });

  it('reads the agent from an element: data attributes first, else its text', () => {
    const el = (html: string) => {
      const div = document.createElement('div');
      div.innerHTML = html;
      return div.firstElementChild;
    };
    expect(agentFromElement(el('<span data-name="Sam Rivera" data-email="sam@acme.example">Signed in as Sam Rivera</span>'))).toEqual({
      name: 'Sam Rivera',
      email: 'sam@acme.example',
    });
    expect(agentFromElement(el('<span>Kim Lee (kim@acme.example)</span>'))).toEqual({ name: 'Kim Lee', email: 'kim@acme.example' });
    expect(agentFromElement(el('<span>  </span>'))).toBeUndefined();
    expect(agentFromElement(null)).toBeUndefined();
  });

  it("reads Zendesk's signed-in agent from its own API, and nobody when it says nobody or fails", async () => {
    const answer = (status: number, body: unknown) => async () => new Response(JSON.stringify(body), { status });
    expect(
      await readZendeskAgent('https://acme.zendesk.com', answer(200, { user: { id: 7, name: 'Sam Rivera', email: 'sam@acme.example' } })),
    ).toEqual({
      name: 'Sam Rivera',
      email: 'sam@acme.example',
    });
    expect(
      await readZendeskAgent('https://acme.zendesk.com', answer(200, { user: { id: null, name: 'Anonymous user', email: 'invalid@example.com' } })),
    ).toBeUndefined();
    expect(await readZendeskAgent('https://acme.zendesk.com', answer(401, { error: 'Couldn’t authenticate you' }))).toBeUndefined();
    expect(await readZendeskAgent('https://acme.zendesk.com', async () => Promise.reject(new TypeError('offline')))).toBeUndefined();
  });
});

describe('sync limits', () => {
  it('reach the outbox sync: batches no larger than the admin set', async () => {
    const outbox = createOutbox(freshDb());
    for (let i = 0; i < 7; i++) expect(await outbox.add(makeAnnotation(i))).toMatchObject({ ok: true });
    const server = fakeServer();
    const s = resolveSettings(layers({ policy: { syncBatchItems: 3 } }));
    const limits = { batchItems: s.syncBatchItems.value, batchBytes: s.syncBatchBytes.value };
    const syncer = createSyncer({ outbox, config: async () => ({ baseUrl: 'http://backend.test', ...limits }), fetch: server.fetch, locks: null });
    expect(await syncer.flush()).toMatchObject({ status: 'drained', accepted: 7 });
    expect(server.requests.map((r) => r.ids.length)).toEqual([3, 3, 1]);
  });
});
