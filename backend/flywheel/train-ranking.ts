/**
 * Trains a ranking artefact from relevance checks: per-passage priors, expansions (queries judged relevant),
 * rejections (queries judged irrelevant: hard negatives), flags from rationales, and reranker weights over the
 * corpus features plus the three feedback features.
 *
 * The feedback features of a training query must not see that query's own checks (its question would sit in its
 * relevant passages' expansions and the reranker would learn to trust expansions far too much), so they are
 * computed out of fold: the checks are cut into folds and each fold's features come from a layer built without it.
 */
import type { KnowledgeIndex } from '../rag/knowledge-index.ts';
import { withFeedback } from '../rag/knowledge-index.ts';
import { buildFeedbackLayer } from '../rag/feedback-layer.ts';
import { FEATURES, type FeatureName, type FeatureVector, type RerankerModel } from '../rag/reranker.ts';
import { retrieve } from '../rag/suggest.ts';
import type { RankingArtefact } from './artefacts.ts';
import type { CheckedSuggestion } from './feedback.ts';
import { trainExpansions } from './train/expansions.ts';
import type { LabelledQuery } from './train/pairs.ts';
import { trainPriors } from './train/priors.ts';
import { trainReranker, type RerankerTrainingStats } from './train/reranker.ts';

/** What the flywheel learns weights for, against the corpus features' combined score. */
export const FEEDBACK_FEATURES = ['prior', 'expansion', 'rejection'] as const satisfies readonly FeatureName[];
const CORPUS_FEATURES = FEATURES.filter((f) => !(FEEDBACK_FEATURES as readonly string[]).includes(f));

/** The current model's score from the corpus features alone. */
function corpusScore(model: RerankerModel, features: FeatureVector): number {
  let score = 0;
  model.features.forEach((name, i) => {
    if (CORPUS_FEATURES.includes(name)) score += model.weights[i]! * (features[name] ?? 0);
  });
  return score;
}

/**
 * Learns how much the feedback features weigh against the corpus score, keeping the corpus features' weights in
 * the ratios they have. Checks only see the eight passages shown, which already agree on what the first stage chose
 * them for (the entity the customer names, the words they use): fitting the corpus weights on those alone would
 * unlearn why they were shown. The corpus block enters as one feature whose learned weight scales it.
 */
function trainFeedbackWeights(
  queries: readonly LabelledQuery[],
  current: RerankerModel,
  version: string,
  regularisation: number,
): { model: RerankerModel; stats: RerankerTrainingStats } {
  const weightOf = (name: FeatureName) => {
    const i = current.features.indexOf(name);
    return i < 0 ? 0 : current.weights[i]!;
  };
  const start: RerankerModel = { version: current.version, features: ['lexical', ...FEEDBACK_FEATURES], weights: [1, ...FEEDBACK_FEATURES.map(weightOf)] };
  const { model, stats } = trainReranker(queries, start, { version, regularisation });
  const [scale, ...feedbackWeights] = model.weights as [number, ...number[]];
  const corpus = current.features.filter((f) => CORPUS_FEATURES.includes(f));
  return {
    model: {
      version,
      features: [...corpus, ...FEEDBACK_FEATURES],
      weights: [...corpus.map((f) => round(scale * weightOf(f))), ...feedbackWeights.map(round)],
    },
    stats,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export interface RankingTrainingOptions {
  folds: number;
  /** Queries kept per passage in expansions and rejections (the artefact schema allows 64). */
  maxQueriesPerPassage: number;
  regularisation: number;
}

export const DEFAULT_RANKING_TRAINING: RankingTrainingOptions = { folds: 4, maxQueriesPerPassage: 64, regularisation: 20 };

export interface RankingTrainingStats {
  queries: number;
  checks: number;
  passagesWithPrior: number;
  passagesExpanded: number;
  passagesRejected: number;
  passagesFlagged: number;
  reranker: RerankerTrainingStats;
}

/** Priors, expansions and rejections from checks alone (no reranker). */
export function feedbackFromChecks(
  checked: readonly CheckedSuggestion[],
  options: Pick<RankingTrainingOptions, 'maxQueriesPerPassage'> = DEFAULT_RANKING_TRAINING,
): Pick<RankingArtefact, 'priors' | 'expansions' | 'rejections'> {
  const checks = checked.flatMap((s) => [...s.checks].map(([passageId, c]) => ({ passageId, query: s.question, label: c.label, weight: c.weight })));
  const limits = { maxPerPassage: options.maxQueriesPerPassage };
  return {
    priors: trainPriors(checks),
    expansions: trainExpansions(checks, limits),
    // A rejection is a query the passage was judged irrelevant to; a partly-relevant check counts against it.
    rejections: trainExpansions(
      checks.map((c) => ({ ...c, label: c.label < 0.5 ? 1 : 0 })),
      limits,
    ),
  };
}

export function trainRanking(
  base: KnowledgeIndex,
  checked: readonly CheckedSuggestion[],
  current: RankingArtefact,
  flagged: RankingArtefact['flagged'],
  version: string,
  options: RankingTrainingOptions = DEFAULT_RANKING_TRAINING,
): { artefact: RankingArtefact; stats: RankingTrainingStats } {
  const folds = Math.max(2, Math.min(options.folds, checked.length));
  const queries: LabelledQuery[] = [];
  for (let f = 0; f < folds; f++) {
    const held = checked.filter((_, i) => i % folds === f);
    const rest = checked.filter((_, i) => i % folds !== f);
    const layer = buildFeedbackLayer(base.passages, `fold-${f}`, { ...current, ...feedbackFromChecks(rest, options), flagged });
    const index = withFeedback(base, layer);
    for (const s of held) {
      const ranked = retrieve(index, s.ticket).ranked;
      const judged = ranked.some((hit) => s.checks.has(base.passages[hit.doc]!.id));
      if (!judged) continue;
      queries.push({
        candidates: ranked.map((hit) => {
          const check = s.checks.get(base.passages[hit.doc]!.id);
          const f = hit.features;
          // `lexical` stands in for the whole corpus block (see trainFeedbackWeights).
          const features = { lexical: corpusScore(current.reranker, f), prior: f.prior ?? 0, expansion: f.expansion ?? 0, rejection: f.rejection ?? 0 };
          return { features, label: check?.label, weight: check?.weight };
        }),
      });
    }
  }
  const { model, stats } = trainFeedbackWeights(queries, current.reranker, version, options.regularisation);
  const learned = feedbackFromChecks(checked, options);
  return {
    artefact: { reranker: model, ...learned, flagged },
    stats: {
      queries: checked.length,
      checks: checked.reduce((n, s) => n + s.checks.size, 0),
      passagesWithPrior: Object.keys(learned.priors).length,
      passagesExpanded: Object.keys(learned.expansions).length,
      passagesRejected: Object.keys(learned.rejections).length,
      passagesFlagged: Object.keys(flagged).length,
      reranker: stats,
    },
  };
}
