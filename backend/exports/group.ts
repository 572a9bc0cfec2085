/**
 * The shapes the export writers share: a suggestion's group of annotations as records.ts reads it, and what
 * prompt.ts and relevance.ts derive from it and keep on the group's memo. Types only, so the reader and the
 * derivations depend on this module rather than on each other.
 */
import type { Annotation, AnnotationOf, NameMatcher, Snippet } from '../../shared/index.ts';
import type { StoredSuggestion } from '../store/suggestions.ts';

export type RationaleAnnotation = AnnotationOf<'rationale'>;

export interface GateVerdict {
  /** `not_run`: the gate has not seen this annotation (weight 1, no reasons). */
  status: 'passed' | 'set_aside' | 'not_run';
  weight: number;
  reasons: { rule: string; detail: string }[];
}

export interface ExportAnnotation {
  annotation: Annotation;
  receivedAt: string;
  gate: GateVerdict;
}

export interface SuggestionGroup {
  tenant: string;
  suggestionId: string;
  /** What was shown; undefined when the suggestion is unknown (or another tenant's). */
  suggestion: StoredSuggestion | undefined;
  /**
   * The window's annotations of this suggestion that passed the filters, in (received_at, id) order; preferences and
   * relevance labels a later one by the same agent supersedes (store/latest-signals.ts) are left out.
   */
  items: ExportAnnotation[];
  /** Every rationale on this suggestion received before the window's end, by the adoption it explains. */
  rationales: ReadonlyMap<string, RationaleAnnotation[]>;
  /** What the writers derive from the group, filled on first use (prompt.ts, relevance.ts) and shared by all. */
  memo: GroupMemo;
}

/** Kept on the group rather than in WeakMaps beside it: thousands of short-lived weak keys make every GC slower. */
export interface GroupMemo {
  shown?: CleanSnippet[];
  prompt?: Prompt | null;
  judgements?: Judgements | null;
  /** The names redacted from the group's texts (prompt.ts namesOf); null: none. */
  names?: NameMatcher | null;
  /** Redacted text and assistant-message JSON by the text they came from. */
  cleaned?: Map<string, string>;
  assistant?: Map<string, string>;
}

export interface Prompt {
  /** JSON of [system, ...turns] as `{role, content}` messages, UTF-8: TRL prompts and OpenAI input messages. */
  jsonBytes: Buffer;
  /** The same with `"weight": 0` on assistant turns (OpenAI chat fine-tuning history), without its closing bracket. */
  weightedHeadBytes: Buffer;
  /** The newest customer message (or the retrieval query when the conversation was not kept): the search anchor. */
  queryText: string;
}

/** A knowledge-base passage as the exports write it: redacted, and encoded the two ways records carry it. */
export interface CleanPassage {
  rawTitle: string;
  title: string;
  text: string;
  /** Title, a newline, text (as a retriever sees the passage) as a UTF-8 JSON string literal. */
  passageJson: Buffer;
  /** `title\ntext` JSON-escaped without quotes, UTF-8: its part of the prompt's system message. */
  promptBody: Buffer;
}

/** A shown snippet with its free text redacted, prepared once per passage for every group and writer. */
export interface CleanSnippet extends CleanPassage {
  snippet: Snippet;
}

export type RelevanceLabel = 'relevant' | 'partly' | 'irrelevant';

export interface SnippetVerdict {
  snippet: CleanSnippet;
  /** Undefined when no label with a weight above 0 was given. */
  label: RelevanceLabel | undefined;
  votes: ExportAnnotation[];
}

export interface Judgements {
  /** Shown snippets in rank order (redacted), each with its verdict. */
  snippets: SnippetVerdict[];
  /** Relevance annotations of this group, in order. */
  items: ExportAnnotation[];
  /** Every label, for metadata: who said what about which snippet, with what weight. */
  labels: { annotationId: string; agent: string; snippetId: string; label: string; weight: number }[];
  /** `labels` as JSON, and the provenance of `items` as JSON: serialised once, for every record's metadata. */
  labelsJson: string;
  provenanceJson: string;
}
