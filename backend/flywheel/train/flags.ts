/**
 * Passages flagged by agents' rationales: when replies citing a passage are rejected or edited "because outdated"
 * (or inaccurate, against policy, irrelevant knowledge) often enough, the passage is flagged with those codes, for
 * the knowledge owners to review and for retrieval to demote.
 *
 * A rationale speaks about one candidate (or, without `candidateId`, about whatever the caller's `citationsOf`
 * returns for the whole suggestion); every passage that candidate cited gets the rationale's gate weight for each
 * flag code among its reasons. The reply does not say which of its passages was at fault, so a code needs
 * `threshold` of weight (default 2: two trusted reports) before it sticks.
 *
 *   flagPassages({ rationales, citationsOf: (s, c) => citations.get(`${s}/${c}`) ?? [] }) → { p7: ['outdated'] }
 */

export const FLAG_CODES = ['outdated', 'inaccurate', 'against_policy', 'irrelevant_knowledge'] as const;

export interface Rationale {
  reasons: readonly string[];
  candidateId?: string | undefined;
  suggestionId: string;
  /** The quality gate's trust in the rationale, 0..1. */
  weight: number;
}

export interface FlagOptions {
  /** Gate weight of reports a code needs (default 2). */
  threshold?: number;
}

export function flagPassages(
  input: {
    rationales: readonly Rationale[];
    citationsOf: (suggestionId: string, candidateId: string | undefined) => readonly string[];
  },
  options: FlagOptions = {},
): Record<string, string[]> {
  const threshold = options.threshold ?? 2;
  const reports = new Map<string, Map<string, number>>();
  for (const r of input.rationales) {
    const codes = FLAG_CODES.filter((code) => r.reasons.includes(code));
    if (codes.length === 0 || !(r.weight > 0)) continue;
    for (const passageId of new Set(input.citationsOf(r.suggestionId, r.candidateId))) {
      const byCode = reports.get(passageId) ?? new Map<string, number>();
      for (const code of codes) byCode.set(code, (byCode.get(code) ?? 0) + r.weight);
      reports.set(passageId, byCode);
    }
  }
  const flagged: Record<string, string[]> = {};
  for (const id of [...reports.keys()].sort()) {
    // A tiny tolerance so weights like 0.1 × 20 reach a threshold of 2.
    const codes = FLAG_CODES.filter((code) => (reports.get(id)!.get(code) ?? 0) >= threshold - 1e-9);
    if (codes.length > 0) flagged[id] = codes;
  }
  return flagged;
}
