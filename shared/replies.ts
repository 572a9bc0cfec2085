/**
 * What the background worker answers the content script (sidebar), parsed by the sidebar with these schemas. Kept
 * apart from the requests (messages.ts, managed-settings.ts), which carry whole annotations: a content script
 * builds every schema of every module it loads, on the help desk's page, and needs only these.
 */
import { z } from 'zod';
import { SuggestionResponse } from './suggestion.ts';

/** Why a call failed, in terms the sidebar can explain to the agent. */
export const FailureKind = z.enum([
  /** No answer: backend down, wrong URL, offline. Retrying later may help. */
  'unreachable',
  /** The backend answered with an error envelope. */
  'rejected',
  /** The backend refused the API key (unknown, revoked or missing): only an admin can fix it. */
  'unauthorized',
  /** The key is valid but its role may not do this (e.g. an analyst key where the sidebar needs an agent key). */
  'forbidden',
  /** The backend answered something that is not our contract (wrong server or version). */
  'invalid_response',
  /** The extension refused to keep an annotation (too large, storage full, invalid). */
  'refused',
]);
export type FailureKind = z.infer<typeof FailureKind>;

export const Failure = z.object({ ok: z.literal(false), kind: FailureKind, message: z.string() });
export type Failure = z.infer<typeof Failure>;

export const SuggestReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), suggestion: SuggestionResponse }), Failure]);
export type SuggestReply = z.infer<typeof SuggestReply>;

/** The annotation is committed to the outbox (durably) — only now may the sidebar say "saved". */
export const AnnotateReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), id: z.string() }), Failure]);
export type AnnotateReply = z.infer<typeof AnnotateReply>;

export const ReportPageReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true) }), Failure]);
export type ReportPageReply = z.infer<typeof ReportPageReply>;

export const OpenOptionsReply = ReportPageReply;
export type OpenOptionsReply = ReportPageReply;

export const PageSettings = z.object({
  /** False when policy or the tenant turned this help desk off: no sidebar at all. */
  enabled: z.boolean(),
  /** This host's selector overrides, policy's keys over the tenant's. */
  selectors: z.record(z.string(), z.array(z.string())),
  annotationPrompts: z.boolean(),
  pairwisePromptPercent: z.number().int().min(0).max(100),
  /** The key is tenant-wide: annotations go with the agent the help desk shows as signed in. */
  identifyAgent: z.boolean(),
});
export type PageSettings = z.infer<typeof PageSettings>;

export const PageSettingsReply = z.discriminatedUnion('ok', [z.object({ ok: z.literal(true), settings: PageSettings }), Failure]);
export type PageSettingsReply = z.infer<typeof PageSettingsReply>;

/** What the extension says when the backend answers 401: the key is unknown, revoked or missing. */
export const KEY_REFUSED_MESSAGE = 'This API key was revoked or is invalid — ask your admin.';
