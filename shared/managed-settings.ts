/**
 * What an admin sets for every agent through browser policy — Chrome and Edge `3rdparty.extensions.<id>`, Firefox
 * `3rdparty.Extensions.<id>` — read by the extension from `storage.managed`. extension/public/managed-schema.json
 * declares the same settings to Chrome in its JSON-schema dialect; tests/unit/extension/managed-schema.test.ts
 * holds the two in step (same names, types, enums, bounds, and the same verdict on sample policies).
 *
 * The sidebar asks the worker for its page's settings with the `pageSettings` message (messages.ts).
 */
import { z } from 'zod';
import { AgentIdentity, HOSTS, HostName, RedactionLevel } from './host-config.ts';

/** Where the API key comes from: this policy (one tenant-wide key) or each agent's options page (personal keys). */
export const KeySource = z.enum(['policy', 'options']);
export type KeySource = z.infer<typeof KeySource>;

const API_KEY = /^aitl_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/;

/** A policy's selector overrides: lists only (Chrome's schema has no "string or list"). */
const PolicySelectorOverrides = z.partialRecord(
  HostName,
  z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'selector keys are camelCase names'), z.array(z.string().min(1).max(500)).min(1).max(20)),
);

/** Each policy setting on its own, so one bad value is dropped alone (as Chrome drops a value its schema refuses). */
export const MANAGED_POLICY_FIELDS = {
  backendUrl: z
    .string()
    .max(2048)
    .regex(/^https?:\/\/[^\s/]+/, 'must be an http:// or https:// URL'),
  tenant: z.string().min(1).max(128),
  apiKey: z.string().regex(API_KEY, 'must be an AITL key, aitl_<16 hex>_<43 characters>'),
  keySource: KeySource,
  agentIdentity: AgentIdentity,
  enabledHosts: z.array(HostName).max(HOSTS.length),
  selectorOverrides: PolicySelectorOverrides,
  redactionLevel: RedactionLevel,
  annotationPrompts: z.boolean(),
  pairwisePromptPercent: z.number().int().min(0).max(100),
  syncBatchItems: z.number().int().min(1).max(100),
  syncBatchBytes: z.number().int().min(1024).max(262_144),
} as const;

export type ManagedPolicyKey = keyof typeof MANAGED_POLICY_FIELDS;
export const MANAGED_POLICY_KEYS = Object.keys(MANAGED_POLICY_FIELDS) as ManagedPolicyKey[];

export const ManagedPolicy = z.object(MANAGED_POLICY_FIELDS).partial();
export type ManagedPolicy = z.infer<typeof ManagedPolicy>;

/** A policy value the extension did not use, and why (shown on the options page). */
export interface IgnoredPolicyValue {
  key: string;
  message: string;
}

/**
 * The usable part of whatever `storage.managed.get()` gave: each known setting checked on its own; unknown names and
 * invalid values are left out and listed.
 *
 *   parseManagedPolicy({ backendUrl: 'https://aitl.example.com', pairwisePromptPercent: 250 })
 *   // → { policy: { backendUrl: 'https://aitl.example.com' }, ignored: [{ key: 'pairwisePromptPercent', message: … }] }
 */
export function parseManagedPolicy(raw: unknown): { policy: ManagedPolicy; ignored: IgnoredPolicyValue[] } {
  const policy: Record<string, unknown> = {};
  const ignored: IgnoredPolicyValue[] = [];
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { policy, ignored };
  for (const [key, value] of Object.entries(raw)) {
    const field = (MANAGED_POLICY_FIELDS as Record<string, z.ZodType>)[key];
    if (!field) {
      ignored.push({ key, message: 'not a setting of this extension' });
      continue;
    }
    const parsed = field.safeParse(value);
    if (parsed.success) policy[key] = parsed.data;
    else ignored.push({ key, message: parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ') });
  }
  return { policy: policy as ManagedPolicy, ignored };
}
