/**
 * What the dpo, sft and kto records share: the prompt a suggestion answered — the champion variant's system prompt
 * with the snippets shown, then the conversation as turns (customer → user, agent → assistant; internal notes left
 * out) — and each record's provenance. Every free text about a suggestion passes through `cleanIn` on its way out
 * (personal data and the names of the people involved, shared/redact.ts redactText), whatever was done to it on the
 * way in; knowledge-base passages through redactPii (a passage's cached form).
 */
import {
  annotationTexts,
  type ExportProvenance,
  greetedNames,
  nameMatcher,
  type NameMatcher,
  personName,
  redactPii,
  redactText,
  type Snippet,
  type AnnotationOf,
} from '../../shared/index.ts';
import { PROMPT_VARIANTS } from '../rag/prompts.ts';
import type { CleanPassage, CleanSnippet, ExportAnnotation, Prompt, SuggestionGroup } from './group.ts';

/** The variant whose system prompt the exported prompts use: the champion, first of PROMPT_VARIANTS. */
export const PROMPT_VARIANT = PROMPT_VARIANTS[0];

/**
 * The names to redact from everything written about the group's suggestion. The store keeps no requester or author,
 * so they are the names its texts greet or sign with ("Hi Eleanor," in a reply, "Best, Marcus" under one) — found in
 * any of them and then redacted from all, so the name in "Eleanor, your refund…" goes too — and agent ids that are
 * names. This is what redacts signals and suggestions stored before names were redacted on the way in.
 */
export function namesOf(group: SuggestionGroup): NameMatcher | undefined {
  if (group.memo.names !== undefined) return group.memo.names ?? undefined;
  const names: (string | undefined)[] = [];
  const texts: (string | undefined)[] = [];
  const s = group.suggestion;
  if (s) {
    names.push(personName(s.agent));
    texts.push(s.ticket?.subject, ...(s.ticket?.messages ?? []).map((m) => m.text), ...s.candidates.map((c) => c.text));
  }
  for (const { annotation: a } of group.items) {
    names.push(personName(a.agent));
    texts.push(...annotationTexts(a));
  }
  for (const list of group.rationales.values()) for (const r of list) texts.push(r.note);
  for (const text of texts) if (text) names.push(...greetedNames(text));
  const matcher = nameMatcher(names);
  group.memo.names = matcher ?? null;
  return matcher;
}

/**
 * redactText with the group's names, remembered for the group's lifetime: a suggestion's candidates, replies,
 * messages and query are written by several writers (and several records of each), and redacting is pure, so each
 * distinct text is redacted once.
 */
export function cleanIn(group: SuggestionGroup, text: string): string {
  const seen = (group.memo.cleaned ??= new Map());
  let out = seen.get(text);
  if (out === undefined) seen.set(text, (out = redactText(text, namesOf(group))));
  return out;
}

/** assistantJson, remembered for the group's lifetime (the same reply is a completion in several records). */
export function assistantJsonIn(group: SuggestionGroup, content: string): string {
  const seen = (group.memo.assistant ??= new Map());
  let out = seen.get(content);
  if (out === undefined) seen.set(content, (out = assistantJson(content)));
  return out;
}

interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

/**
 * Passages by their stored text: a few thousand passages are shown again and again, so each is redacted and encoded
 * once (unique text — messages, replies — is not worth remembering). Bounded; the oldest entry makes room.
 */
const PASSAGES = new Map<string, CleanPassage>();
const PASSAGES_CAPACITY = 10_000;

/** JSON-escaped text without the quotes: escaping is per character, so escaped pieces concatenate. */
const escaped = (text: string) => JSON.stringify(text).slice(1, -1);

function passageOf(snippet: Snippet): CleanPassage {
  const hit = PASSAGES.get(snippet.text);
  if (hit && hit.rawTitle === snippet.title) return hit;
  const title = redactPii(snippet.title);
  const text = redactPii(snippet.text);
  const passage: CleanPassage = {
    rawTitle: snippet.title,
    title,
    text,
    passageJson: Buffer.from(JSON.stringify(title ? `${title}\n${text}` : text), 'utf8'),
    promptBody: Buffer.from(`${escaped(title)}\\n${escaped(text)}`, 'utf8'),
  };
  if (!hit && PASSAGES.size >= PASSAGES_CAPACITY) PASSAGES.delete(PASSAGES.keys().next().value!);
  PASSAGES.set(snippet.text, passage);
  return passage;
}

/** The group's shown snippets in rank order, redacted (empty when the suggestion is unknown). */
export function shownOf(group: SuggestionGroup): CleanSnippet[] {
  return (group.memo.shown ??= [...(group.suggestion?.snippets ?? [])]
    .sort((a, b) => a.rank - b.rank)
    .map((snippet) => ({ ...passageOf(snippet), snippet })));
}

