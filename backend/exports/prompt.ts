/**
 * What the dpo, sft and kto records share: the prompt a suggestion answered — the champion variant's system prompt
 * with the snippets shown, then the conversation as turns (customer → user, agent → assistant; internal notes left
 * out) — and each record's provenance. Every free text passes through redactPii on its way out (`clean`, or
 * `cleanRepeated` for text that comes back again and again), whatever was done to it on the way in.
 */
import { type Annotation, redactPii, type ExportProvenance, type Snippet } from '../../shared/index.ts';
import { PROMPT_VARIANTS } from '../llm/prompts.ts';
import type { ExportAnnotation, SuggestionGroup } from './records.ts';

/** The variant whose system prompt the exported prompts use: the champion, first of PROMPT_VARIANTS. */
export const PROMPT_VARIANT = PROMPT_VARIANTS[0];

const REDACTED = new Map<string, string>();
const REDACTED_CAPACITY = 10_000;

/** redactPii: every free text written goes through it. */
export const clean = redactPii;

/**
 * redactPii, remembered for text that repeats from record to record (knowledge snippets: a few thousand passages
 * shown again and again). Unique text (messages, replies) is not worth remembering.
 */
export function cleanRepeated(text: string): string {
  const hit = REDACTED.get(text);
  if (hit !== undefined) return hit;
  const out = redactPii(text);
  if (REDACTED.size >= REDACTED_CAPACITY) REDACTED.delete(REDACTED.keys().next().value!);
  REDACTED.set(text, out);
  return out;
}

const cleanedIn = new WeakMap<SuggestionGroup, Map<string, string>>();

/**
 * redactPii, remembered for the group's lifetime: a suggestion's candidates, replies, messages and query are written
 * by several writers (and several records of each), and redacting is pure, so each distinct text is redacted once.
 */
export function cleanIn(group: SuggestionGroup, text: string): string {
  let seen = cleanedIn.get(group);
  if (!seen) cleanedIn.set(group, (seen = new Map()));
  let out = seen.get(text);
  if (out === undefined) seen.set(text, (out = redactPii(text)));
  return out;
}

const assistantIn = new WeakMap<SuggestionGroup, Map<string, string>>();

/** assistantJson, remembered for the group's lifetime (the same reply is a completion in several records). */
export function assistantJsonIn(group: SuggestionGroup, content: string): string {
  let seen = assistantIn.get(group);
  if (!seen) assistantIn.set(group, (seen = new Map()));
  let out = seen.get(content);
  if (out === undefined) seen.set(content, (out = assistantJson(content)));
  return out;
}

export interface Turn {
  role: 'user' | 'assistant';
  content: string;
}

export interface Prompt {
  system: string;
  turns: Turn[];
  /** JSON of [system, ...turns] as `{role, content}` messages: TRL prompts and OpenAI input messages. */
  json: string;
  /** `json` encoded once as UTF-8, copied into each record that carries it. */
  jsonBytes: Buffer;
  /** The same with `"weight": 0` on assistant turns: OpenAI chat fine-tuning history. */
  weightedJson: string;
  /** `weightedJson` without its closing bracket, encoded once as UTF-8 (a record appends its reply and `]`). */
  weightedHeadBytes: Buffer;
  /** The newest customer message (or the retrieval query when the conversation was not kept): the search anchor. */
  queryText: string;
}

/** A shown snippet with its free text redacted, prepared once per group for every writer. */
export interface CleanSnippet {
  snippet: Snippet;
  title: string;
  text: string;
  /** As a retriever sees the passage: title, a newline, text; and that as a JSON string literal. */
  passage: string;
  passageJson: string;
}

const shown = new WeakMap<SuggestionGroup, CleanSnippet[]>();

/** The group's shown snippets in rank order, redacted (empty when the suggestion is unknown). */
export function shownOf(group: SuggestionGroup): CleanSnippet[] {
  let list = shown.get(group);
  if (!list) {
    list = [...(group.suggestion?.snippets ?? [])]
      .sort((a, b) => a.rank - b.rank)
      .map((snippet) => {
        const title = cleanRepeated(snippet.title);
        const text = cleanRepeated(snippet.text);
        const passage = title ? `${title}\n${text}` : text;
        return { snippet, title, text, passage, passageJson: JSON.stringify(passage) };
      });
    shown.set(group, list);
  }
  return list;
}

const prompts = new WeakMap<SuggestionGroup, Prompt | null>();

/** The group's prompt (built once per group), or null when the suggestion is unknown. */
export function promptOf(group: SuggestionGroup): Prompt | null {
  const known = prompts.get(group);
  if (known !== undefined) return known;
  const s = group.suggestion;
  let prompt: Prompt | null = null;
  if (s) {
    const snippets = shownOf(group).map((c, i) => `[${i + 1}] ${c.title}\n${c.text}`).join('\n\n');
    const system = `${PROMPT_VARIANT.system}\n\nKnowledge-base snippets:\n\n${snippets}`;
    const messages = (s.ticket?.messages ?? []).filter((m) => m.role !== 'note');
    const turns: Turn[] = messages.map((m) => ({ role: m.role === 'customer' ? 'user' : 'assistant', content: cleanIn(group, m.text) }));
    const subject = s.ticket?.subject ? `Subject: ${cleanIn(group, s.ticket.subject)}\n\n` : '';
    // A suggestion stored without its ticket (before migration 0005) has only the retrieval query to stand for it.
    if (turns.length === 0) turns.push({ role: 'user', content: `${subject}${cleanIn(group, s.query)}` });
    else if (subject) {
      const at = Math.max(0, turns.findIndex((t) => t.role === 'user'));
      turns[at] = { ...turns[at]!, content: subject + turns[at]!.content };
    }
    const newestCustomer = [...messages].reverse().find((m) => m.role === 'customer');
    const head = `[${JSON.stringify({ role: 'system', content: system })}`;
    const json = `${head}${turns.map((t) => `,${JSON.stringify(t)}`).join('')}]`;
    const weightedJson = `${head}${turns.map((t) => `,${JSON.stringify(t.role === 'assistant' ? { ...t, weight: 0 } : t)}`).join('')}]`;
    prompt = {
      system,
      turns,
      json,
      jsonBytes: Buffer.from(json, 'utf8'),
      weightedJson,
      weightedHeadBytes: Buffer.from(weightedJson.slice(0, -1), 'utf8'),
      queryText: cleanIn(group, newestCustomer?.text ?? s.query),
    };
  }
  prompts.set(group, prompt);
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
  return (group.rationales.get(adoptionId) ?? []).map((r) => ({ id: r.id, agent: r.agent, reasons: [...r.reasons], note: r.note === undefined ? null : cleanIn(group, r.note) }));
}

/** What an adoption-based record (SFT, KTO) says about the adoption it came from, for its metadata. */
export function adoptionMetadataOf(group: SuggestionGroup, item: ExportAnnotation, a: Extract<Annotation, { kind: 'adoption' }>) {
  return {
    outcome: a.outcome,
    similarity: a.similarity ?? null,
    candidateId: a.candidateId ?? null,
    variantId: a.variantId ?? null,
    rationale: rationaleOf(group, a.id),
    provenance: provenanceOf(group, [item]),
  };
}
