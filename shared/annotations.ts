/**
 * The training signals an agent's ordinary work produces, one schema per signal, joined in one union on `kind`.
 * Annotations are append-only facts: a correction is a new annotation, never an update.
 */
import { z } from 'zod';
import { UUID_V7 } from './ids.ts';
import { SCHEMA_VERSION } from './version.ts';

/** What every annotation carries, whatever its kind. */
const AnnotationBase = z.object({
  /** UUID v7 made once on the client; the idempotency key of sync. */
  id: z.string().regex(UUID_V7, 'must be a UUID v7'),
  schemaVersion: z.literal(SCHEMA_VERSION),
  tenant: z.string().min(1).max(128),
  agent: z.string().min(1).max(128),
  host: z.string().min(1).max(64),
  ticketId: z.string().min(1).max(128),
  suggestionId: z.string().min(1).max(128),
  modelVersion: z.string().max(128),
  indexVersion: z.string().max(128),
  /** When the agent acted, by the client's clock (ISO 8601). */
  clientTime: z.iso.datetime({ offset: true }),
});

export const PreferenceChoice = z.enum(['left', 'right', 'tie', 'both_bad']);
export const PreferenceStrength = z.enum(['slight', 'clear', 'strong']);

/** Signal 1: which of the two candidates is better, and by how much. */
export const PreferenceAnnotation = AnnotationBase.extend({
  kind: z.literal('preference'),
  choice: PreferenceChoice,
  strength: PreferenceStrength.optional(),
  /** Candidate shown on the left and on the right; the order is randomised per suggestion. */
  leftCandidateId: z.string().min(1),
  rightCandidateId: z.string().min(1),
  leftVariantId: z.string().min(1),
  rightVariantId: z.string().min(1),
});

export const AdoptionOutcome = z.enum(['verbatim', 'edited', 'rejected', 'ignored']);

/** Signal 2a: what became of the suggestion when the agent sent a reply. */
export const AdoptionAnnotation = AnnotationBase.extend({
  kind: z.literal('adoption'),
  outcome: AdoptionOutcome,
  /** The candidate inserted into the composer; absent when none was used. */
  candidateId: z.string().min(1).optional(),
  variantId: z.string().min(1).optional(),
  /** The reply as sent, redacted of personal data before it leaves the browser. */
  sentText: z.string().max(50_000),
  /** Normalised edit similarity between inserted and sent text, 0..1. */
  similarity: z.number().min(0).max(1).optional(),
});

export const RationaleReason = z.enum([
  'inaccurate',
  'incomplete',
  'outdated',
  'wrong_tone',
  'against_policy',
  'irrelevant_knowledge',
  'too_long',
  'other',
]);

/** Signal 2b: why an edited or rejected reply fell short; refers to the adoption it explains. */
export const RationaleAnnotation = AnnotationBase.extend({
  kind: z.literal('rationale'),
  adoptionId: z.string().regex(UUID_V7, 'must be a UUID v7'),
  candidateId: z.string().min(1).optional(),
  variantId: z.string().min(1).optional(),
  reasons: z.array(RationaleReason).min(1).max(8),
  note: z.string().max(2_000).optional(),
});

export const RelevanceLabel = z.enum(['relevant', 'partly', 'irrelevant']);

/** Signal 3: whether one shown knowledge snippet was relevant to the ticket. */
export const RelevanceAnnotation = AnnotationBase.extend({
  kind: z.literal('relevance'),
  snippetId: z.string().min(1),
  articleId: z.string().min(1),
  rank: z.number().int().positive(),
  label: RelevanceLabel,
});

/** Signal 4: knowledge the base lacks, or an article that is out of date. */
export const MissingKnowledgeAnnotation = AnnotationBase.extend({
  kind: z.literal('missing_knowledge'),
  description: z.string().trim().min(1).max(4_000),
  outdatedArticleId: z.string().min(1).optional(),
  proposedTitle: z.string().max(300).optional(),
});

export const ANNOTATION_KINDS = ['preference', 'adoption', 'rationale', 'relevance', 'missing_knowledge'] as const;

export const Annotation = z.discriminatedUnion('kind', [
  PreferenceAnnotation,
  AdoptionAnnotation,
  RationaleAnnotation,
  RelevanceAnnotation,
  MissingKnowledgeAnnotation,
]);
export type Annotation = z.infer<typeof Annotation>;
export type AnnotationKind = Annotation['kind'];
/** The annotation of one kind: `AnnotationOf<'preference'>`. */
export type AnnotationOf<K extends AnnotationKind> = Extract<Annotation, { kind: K }>;
