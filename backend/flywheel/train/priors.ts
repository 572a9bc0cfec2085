/**
 * Per-passage priors from relevance checks: how much more (or less) often than the average passage this one was
 * judged relevant when shown, as a number in −1..1 for the reranker's `prior` feature.
 *
 * The rate is smoothed with a Beta prior centred on the global relevance rate (`strength` pseudo-checks), so a
 * passage seen twice stays near 0 and one seen fifty times speaks for itself. The prior is the log-odds difference
 * against the global rate, squashed by tanh(x/2) (= (odds ratio − 1)/(odds ratio + 1)): 0 for an average passage,
 * toward +1 for one nearly always relevant, toward −1 for one nearly never. Passages with less than `minEvidence`
 * of gate weight are left out, so their feature stays 0.
 *
 *   trainPriors([{ passageId: 'p1', label: 1, weight: 1 }, …]) → { p1: 0.42, … }
 */

export interface RelevanceCheck {
  passageId: string;
  /** 1 relevant, 0.5 partly, 0 irrelevant. */
  label: number;
  /** The quality gate's trust in the label, 0..1. */
  weight: number;
}

export interface PriorOptions {
  /** Pseudo-checks at the global rate added to every passage (default 5). */
  strength?: number;
  /** Gate weight a passage needs to get a prior (default 3). */
  minEvidence?: number;
}

export function trainPriors(labels: readonly RelevanceCheck[], options: PriorOptions = {}): Record<string, number> {
  const strength = options.strength ?? 5;
  const minEvidence = options.minEvidence ?? 3;
  const byPassage = new Map<string, { relevant: number; shown: number }>();
  let relevant = 0;
  let shown = 0;
  for (const { passageId, label, weight } of labels) {
    if (!(weight > 0)) continue;
    const entry = byPassage.get(passageId) ?? { relevant: 0, shown: 0 };
    entry.relevant += weight * label;
    entry.shown += weight;
    byPassage.set(passageId, entry);
    relevant += weight * label;
    shown += weight;
  }
  if (shown === 0) return {};
  // Clamped so a corpus where every check agrees still gives finite log-odds.
  const globalRate = Math.min(0.99, Math.max(0.01, relevant / shown));

  const priors: Record<string, number> = {};
  for (const id of [...byPassage.keys()].sort()) {
    const entry = byPassage.get(id)!;
    if (entry.shown < minEvidence - 1e-9) continue; // a tolerance so 10 × 0.3 counts as 3
    const rate = (entry.relevant + strength * globalRate) / (entry.shown + strength);
    priors[id] = Math.round(Math.tanh((logit(rate) - logit(globalRate)) / 2) * 1e4) / 1e4;
  }
  return priors;
}

function logit(p: number): number {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
}
