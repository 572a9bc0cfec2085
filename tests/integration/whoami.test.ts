import type { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../backend/app.ts';
import type { AppDeps } from '../../backend/deps.ts';
import { createApiKey, revokeApiKey } from '../../backend/store/api-keys.ts';
import { WhoAmI } from '../../shared/index.ts';
import { clearTables, createTestDeps, DIALECTS, useDatabase } from './dialects.ts';

describe.each(DIALECTS)('GET /v1/whoami on $name', (dialect) => {
  let deps: AppDeps;
  let optional: Hono;
  let required: Hono;
  useDatabase(
    dialect,
    async (database) => {
      deps = await createTestDeps(database);
      optional = createApp(deps);
      required = createApp({ ...deps, config: { ...deps.config, auth: 'required' } });
    },
    () => clearTables(deps.store.db),
  );

  it("answers every valid key's tenant and role, whatever the role", async () => {
    for (const role of ['agent', 'analyst', 'admin'] as const) {
      const { key, info } = await createApiKey(deps.store.db, { tenant: `t-${role}`, role, name: role });
      const response = await required.request('/v1/whoami', { headers: { authorization: `Bearer ${key}` } });
      expect(response.status).toBe(200);
      expect(WhoAmI.parse(await response.json())).toEqual({ tenant: `t-${role}`, role, keyId: info.id });
    }
  });

  it('answers the default tenant as agent without a key where keys are optional, 401 where required', async () => {
    expect(WhoAmI.parse(await (await optional.request('/v1/whoami')).json())).toEqual({
      tenant: deps.config.defaultTenant,
      role: 'agent',
      keyId: null,
    });
    expect((await required.request('/v1/whoami')).status).toBe(401);
  });

  it('refuses a revoked key', async () => {
    const { key, info } = await createApiKey(deps.store.db, { tenant: 'acme', role: 'agent', name: 'old' });
    await revokeApiKey(deps.store.db, info.id);
    expect((await optional.request('/v1/whoami', { headers: { authorization: `Bearer ${key}` } })).status).toBe(401);
  });
});
