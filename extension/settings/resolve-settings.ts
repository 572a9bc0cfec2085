/**
 * Which value of each setting the extension uses, and where it came from: managed policy > the tenant's config on the
 * backend > the agent's own options > defaults. Pure: the layers are read elsewhere (current-settings.ts), so the
 * order is tested without a browser.
 *
 *   const s = resolveSettings({ policy: { backendUrl: 'https://aitl.example.com' }, tenant: { selectors: {} }, options: {} });
 *   s.backendUrl // → { value: 'https://aitl.example.com', source: 'policy' }
 *
 * Not every layer may set everything: the backend's URL and key cannot come from the backend, and only agent-facing
 * choices (the URL, key, name, whether to be asked for feedback) are the agent's to make.
 */
import {
  type AgentIdentity,
  HOSTS,
  type HostName,
  type KeySource,
  LIMITS,
  type ManagedPolicy,
  type RedactionLevel,
  type SelectorOverrides,
  type TenantSettings,
} from '../../shared/index.ts';

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8787';

export type SettingSource = 'policy' | 'tenant' | 'options' | 'default';

export interface Setting<T> {
  value: T;
  source: SettingSource;
}

/** Set by policy or by the tenant's admin: the agent cannot change it (the options page shows it locked). */
export const isLocked = (setting: Setting<unknown>) => setting.source === 'policy' || setting.source === 'tenant';

/** What the agent saved on the options page; undefined (or null) where they saved nothing. */
export interface AgentOptions {
  backendUrl?: string | undefined;
  apiKey?: string | undefined;
  /** The agent's name or id for a personal key; generated once per browser profile. */
  agentId?: string | undefined;
  /** Recorded from the key (GET /v1/whoami) when the options page or the worker checked it. */
  tenant?: string | undefined;
  annotationPrompts?: boolean | null | undefined;
}

export interface SettingsLayers {
  policy: ManagedPolicy;
  /** The tenant's config as the backend last gave it (selector overrides and tenant-wide settings). */
  tenant: { selectors?: Partial<Record<HostName, SelectorOverrides>>; settings?: TenantSettings | undefined };
  options: AgentOptions;
}

export interface ResolvedSettings {
  backendUrl: Setting<string>;
  apiKey: Setting<string>;
  tenant: Setting<string>;
  keySource: Setting<KeySource>;
  agentIdentity: Setting<AgentIdentity>;
  agentId: Setting<string>;
  enabledHosts: Setting<HostName[]>;
  redactionLevel: Setting<RedactionLevel>;
  annotationPrompts: Setting<boolean>;
  pairwisePromptPercent: Setting<number>;
  syncBatchItems: Setting<number>;
  syncBatchBytes: Setting<number>;
  /** Per host, each overridden selector key's alternatives and whether policy or the tenant set it. */
  selectors: Record<HostName, { overrides: SelectorOverrides; sources: Record<string, 'policy' | 'tenant'> }>;
}

export const DEFAULTS = {
  backendUrl: DEFAULT_BACKEND_URL,
  apiKey: '',
  tenant: 'default',
  agentId: '',
  agentIdentity: 'hashed' as AgentIdentity,
  enabledHosts: [...HOSTS] as HostName[],
  redactionLevel: 'standard' as RedactionLevel,
  annotationPrompts: true,
  pairwisePromptPercent: 100,
  syncBatchItems: LIMITS.batchItems as number,
  syncBatchBytes: LIMITS.batchBytes as number,
};

/** The first layer, in order, that has a value; else the default. */
function first<T>(fallback: T, ...candidates: [SettingSource, T | null | undefined][]): Setting<T> {
  for (const [source, value] of candidates) if (value !== undefined && value !== null) return { value, source };
  return { value: fallback, source: 'default' };
}

const nonEmpty = (s: string | undefined) => (s?.trim() ? s.trim() : undefined);

export function resolveSettings({ policy, tenant, options }: SettingsLayers): ResolvedSettings {
  const t = tenant.settings ?? {};
  // A tenant-wide key is the policy's unless the policy hands keys to the agents.
  const keySource = first<KeySource>('options', ['policy', policy.keySource ?? (policy.apiKey ? 'policy' : undefined)]);
  const policyUrl = policy.backendUrl === undefined ? undefined : normaliseBackendUrl(policy.backendUrl);
  return {
    backendUrl: first(DEFAULTS.backendUrl, ['policy', policyUrl], ['options', nonEmpty(options.backendUrl)]),
    apiKey: first(
      DEFAULTS.apiKey,
      ['policy', keySource.value === 'policy' ? policy.apiKey : undefined],
      ['options', keySource.value === 'options' ? nonEmpty(options.apiKey) : undefined],
    ),
    tenant: first(DEFAULTS.tenant, ['policy', policy.tenant], ['options', nonEmpty(options.tenant)]),
    keySource,
    agentIdentity: first(DEFAULTS.agentIdentity, ['policy', policy.agentIdentity], ['tenant', t.agentIdentity]),
    agentId: first(DEFAULTS.agentId, ['options', nonEmpty(options.agentId)]),
    enabledHosts: first(DEFAULTS.enabledHosts, ['policy', policy.enabledHosts], ['tenant', t.enabledHosts]),
    redactionLevel: first(DEFAULTS.redactionLevel, ['policy', policy.redactionLevel], ['tenant', t.redactionLevel]),
    annotationPrompts: first(
      DEFAULTS.annotationPrompts,
      ['policy', policy.annotationPrompts],
      ['tenant', t.annotationPrompts],
      ['options', options.annotationPrompts],
    ),
    pairwisePromptPercent: first(DEFAULTS.pairwisePromptPercent, ['policy', policy.pairwisePromptPercent], ['tenant', t.pairwisePromptPercent]),
    syncBatchItems: first(DEFAULTS.syncBatchItems, ['policy', policy.syncBatchItems], ['tenant', t.syncBatchItems]),
    syncBatchBytes: first(DEFAULTS.syncBatchBytes, ['policy', policy.syncBatchBytes], ['tenant', t.syncBatchBytes]),
    selectors: mergeSelectors(policy.selectorOverrides ?? {}, tenant.selectors ?? {}),
  };
}

/** Policy's selector keys replace the tenant's, key by key; keys only one of them sets are kept. */
function mergeSelectors(
  policy: Partial<Record<HostName, SelectorOverrides>>,
  tenant: Partial<Record<HostName, SelectorOverrides>>,
): ResolvedSettings['selectors'] {
  const merged = {} as ResolvedSettings['selectors'];
  for (const host of HOSTS) {
    const overrides: SelectorOverrides = {};
    const sources: Record<string, 'policy' | 'tenant'> = {};
    for (const [source, layer] of [
      ['tenant', tenant[host]],
      ['policy', policy[host]],
    ] as const) {
      for (const [key, alternatives] of Object.entries(layer ?? {})) {
        overrides[key] = alternatives;
        sources[key] = source;
      }
    }
    merged[host] = { overrides, sources };
  }
  return merged;
}

/** Accepts http(s) URLs only and drops a trailing slash, so `${base}/v1/...` is always well formed. */
export function normaliseBackendUrl(input: string): string | undefined {
  try {
    const url = new URL(input.trim());
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return url.origin + url.pathname.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}