/** The start of every prompt: `[{"role":"system","content":"` and the champion's system prompt, escaped. */
const SYSTEM_HEAD = Buffer.from(`[{"role":"system","content":"${escaped(`${PROMPT_VARIANT.system}\n\nKnowledge-base snippets:\n\n`)}`, 'utf8');

/**
 * The system message's bytes: the champion's system prompt with the snippets shown numbered `[1] title\ntext`, put
 * together from each passage's bytes encoded once instead of being serialised again for every group.
 */
function systemBytes(group: SuggestionGroup): Buffer {
  const parts: Buffer[] = [SYSTEM_HEAD];
  shownOf(group).forEach((c, i) => parts.push(Buffer.from(`${i > 0 ? '\\n\\n' : ''}[${i + 1}] `, 'latin1'), c.promptBody));
  parts.push(Buffer.from('"}', 'latin1'));
  return Buffer.concat(parts);
}

/** The group's prompt (built once per group), or null when the suggestion is unknown. */
export function promptOf(group: SuggestionGroup): Prompt | null {
  if (group.memo.prompt !== undefined) return group.memo.prompt;
  const s = group.suggestion;
  let prompt: Prompt | null = null;
  if (s) {
    const messages = (s.ticket?.messages ?? []).filter((m) => m.role !== 'note');
    const turns: Turn[] = messages.map((m) => ({ role: m.role === 'customer' ? 'user' : 'assistant', content: cleanIn(group, m.text) }));
    const subject = s.ticket?.subject ? `Subject: ${cleanIn(group, s.ticket.subject)}\n\n` : '';
    // A suggestion stored without its ticket (before migration 0005) has only the retrieval query to stand for it.
    if (turns.length === 0) turns.push({ role: 'user', content: `${subject}${cleanIn(group, s.query)}` });
    else if (subject) {
      const at = Math.max(
        0,
        turns.findIndex((t) => t.role === 'user'),
      );
      turns[at] = { ...turns[at]!, content: subject + turns[at]!.content };
    }
    const newestCustomer = [...messages].reverse().find((m) => m.role === 'customer');
    const system = systemBytes(group);
    const rest = turns.map((t) => `,${JSON.stringify(t)}`).join('');
    const weighted = turns.map((t) => `,${JSON.stringify(t.role === 'assistant' ? { ...t, weight: 0 } : t)}`).join('');
    prompt = {
      jsonBytes: Buffer.concat([system, Buffer.from(`${rest}]`, 'utf8')]),
      weightedHeadBytes: Buffer.concat([system, Buffer.from(weighted, 'utf8')]),
      queryText: cleanIn(group, newestCustomer?.text ?? s.query),
    };
  }
  group.memo.prompt = prompt;
  return prompt;
}

/** `[{"role":"assistant","content":…}]` */
export function assistantJson(content: string): string {
  return `[{"role":"assistant","content":${JSON.stringify(content)}}]`;
}

/** Provenance of a record made from `items` of `group`. */
export function provenanceOf(group: SuggestionGroup, items: readonly ExportAnnotation[]): ExportProvenance {
  const s = group.suggestion;
  const first = items[0]?.annotation;
  return {
    tenant: group.tenant,
    suggestionId: group.suggestionId,
    ticketId: s?.ticketId ?? first?.ticketId ?? '',
    host: s?.host ?? first?.host ?? '',
    modelVersion: s?.modelVersion ?? first?.modelVersion ?? '',
    indexVersion: s?.indexVersion ?? first?.indexVersion ?? '',
    annotations: items.map(({ annotation: a, receivedAt, gate }) => ({
      id: a.id,
      kind: a.kind,
      agent: a.agent,
      clientTime: a.clientTime,
      receivedAt,
      gate: { status: gate.status, weight: gate.weight, reasons: gate.reasons.map((r) => ({ rule: r.rule, detail: cleanIn(group, r.detail) })) },
    })),
  };
}

/** The rationales given for an adoption, redacted, for a record's metadata. */
export function rationaleOf(group: SuggestionGroup, adoptionId: string): { id: string; agent: string; reasons: string[]; note: string | null }[] {
  return (group.rationales.get(adoptionId) ?? []).map((r) => ({
    id: r.id,
    agent: r.agent,
    reasons: [...r.reasons],
    note: r.note === undefined ? null : cleanIn(group, r.note),
  }));
}

/** What an adoption-based record (SFT, KTO) says about the adoption it came from, for its metadata. */
export function adoptionMetadataOf(group: SuggestionGroup, item: ExportAnnotation, a: AnnotationOf<'adoption'>) {
  return {
    outcome: a.outcome,
    similarity: a.similarity ?? null,
    candidateId: a.candidateId ?? null,
    variantId: a.variantId ?? null,
    rationale: rationaleOf(group, a.id),
    provenance: provenanceOf(group, [item]),
  };
}
