/**
 * Who an annotation says gave it. With a personal key (key source `options`) it is this browser's agent id, as
 * before. With a tenant-wide key from policy every agent sends the same key, so the agent the help desk shows as
 * signed in is recorded instead: a pseudonym by default (`sha256:` + 32 hex digits of tenant and email or name), or
 * the email or name itself when policy says `agentIdentity: "plain"`. It is the browser's claim, not proven to the
 * backend: docs/admin.md ("Trust model") says what that means.
 */
import type { AgentIdentity, KeySource, PageAgent } from '../../shared/index.ts';

export interface RecordedAgent {
  agent: string;
  /** `page`: read from the help desk; `profile`: this browser's own id (personal key, or nobody signed in was found). */
  from: 'page' | 'profile';
}

export async function recordedAgent(
  settings: { keySource: KeySource; agentIdentity: AgentIdentity; tenant: string },
  profileAgent: string,
  page: PageAgent | null | undefined,
): Promise<RecordedAgent> {
  const who = page?.email?.trim().toLowerCase() || page?.name?.trim();
  if (settings.keySource !== 'policy' || !who) return { agent: profileAgent, from: 'profile' };
  if (settings.agentIdentity === 'plain') return { agent: who.slice(0, 128), from: 'page' };
  return { agent: await hashedAgent(settings.tenant, who), from: 'page' };
}

/** `sha256:` and the first 32 hex digits of SHA-256 over `<tenant>\n<who>`: stable per agent and tenant. */
export async function hashedAgent(tenant: string, who: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${tenant}\n${who}`));
  const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `sha256:${hex.slice(0, 32)}`;
}
