/**
 * Selector overrides for the host adapters, delivered by the backend (`GET /v1/config`) and by managed policy:
 * when a help desk changes its page, an admin repairs the adapter without a release. Each selector key maps to
 * alternatives tried in order. The same config carries the tenant's extension settings (TenantSettings).
 */
import { z } from 'zod';

export const HOSTS = ['demo', 'zendesk', 'salesforce'] as const;
export const HostName = z.enum(HOSTS);
export type HostName = z.infer<typeof HostName>;

/** One selector key's alternatives; a single string is accepted for convenience. */
const Alternatives = z
  .union([z.string().min(1).max(500), z.array(z.string().min(1).max(500)).min(1).max(20)])
  .transform((v) => (typeof v === 'string' ? [v] : v));

export const SelectorOverrides = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'selector keys are camelCase names'), Alternatives);
export type SelectorOverrides = z.infer<typeof SelectorOverrides>;

/** How much the extension removes from a ticket before it leaves the browser (the server redacts again anyway). */
export const RedactionLevel = z.enum([
  /** Free text the agent gives (sent replies, notes, reports) is redacted; the ticket is sent as read. */
  'standard',
  /** Also the ticket: messages and subject redacted, the requester and message authors left out. */
  'strict',
]);
export type RedactionLevel = z.infer<typeof RedactionLevel>;

/** How an agent using a tenant-wide key is recorded in annotations (see docs/admin.md, "Agent identity"). */
export const AgentIdentity = z.enum([
  /** A pseudonym: `sha256:` and 32 hex digits of the tenant and the signed-in agent's email (or name). */
  'hashed',
  /** The signed-in agent's email (or name) as the help desk shows it. */
  'plain',
]);
export type AgentIdentity = z.infer<typeof AgentIdentity>;

/**
 * Tenant-wide extension settings an admin stores on the backend (`aitl config set`, `PUT /v1/config`): the layer
 * between managed policy (which wins) and each agent's own options. Every field is optional; absent means "not
 * set by the tenant".
 */
export const TenantSettings = z.object({
  enabledHosts: z.array(HostName).max(HOSTS.length).optional(),
  redactionLevel: RedactionLevel.optional(),
  /** Whether the sidebar asks for feedback at all (which reply is better, snippet relevance, why, what is missing). */
  annotationPrompts: z.boolean().optional(),
  /** Share of suggestions, in percent, that ask which reply is better (decided per suggestion id). */
  pairwisePromptPercent: z.number().int().min(0).max(100).optional(),
  agentIdentity: AgentIdentity.optional(),
  /** Sync batches of at most this many annotations (1 to 100) and bytes (1 KiB to 256 KiB). */
  syncBatchItems: z.number().int().min(1).max(100).optional(),
  syncBatchBytes: z.number().int().min(1024).max(262_144).optional(),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

export const HostConfig = z.object({
  /** Per host, selector key → alternatives. Unknown keys are refused by the adapter that reads them. */
  selectors: z.partialRecord(HostName, SelectorOverrides).default({}),
  /** Tenant-wide extension settings; absent when the tenant stored none. */
  settings: TenantSettings.optional(),
});
export type HostConfig = z.infer<typeof HostConfig>;
export type HostConfigInput = z.input<typeof HostConfig>;

/**
 * What an admin stores (`PUT /v1/config`, `aitl config set`): HostConfig with every field this version does not know
 * refused by name. Stored as is, a misspelt "selectors" would otherwise replace the tenant's config with an empty one.
 */
export const HostConfigUpdate = z.strictObject({ ...HostConfig.shape, settings: z.strictObject(TenantSettings.shape).optional() });

/** POST /v1/page-reports — the agent's "report this page" when an adapter cannot read a ticket. */
export const PageReport = z.object({
  host: HostName,
  /** The page URL without query or fragment (they may carry personal data). */
  url: z.string().max(2048),
  reason: z.string().max(500),
  /** The selector key that failed and the alternatives tried, when known. */
  selectorKey: z.string().max(100).optional(),
  selectors: z.array(z.string().max(500)).max(20).optional(),
  extensionVersion: z.string().max(50),
  clientTime: z.iso.datetime({ offset: true }),
});
export type PageReport = z.infer<typeof PageReport>;

/** One stored page report as GET /v1/page-reports lists it (newest received first). */
export const PageReportItem = z.object({
  id: z.string(),
  host: HostName,
  /** Without query or fragment: the server strips them again before storing. */
  url: z.string(),
  reason: z.string(),
  selectorKey: z.string().nullable(),
  selectors: z.array(z.string()).nullable(),
  extensionVersion: z.string(),
  clientTime: z.string(),
  receivedAt: z.string(),
  /** The API key that sent it; null for a keyless request. */
  keyId: z.string().nullable(),
});
export type PageReportItem = z.infer<typeof PageReportItem>;

export const PageReportList = z.object({ items: z.array(PageReportItem) });
export type PageReportList = z.infer<typeof PageReportList>;

/** POST /v1/page-reports answers 201 with the stored report's id. */
export const PageReportCreated = z.object({ id: z.string() });
export type PageReportCreated = z.infer<typeof PageReportCreated>;
