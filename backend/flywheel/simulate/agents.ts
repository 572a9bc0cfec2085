/**
 * Simulated support agents: they act on a suggestion the way an agent with the data set's answers in mind would,
 * and record it exactly as the sidebar does (same annotation shapes, ids, versions and outcome rule).
 *
 * - relevance: each shown snippet labelled from the qrels (the query's highest grade = relevant, a lower one =
 *   partly, none = irrelevant), flipped with probability `noise`;
 * - preference: the candidate whose token F1 with the gold reply is higher, a tie within `tieMargin`, "both bad"
 *   when neither candidate cites a snippet the agent found relevant; the strength grows with the F1 gap; the
 *   side is swapped with probability `noise`. A position-biased agent ignores the replies and picks the left
 *   one with probability `leftRate`;
 * - adoption: the closer candidate is inserted and the gold reply is sent; the outcome and similarity come from
 *   `adoptionOutcome`, as in the extension (the rationale prompt is dismissed);
 * - missing knowledge: reported, with the customer's question, exactly when the agent found no shown snippet
 *   relevant (or partly).
 *
 * Signals are staggered by seconds, as a person clicks, so the gate's rapid-fire rule sees honest agents as such.
 *
 *   const acts = actOnSuggestion(agent, response, { ticket, relevant, gold }, settings, prng(1), Date.now());
 */
import {
  type Annotation,
  adoptionOutcome,
  SCHEMA_VERSION,
  type SuggestionResponse,
  type TicketContext,
  uuidv7,
  type AnnotationOf,
} from '../../../shared/index.ts';
import { tokenF1 } from '../../eval/reply-metrics.ts';

type RelevanceAnnotation = AnnotationOf<'relevance'>;
type PreferenceAnnotation = AnnotationOf<'preference'>;
type AdoptionAnnotation = AnnotationOf<'adoption'>;
type MissingKnowledgeAnnotation = AnnotationOf<'missing_knowledge'>;

export type RelevanceLabel = RelevanceAnnotation['label'];
export type Choice = PreferenceAnnotation['choice'];
export type Strength = NonNullable<PreferenceAnnotation['strength']>;

export interface SimAgent {
  name: string;
  /** Picks the left reply with probability `leftRate`, whatever the replies say. */
  positionBiased: boolean;
}

export interface AgentSettings {
  /** Probability of a flipped relevance label or a swapped preference (0..1). */
  noise: number;
  /** A position-biased agent's share of left picks (0.85). */
  leftRate: number;
  /** Token F1 difference below which the two replies are a tie (0.01). */
  tieMargin: number;
  /** The tenant the signals are recorded for: the simulated backend's default tenant (run.ts). */
  tenant: string;
}

/**
 * `tenant` is AITL_DEFAULT_TENANT's default: the simulator writes as the configured default tenant (run.ts), so that
 * `aitl export`, `aitl flywheel status` and the rest, which read that tenant, find a simulation's signals.
 */
export const DEFAULT_AGENT_SETTINGS: Readonly<AgentSettings> = Object.freeze({ noise: 0.1, leftRate: 0.85, tieMargin: 0.01, tenant: 'default' });

/** What the agent knows about the ticket in front of them: the data set's answers. */
export interface KnownAnswers {
  ticket: TicketContext;
  /** Relevant document id → grade (qrels). */
  relevant: ReadonlyMap<string, number>;
  /** The human reply, when the data set has one. */
  gold?: string | undefined;
}

export type Random = () => number;

const FLIPPED: Record<RelevanceLabel, RelevanceLabel> = { relevant: 'irrelevant', partly: 'irrelevant', irrelevant: 'relevant' };

/** One label per snippet, in order. */
export function judgeRelevance(
  articleIds: readonly string[],
  relevant: ReadonlyMap<string, number>,
  noise: number,
  random: Random,
): RelevanceLabel[] {
  const top = Math.max(0, ...relevant.values());
  return articleIds.map((id) => {
    const grade = relevant.get(id) ?? 0;
    const label: RelevanceLabel = grade <= 0 ? 'irrelevant' : grade >= top ? 'relevant' : 'partly';
    return random() < noise ? FLIPPED[label] : label;
  });
}

/** Index of the candidate closer to the gold reply by token F1 (the first on a tie); -1 without candidates. */
export function closerCandidate(texts: readonly string[], gold: string): number {
  let best = -1;
  let bestF1 = -1;
  texts.forEach((text, i) => {
    const f1 = tokenF1(text, gold);
    if (f1 > bestF1) [best, bestF1] = [i, f1];
  });
  return best;
}

export interface Shown {
  text: string;
  /** Whether the agent found any snippet this candidate cites relevant. */
  grounded: boolean;
}

