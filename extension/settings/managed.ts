/**
 * The admin's policy for this extension, from `browser.storage.managed` (Chrome and Edge: `3rdparty.extensions.<id>`
 * in policy, checked against managed-schema.json; Firefox: `3rdparty.Extensions.<id>` in policies.json). Read fresh
 * each time, so a changed policy applies at the next use; `onManagedPolicyChange` tells pages to redraw.
 */
import { browser } from 'wxt/browser';
import { type IgnoredPolicyValue, type ManagedPolicy, parseManagedPolicy } from '../../shared/index.ts';

export interface ManagedRead {
  policy: ManagedPolicy;
  /** Policy values left out (unknown names, invalid values), with the reason. */
  ignored: IgnoredPolicyValue[];
}

/** The policy as set; an empty one where the browser has none (Firefox without policies rejects the read). */
export async function readManagedPolicy(): Promise<ManagedRead> {
  let raw: unknown;
  try {
    raw = await browser.storage.managed.get(null);
  } catch {
    return { policy: {}, ignored: [] };
  }
  return parseManagedPolicy(raw);
}

/** Calls `listener` whenever the browser reloads the policy (`storage.onChanged`, area `managed`); returns a remover. */
export function onManagedPolicyChange(listener: () => void): () => void {
  const handler = (_changes: unknown, area: string) => {
    if (area === 'managed') listener();
  };
  browser.storage.onChanged.addListener(handler);
  return () => browser.storage.onChanged.removeListener(handler);
}
