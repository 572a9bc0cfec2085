/**
 * Adoption rates per reply variant and per model: what became of suggestions when agents sent their replies.
 *
 * `rate` = (verbatim + edited) / (verbatim + edited + rejected): of the replies where the agent used or explicitly
 * turned down a suggestion, the share that used it. "Ignored" (the agent wrote without looking) says nothing about
 * the suggestion's quality, so it is counted but left out of the rate; `rate` is null when nothing was used or
 * rejected. All counts are gate-weighted. An adoption without a variant counts for its model only.
 *
 *   adoptionRates([{ variantId: 'a', modelVersion: 'm', outcome: 'edited', weight: 1 }]).byVariant.a.rate → 1
 */

export type AdoptionOutcome = 'verbatim' | 'edited' | 'rejected' | 'ignored';

export interface Adoption {
  variantId?: string | undefined;
  modelVersion: string;
  outcome: AdoptionOutcome;
  /** The quality gate's trust in the annotation, 0..1. */
  weight: number;
}

export interface AdoptionCounts extends Record<AdoptionOutcome, number> {
  n: number;
  rate: number | null;
}

export function adoptionRates(adoptions: readonly Adoption[]): {
  byVariant: Record<string, AdoptionCounts>;
  byModel: Record<string, AdoptionCounts>;
} {
  const byVariant = new Map<string, AdoptionCounts>();
  const byModel = new Map<string, AdoptionCounts>();
  const add = (table: Map<string, AdoptionCounts>, key: string, a: Adoption) => {
    const counts = table.get(key) ?? { n: 0, verbatim: 0, edited: 0, rejected: 0, ignored: 0, rate: null };
    counts.n += a.weight;
    counts[a.outcome] += a.weight;
    const used = counts.verbatim + counts.edited;
    counts.rate = used + counts.rejected > 0 ? Math.round((used / (used + counts.rejected)) * 1e4) / 1e4 : null;
    table.set(key, counts);
  };
  for (const a of adoptions) {
    if (!(a.weight > 0)) continue;
    if (a.variantId !== undefined) add(byVariant, a.variantId, a);
    add(byModel, a.modelVersion, a);
  }
  return { byVariant: sortedRecord(byVariant), byModel: sortedRecord(byModel) };
}

function sortedRecord<T>(map: Map<string, T>): Record<string, T> {
  return Object.fromEntries([...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
