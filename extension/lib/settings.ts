/** Extension settings, stored once in `browser.storage` with a typed default. */
import { storage } from 'wxt/utils/storage';
import type { HostConfig } from '../../shared/host-config.ts';
import { uuidv7 } from '../../shared/ids.ts';

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8787';

export const backendUrl = storage.defineItem<string>('local:backendUrl', { fallback: DEFAULT_BACKEND_URL });

/** Sent as `Authorization: Bearer <key>` when not empty; an agent-role key of the backend's tenant. */
export const apiKey = storage.defineItem<string>('local:apiKey', { fallback: '' });

/** Who this browser's agent is in the annotations: generated once per profile, kept afterwards. */
export const agentId = storage.defineItem<string>('local:agentId', { init: () => `agent-${uuidv7()}` });

/** The tenant recorded in the annotations. */
export const tenant = storage.defineItem<string>('local:tenant', { fallback: 'default' });

/** The last selector overrides the backend gave, so a repaired page stays repaired while the backend is away. */
export const hostConfigCache = storage.defineItem<HostConfig>('local:hostConfig', { fallback: { selectors: {} } });

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
