/** Extension settings, stored once in `browser.storage` with a typed default. */
import { storage } from 'wxt/utils/storage';

export const DEFAULT_BACKEND_URL = 'http://127.0.0.1:8787';

export const backendUrl = storage.defineItem<string>('local:backendUrl', { fallback: DEFAULT_BACKEND_URL });

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
