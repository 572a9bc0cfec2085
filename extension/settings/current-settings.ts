/**
 * The settings in force now: the four layers read fresh (policy, the tenant's config as the backend last gave it,
 * the agent's options) and resolved by resolve-settings.ts. Cheap enough to call on every backend request, so a
 * change in any layer applies at once, without a reload.
 */
import { readManagedPolicy } from './managed.ts';
import { type ResolvedSettings, resolveSettings } from './resolve-settings.ts';
import * as options from './settings.ts';
import type { IgnoredPolicyValue } from '../../shared/index.ts';

export async function currentSettings(): Promise<ResolvedSettings & { ignored: IgnoredPolicyValue[] }> {
  const [managed, tenant, backendUrl, apiKey, agentId, tenantId, annotationPrompts] = await Promise.all([
    readManagedPolicy(),
    options.hostConfigCache.getValue(),
    options.backendUrl.getValue(),
    options.apiKey.getValue(),
    options.agentId.getValue(),
    options.tenant.getValue(),
    options.annotationPrompts.getValue(),
  ]);
  const resolved = resolveSettings({
    policy: managed.policy,
    tenant,
    options: { backendUrl, apiKey, agentId, tenant: tenantId, annotationPrompts },
  });
  return { ...resolved, ignored: managed.ignored };
}
