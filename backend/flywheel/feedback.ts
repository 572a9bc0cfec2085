/**
 * The flywheel's input: every stored annotation of one tenant, weighed by the quality gate, joined to the suggestion it refers to,
 * and shaped for the trainers — relevance checks per shown suggestion, preferences, adoptions, rationales.
 */
import type { Kysely } from 'kysely';
import type { Annotation, TicketContext } from '../../shared/index.ts';
import { scanAnnotations } from '../store/annotations.ts';
import { annotationKey, supersededIds } from '../store/latest-signals.ts';
import type { Database } from '../store/schema.ts';
import { findSuggestions, type StoredSuggestion } from '../store/suggestions.ts';
import type { ChatClient } from '../llm/chat.ts';
import { gateKey, type GateItem, type GateOptions, type GateReport, runGate } from './gate/index.ts';
import { type JudgeCounts, judgeRelevance } from './judge.ts';
import type { Adoption } from './train/adoption.ts';
import type { Grounder } from './grounding.ts';
import type { Rationale } from './train/flags.ts';
import type { Preference } from './train/variants.ts';

export const LABEL_VALUE = { relevant: 1, partly: 0.5, irrelevant: 0 } as const;

export interface Feedback {
  items: GateItem[];
  suggestions: Map<string, StoredSuggestion>;
  gate: GateReport;
  /** Preferences and relevance labels left out because the same agent later recorded another (latest-signals.ts). */
  superseded: number;
  /** What the LLM judge did, when one is configured. */
  judge?: JudgeCounts | undefined;
  /** The gate's weight of one annotation (1 when it made no decision). */
  weightOf(a: Annotation): number;
}

/** A suggestion whose shown snippets agents checked, with the ticket it answered. */
export interface CheckedSuggestion {
  suggestionId: string;
  tenant: string;
  createdAt: string;
  ticket: TicketContext;
  /** The newest customer message: what the checks say a passage is (ir)relevant to. */
  question: string;
  /**
   * Passage id → weighted mean label (1 relevant … 0 irrelevant) and the summed gate weight (at most 1). A passage no
   * agent checked that a reply sent on the ticket was written from counts as judged relevant (`grounded`).
   */
  checks: Map<string, { label: number; weight: number; grounded?: true }>;
}

/** The optional LLM judge of relevance labels: a chat client and its model. */
export interface Judge {
  client: ChatClient;
  model: string;
  maxItems?: number | undefined;
}

export async function loadFeedback(db: Kysely<Database>, tenant: string, gate: Partial<GateOptions> = {}, judge?: Judge): Promise<Feedback> {
  const scanned: GateItem[] = [];
  for await (const page of scanAnnotations(db, { tenant })) for (const { annotation, receivedAt } of page) scanned.push({ annotation, receivedAt });
  // Only an agent's latest preference (per suggestion) and label (per snippet) count; the gate never sees the rest.
  const superseded = supersededIds(scanned.map((i) => i.annotation));
  const items = superseded.size === 0 ? scanned : scanned.filter((i) => !superseded.has(annotationKey(i.annotation)));
  const suggestions = await findSuggestions(
    db,
    items.map((i) => i.annotation.suggestionId),
  );
  const judged = judge ? await judgeRelevance(judge.client, { items, suggestions }, { model: judge.model, maxItems: judge.maxItems }) : undefined;
  const report = runGate({ items, suggestions, judgements: judged?.verdicts }, gate);
  return {
    items,
    suggestions,
    gate: report,
    superseded: superseded.size,
    judge: judged?.counts,
    weightOf: (a) => report.decisions.get(gateKey(a.tenant, a.id))?.weight ?? 1,
  };
}

/**
 * Relevance checks grouped by suggestion, oldest suggestion first; suggestions stored without a ticket are skipped.
 * With a grounder, the passages each sent reply was written from join its suggestion's checks as relevant, unless
 * an agent checked them: what an agent said of a snippet outranks what is read from a reply.
 */
