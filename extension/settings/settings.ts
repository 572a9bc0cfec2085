/**
 * The agent's own settings (the options page's layer), stored once in `browser.storage` with a typed default. What
 * the extension actually uses also depends on policy and the tenant's config: see current-settings.ts.
 */
import { storage } from 'wxt/utils/storage';
import type { HostConfig } from '../../shared/host-config.ts';
import { uuidv7 } from '../../shared/ids.ts';

export { DEFAULT_BACKEND_URL, normaliseBackendUrl } from './resolve-settings.ts';

/** The backend the agent chose; empty (unset) until they save one. */
export const backendUrl = storage.defineItem<string>('local:backendUrl', { fallback: '' });

/** Sent as `Authorization: Bearer <key>` when not empty; an agent-role key of the backend's tenant. */
export const apiKey = storage.defineItem<string>('local:apiKey', { fallback: '' });

/** Who this browser's agent is in the annotations: generated once per profile, kept afterwards. */
export const agentId = storage.defineItem<string>('local:agentId', { init: () => `agent-${uuidv7()}` });

/** The tenant recorded in the annotations: the key's, as the backend said (GET /v1/whoami). */
export const tenant = storage.defineItem<string>('local:tenant', { fallback: '' });

/** Whether the agent wants to be asked for feedback; null until they choose (policy or the tenant may decide instead). */
export const annotationPrompts = storage.defineItem<boolean | null>('local:annotationPrompts', { fallback: null });

/** The last config the backend gave, so a repaired page stays repaired while the backend is away. */
export const hostConfigCache = storage.defineItem<HostConfig>('local:hostConfig', { fallback: { selectors: {} } });
