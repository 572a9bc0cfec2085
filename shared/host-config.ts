/**
 * Selector overrides for the host adapters, delivered by the backend (`GET /v1/config`) and later by managed
 * policy: when a help desk changes its page, an admin repairs the adapter without a release. Each selector key
 * maps to alternatives tried in order.
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

export const HostConfig = z.object({
  /** Per host, selector key → alternatives. Unknown keys are refused by the adapter that reads them. */
  selectors: z.partialRecord(HostName, SelectorOverrides).default({}),
});
export type HostConfig = z.infer<typeof HostConfig>;
export type HostConfigInput = z.input<typeof HostConfig>;

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