export function checkedSuggestions(feedback: Feedback, ground?: Grounder): CheckedSuggestion[] {
  const bySuggestion = new Map<string, CheckedSuggestion>();
  const sums = new Map<string, Map<string, { labelSum: number; weight: number }>>();
  const grounded = new Map<string, Map<string, number>>();
  for (const { annotation: a } of feedback.items) {
    if (a.kind !== 'relevance' && !(ground && a.kind === 'adoption')) continue;
    const s = feedback.suggestions.get(a.suggestionId);
    const weight = feedback.weightOf(a);
    if (!s?.ticket || s.tenant !== a.tenant || weight <= 0) continue;
    const passages = a.kind === 'adoption' ? ground!(a.sentText) : [];
    if (a.kind === 'adoption' && passages.length === 0) continue;
    if (!bySuggestion.has(s.suggestionId)) {
      bySuggestion.set(s.suggestionId, {
        suggestionId: s.suggestionId,
        tenant: s.tenant,
        createdAt: s.createdAt,
        ticket: s.ticket,
        question: newestCustomerText(s.ticket),
        checks: new Map(),
      });
      sums.set(s.suggestionId, new Map());
      grounded.set(s.suggestionId, new Map());
    }
    if (a.kind === 'adoption') {
      const fromReplies = grounded.get(s.suggestionId)!;
      for (const id of passages) fromReplies.set(id, Math.min(1, (fromReplies.get(id) ?? 0) + weight));
      continue;
    }
    const perPassage = sums.get(s.suggestionId)!;
    const sum = perPassage.get(a.snippetId) ?? { labelSum: 0, weight: 0 };
    sum.labelSum += LABEL_VALUE[a.label] * weight;
    sum.weight += weight;
    perPassage.set(a.snippetId, sum);
  }
  for (const [id, perPassage] of sums) {
    const checks = bySuggestion.get(id)!.checks;
    for (const [passageId, { labelSum, weight }] of perPassage) checks.set(passageId, { label: labelSum / weight, weight: Math.min(1, weight) });
    for (const [passageId, weight] of grounded.get(id)!) if (!checks.has(passageId)) checks.set(passageId, { label: 1, weight, grounded: true });
  }
  return [...bySuggestion.values()].sort((a, b) =>
    a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.suggestionId < b.suggestionId ? -1 : 1,
  );
}

export function preferences(feedback: Feedback): Preference[] {
  const out: Preference[] = [];
  for (const { annotation: a } of feedback.items) {
    if (a.kind !== 'preference') continue;
    out.push({ left: a.leftVariantId, right: a.rightVariantId, choice: a.choice, strength: a.strength, weight: feedback.weightOf(a) });
  }
  return out;
}

export function adoptions(feedback: Feedback): Adoption[] {
  const out: Adoption[] = [];
  for (const { annotation: a } of feedback.items) {
    if (a.kind !== 'adoption') continue;
    out.push({ variantId: a.variantId, modelVersion: a.modelVersion, outcome: a.outcome, weight: feedback.weightOf(a) });
  }
  return out;
}

export function rationales(feedback: Feedback): Rationale[] {
  const out: Rationale[] = [];
  for (const { annotation: a } of feedback.items) {
    if (a.kind !== 'rationale') continue;
    out.push({ reasons: a.reasons, candidateId: a.candidateId, suggestionId: a.suggestionId, weight: feedback.weightOf(a) });
  }
  return out;
}

/** Snippet ids a shown candidate cited (all shown snippets when the candidate is unknown). */
export function citationsOf(feedback: Feedback, suggestionId: string, candidateId: string | undefined): string[] {
  const s = feedback.suggestions.get(suggestionId);
  if (!s) return [];
  const candidate = candidateId ? s.candidates.find((c) => c.candidateId === candidateId) : undefined;
  return candidate ? candidate.citations : [];
}

export function newestCustomerText(ticket: TicketContext): string {
  const spoken = ticket.messages.filter((m) => m.role !== 'note');
  return ([...spoken].reverse().find((m) => m.role === 'customer') ?? spoken[spoken.length - 1])?.text ?? '';
}