/** The agent's verdict on the two replies as shown (left, right). */
export function choosePreference(
  agent: SimAgent,
  left: Shown,
  right: Shown,
  gold: string | undefined,
  settings: Pick<AgentSettings, 'noise' | 'leftRate' | 'tieMargin'>,
  random: Random,
): { choice: Choice; strength?: Strength } {
  if (agent.positionBiased) return random() < settings.leftRate ? { choice: 'left', strength: 'clear' } : { choice: 'right', strength: 'clear' };
  let honest: { choice: Choice; strength?: Strength };
  if (!left.grounded && !right.grounded) honest = { choice: 'both_bad' };
  else if (gold === undefined || left.text === right.text) honest = { choice: 'tie' };
  else {
    const gap = tokenF1(left.text, gold) - tokenF1(right.text, gold);
    const size = Math.abs(gap);
    const strength: Strength = size < 0.05 ? 'slight' : size < 0.15 ? 'clear' : 'strong';
    honest = size < settings.tieMargin ? { choice: 'tie' } : { choice: gap > 0 ? 'left' : 'right', strength };
  }
  if (random() >= settings.noise) return honest;
  if (honest.choice === 'left' || honest.choice === 'right') return { ...honest, choice: honest.choice === 'left' ? 'right' : 'left' };
  return { choice: random() < 0.5 ? 'left' : 'right', strength: 'slight' };
}

/** Missing knowledge is reported exactly when none of the shown snippets was found relevant (or partly). */
export function needsKnowledge(labels: readonly RelevanceLabel[]): boolean {
  return labels.every((l) => l === 'irrelevant');
}

/** The newest customer message: what the knowledge base could not answer. */
export function customerQuestion(ticket: TicketContext): string {
  const customer = [...ticket.messages].reverse().find((m) => m.role === 'customer') ?? ticket.messages[ticket.messages.length - 1];
  return (customer?.text ?? ticket.ticketId).trim().slice(0, 4_000);
}

/** Longest an agent spends on one suggestion, in ms: every signal's clientTime is within this of the start. */
export const TICKET_MS = 240_000;

/**
 * Everything one agent records for one suggestion, oldest first, clientTimes from `startMs` on (within
 * TICKET_MS): relevance labels 2–6 s apart after reading, the preference, the send, then a missing-knowledge
 * report if there is one. `random` draws the agent's noise, the left/right order and the annotation ids.
 */
export function actOnSuggestion(
  agent: SimAgent,
  response: SuggestionResponse,
  known: KnownAnswers,
  settings: AgentSettings,
  random: Random,
  startMs: number,
): Annotation[] {
  const between = (lo: number, hi: number) => Math.round(lo + random() * (hi - lo));
  let at = startMs + between(15_000, 40_000);
  const base = (kind: Annotation['kind']) => ({
    id: uuidv7(at, (bytes: Uint8Array) => bytes.map(() => Math.floor(random() * 256))),
    schemaVersion: SCHEMA_VERSION,
    tenant: settings.tenant,
    agent: agent.name,
    host: known.ticket.host,
    ticketId: known.ticket.ticketId,
    suggestionId: response.suggestionId,
    modelVersion: response.modelVersion,
    indexVersion: response.indexVersion,
    clientTime: new Date(at).toISOString(),
    kind,
  });
  const out: Annotation[] = [];

  const labels = judgeRelevance(
    response.snippets.map((s) => s.articleId),
    known.relevant,
    settings.noise,
    random,
  );
  response.snippets.forEach((s, i) => {
    out.push({
      ...base('relevance'),
      kind: 'relevance',
      snippetId: s.snippetId,
      articleId: s.articleId,
      rank: s.rank,
      label: labels[i]!,
    } satisfies RelevanceAnnotation);
    at += between(2_000, 6_000);
  });
  const foundRelevant = new Set(response.snippets.filter((_, i) => labels[i] !== 'irrelevant').map((s) => s.snippetId));

  const [first, second] = response.candidates;
  if (first && second) {
    const [left, right] = random() < 0.5 ? [first, second] : [second, first];
    const shown = (c: typeof first): Shown => ({ text: c.text, grounded: c.citations.some((id) => foundRelevant.has(id)) });
    at += between(5_000, 15_000);
    const verdict = choosePreference(agent, shown(left), shown(right), known.gold, settings, random);
    out.push({
      ...base('preference'),
      kind: 'preference',
      ...verdict,
      leftCandidateId: left.candidateId,
      rightCandidateId: right.candidateId,
      leftVariantId: left.variantId,
      rightVariantId: right.variantId,
    } satisfies PreferenceAnnotation);
  }

  if (known.gold !== undefined) {
    at += between(20_000, 60_000);
    const inserted =
      response.candidates[
        closerCandidate(
          response.candidates.map((c) => c.text),
          known.gold,
        )
      ];
    const { outcome, similarity } = adoptionOutcome(inserted?.text, known.gold);
    out.push({
      ...base('adoption'),
      kind: 'adoption',
      outcome,
      ...(inserted ? { candidateId: inserted.candidateId, variantId: inserted.variantId } : {}),
      sentText: known.gold.slice(0, 50_000),
      ...(similarity === undefined ? {} : { similarity }),
    } satisfies AdoptionAnnotation);
  }

  if (needsKnowledge(labels)) {
    at += between(10_000, 30_000);
    out.push({
      ...base('missing_knowledge'),
      kind: 'missing_knowledge',
      description: customerQuestion(known.ticket),
    } satisfies MissingKnowledgeAnnotation);
  }
  return out;
}
