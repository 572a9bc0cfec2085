/** Made-up suggestions and annotations for the quality-gate tests, with times given in ms from one instant. */
import { type GateOptions, type GateReport, gateKey, type JudgeVerdict, runGate } from '../../../backend/flywheel/gate/index.ts';
import type { StoredSuggestion } from '../../../backend/store/suggestions.ts';
import type { Annotation, AnnotationKind } from '../../../shared/index.ts';
import { makeAnnotation } from '../../helpers/annotations.ts';

export const T0 = Date.parse('2026-11-20T09:00:00.000Z');

/** T0 + ms, as an ISO time. */
export const at = (ms: number): string => new Date(T0 + ms).toISOString();

/** An annotation of `kind` by `agent` at T0 + ms (tenant acme unless overridden). */
export function signal(kind: AnnotationKind, agent: string, ms: number, overrides: Record<string, unknown> = {}): Annotation {
  return makeAnnotation(kind, (overrides.tenant as string | undefined) ?? 'acme', { agent, clientTime: at(ms), ...overrides });
}

/**
 * A suggestion showing snippets k1…k<snippets>; candidate s:0 cites k1 and k2, s:1 cites k3.
 */
export function suggestion(id: string, options: { tenant?: string; query?: string; snippets?: number } = {}): StoredSuggestion {
  const n = options.snippets ?? 8;
  return {
    suggestionId: id,
    tenant: options.tenant ?? 'acme',
    host: 'demo',
    ticketId: '1001',
    query: options.query ?? 'cracked lamp refund',
    snippets: Array.from({ length: n }, (_, i) => ({
      snippetId: `k${i + 1}`,
      articleId: `a${i + 1}`,
      title: `Article ${i + 1}`,
      text: `Passage ${i + 1} of the help centre.`,
      url: '',
      score: 1 / (i + 1),
      rank: i + 1,
    })),
    candidates: [
      { candidateId: 's:0', variantId: 'v-concise', text: 'Reply A', citations: ['k1', 'k2'] },
      { candidateId: 's:1', variantId: 'v-detailed', text: 'Reply B', citations: ['k3'] },
    ],
    modelVersion: 'm',
    indexVersion: 'i',
    createdAt: at(0),
  };
}

export function gate(
  annotations: readonly Annotation[],
  suggestions: readonly StoredSuggestion[] = [],
  options: Partial<GateOptions> = {},
  judgements?: ReadonlyMap<string, JudgeVerdict>,
): GateReport {
  return runGate(
    {
      items: annotations.map((annotation) => ({ annotation, receivedAt: annotation.clientTime })),
      suggestions: new Map(suggestions.map((s) => [s.suggestionId, s])),
      judgements,
    },
    options,
  );
}

export const decisionOf = (report: GateReport, a: Annotation) => report.decisions.get(gateKey(a.tenant, a.id))!;
