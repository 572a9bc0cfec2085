/**
 * Trains a ranking artefact from relevance checks: the memory of checked questions (expansions: questions judged
 * relevant to a passage; rejections: judged irrelevant), how close a new question must be for that memory to
 * count, and flags from rationales.
 *
 * The feedback weights are set, not fitted. Fitted out of fold they learn what the training checks happen to hold:
 * a small team's checks rarely ask the same thing twice, so the only memory matches out of fold are false ones,
 * and the fit turned the memory's weight negative — pushing down exactly the passages a recurring question needs
 * (stackfaq-sparse, cycle 1: MRR 0.79 → 0.58). A remembered answer to the same question should come first; what the
 * checks decide is only how close "the same question" must be, chosen out of fold among a few thresholds, the
 * default kept unless another is clearly better.
 */
import { DEFAULT_VERSION_ID, DEFAULT_RANKING, type RankingArtefact } from '../../models/artefacts.ts';
import type { KnowledgeIndex } from '../../rag/knowledge-index.ts';
import { withFeedback } from '../../rag/knowledge-index.ts';
import { buildFeedbackLayer, DEFAULT_MEMORY_THRESHOLD } from '../../rag/feedback-layer.ts';
import { FEATURES, type FeatureName, type RerankerModel } from '../../models/reranker.ts';
import { remembered, strongestFacet, withMemoryHits } from '../../rag/retrieve.ts';
import { MIN_SIMILARITY, type Neighbours, type QuestionMemory, rememberedTerms, rememberedText } from '../../rag/question-memory.ts';
import { retrieve } from '../../rag/suggest.ts';
import { ndcgAt } from '../../eval/metrics.ts';
import type { CheckedSuggestion } from '../feedback.ts';
import { foldsOf, isScored } from '../folds.ts';
import { trainExpansions } from './expansions.ts';

/**
 * What checks add to the reranker, each with its set weight (the corpus features score about 0..2). `prior` carries
 * only rationale flags now: a per-passage prior learned from checks lifts a popular passage above the right answer
 * for every rarer question (dstc11 train, article titles asked as questions: MRR 0.94 → 0.83 at weight 0.5).
 */
export const FEEDBACK_WEIGHTS = { prior: 1, expansion: 3, rejection: -3 } as const satisfies Partial<Record<FeatureName, number>>;
const FEEDBACK_FEATURES = Object.keys(FEEDBACK_WEIGHTS) as FeatureName[];
/**
 * Similarities (cosine) tried as "the same question"; 1 = only the same words. Low ones help: closeness ramps up from
 * the threshold and the memory is scaled by the closest match, so a loose match only nudges (train-only dev splits
 * of stackfaq, stackfaq-sparse and dstc11: MRR best at 0.1–0.2, every one above 0.5).
 */
export const MEMORY_THRESHOLDS = [MIN_SIMILARITY, 0.2, 0.35, 0.5, 0.8, 1] as const;

export interface RankingTrainingOptions {
  folds: number;
  /** Queries kept per passage in expansions and rejections (the artefact schema allows 64). */
  maxQueriesPerPassage: number;
}

export const DEFAULT_RANKING_TRAINING: RankingTrainingOptions = { folds: 5, maxQueriesPerPassage: 64 };

export interface ThresholdChoice {
  threshold: number;
  /** Out-of-fold nDCG@10 (judged passages only) per threshold tried, over `queries` checked suggestions. */
  tried: Record<string, number>;
  queries: number;
}

export interface RankingTrainingStats {
  queries: number;
  checks: number;
  passagesWithPrior: number;
  passagesExpanded: number;
  passagesRejected: number;
  passagesFlagged: number;
  /** Passages judged relevant only because a reply sent on the ticket was written from them (grounding.ts). */
  groundedInReplies: number;
  memory: ThresholdChoice;
}

/** The memory's expansions and rejections from checks alone (priors stay empty: see FEEDBACK_WEIGHTS). */
export function feedbackFromChecks(
  checked: readonly CheckedSuggestion[],
  options: Pick<RankingTrainingOptions, 'maxQueriesPerPassage'> = DEFAULT_RANKING_TRAINING,
): Pick<RankingArtefact, 'priors' | 'expansions' | 'rejections'> {
  const checks = checked.flatMap((s) => {
    const query = rememberedText(s.ticket, s.question);
    return [...s.checks].map(([passageId, c]) => ({ passageId, query, label: c.label, weight: c.weight }));
  });
  const limits = { maxPerPassage: options.maxQueriesPerPassage, maxChars: 600 };
  return {
    priors: {},
    expansions: trainExpansions(checks, limits),
    // A rejection is a query the passage was judged irrelevant to; a partly-relevant check counts against it.
    rejections: trainExpansions(
      checks.map((c) => ({ ...c, label: c.label < 0.5 ? 1 : 0 })),
      limits,
    ),
  };
}

/**
 * What choosing the threshold needs, computed once per cycle over all checks: the folds, each check's corpus
 * ranking, and the remembered questions near each check with the fold each came from. A fold's memory is then the
 * whole memory without its questions: a question asked again stays in one fold (folds.ts), so removing a fold removes
 * exactly its questions and their votes (up to the cap on questions kept per passage).
 */
export interface ThresholdEvidence {
  checked: readonly CheckedSuggestion[];
  fold: number[];
  k: number;
  memory: QuestionMemory | undefined;
  /** Per checked suggestion (undefined: not in the scored sample, or nothing judged relevant). */
  prepared: (PreparedCheck | undefined)[];
}

interface PreparedCheck {
  /** Passage id → grade (2 relevant, 1 partly). */
  relevant: Map<string, number>;
  /**
   * Its candidates as the corpus features alone rank them (the current model's corpus part), retrieved once per cycle
   * and kept packed: choosing the threshold re-scores them for every fold and threshold.
   */
  docs: Int32Array;
  corpus: Float64Array;
  facet: Float64Array;
  topFacet: number;
  /** Remembered questions near it, and each one's fold (−1: unknown, never used). */
  neighbours: Neighbours;
  folds: number[];
}

export function thresholdEvidence(
  base: KnowledgeIndex,
  checked: readonly CheckedSuggestion[],
  current: RankingArtefact,
  options: Pick<RankingTrainingOptions, 'folds' | 'maxQueriesPerPassage'> = DEFAULT_RANKING_TRAINING,
): ThresholdEvidence {
  const { fold, k } = foldsOf(checked, options.folds);
  const texts = checked.map((s) => rememberedText(s.ticket, s.question));
  const foldOfText = new Map(texts.map((t, i) => [t, fold[i]!]));
  const { memory } = buildFeedbackLayer(base, 'all-checks', { ...DEFAULT_RANKING, ...feedbackFromChecks(checked, options) });
  const corpusOnly = withFeedback(
    base,
    buildFeedbackLayer(base, DEFAULT_VERSION_ID.ranking, { ...DEFAULT_RANKING, reranker: corpusModel(current.reranker) }),
  );
  const prepared = checked.map((s, i): PreparedCheck | undefined => {
    if (!isScored(i, checked.length)) return undefined;
    const relevant = new Map([...s.checks].filter(([, c]) => c.label >= 0.5).map(([id, c]) => [id, c.label >= 0.75 ? 2 : 1] as const));
    if (relevant.size === 0) return undefined;
    // Ranked by the corpus-only model, so a hit's score is its corpus score.
    const ranked = retrieve(corpusOnly, s.ticket).ranked;
    const neighbours = memory ? memory.neighbours(rememberedTerms(texts[i]!)) : { questions: [], similarities: [] };
    return {
      relevant,
      docs: Int32Array.from(ranked, (h) => h.doc),
      corpus: Float64Array.from(ranked, (h) => h.score),
      facet: Float64Array.from(ranked, (h) => h.features.facet),
      topFacet: strongestFacet(ranked),
      neighbours,
      folds: neighbours.questions.map((q) => foldOfText.get(memory!.textOf(q)) ?? -1),
    };
  });
  return { checked, fold, k, memory, prepared };
}

export function trainRanking(
  base: KnowledgeIndex,
  checked: readonly CheckedSuggestion[],
  current: RankingArtefact,
  flagged: RankingArtefact['flagged'],
  version: string,
  options: RankingTrainingOptions = DEFAULT_RANKING_TRAINING,
  /** The cycle's evidence over all checks, and the fold `checked` leaves out (none: `checked` is all of them). */
  within?: { evidence: ThresholdEvidence; without?: number },
): { artefact: RankingArtefact; stats: RankingTrainingStats } {
  const learned = feedbackFromChecks(checked, options);
  const reranker = feedbackModel(current.reranker, version);
  const memory = chooseThreshold(base, within?.evidence ?? thresholdEvidence(base, checked, current, options), within?.without);
  return {
    artefact: { reranker, ...learned, flagged, memory: { threshold: memory.threshold } },
    stats: {
      queries: checked.length,
      checks: checked.reduce((n, s) => n + s.checks.size, 0),
      passagesWithPrior: Object.keys(learned.priors).length,
      passagesExpanded: Object.keys(learned.expansions).length,
      passagesRejected: Object.keys(learned.rejections).length,
      passagesFlagged: Object.keys(flagged).length,
      groundedInReplies: checked.reduce((n, s) => n + [...s.checks.values()].filter((c) => c.grounded).length, 0),
      memory,
    },
  };
}

/**
 * The threshold whose memory ranks held-out checks best, each fold ranked with the memory of the other folds (and
 * never of fold `without`); the default unless another beats it by more than one standard error of the paired
 * difference. A passage the memory brings that the first stage did not find scores only what the memory adds.
 */
export function chooseThreshold(base: KnowledgeIndex, evidence: ThresholdEvidence, without?: number): ThresholdChoice {
  const { checked, fold, k, memory, prepared } = evidence;
  const scores = MEMORY_THRESHOLDS.map(() => [] as number[]);
  checked.forEach((s, i) => {
    const f = fold[i]!;
    const p = prepared[i];
    if (k < 2 || f === without || !p) return;
    const usable = (j: number) => p.folds[j]! >= 0 && p.folds[j] !== f && p.folds[j] !== without;
    const own: Neighbours = {
      questions: p.neighbours.questions.filter((_, j) => usable(j)),
      similarities: p.neighbours.similarities.filter((_, j) => usable(j)),
    };
    const at = new Map(Array.from(p.docs, (doc, j) => [doc, j]));
    let unchanged: number | undefined;
    MEMORY_THRESHOLDS.forEach((threshold, t) => {
      const recalled = memory && own.questions.length > 0 ? memory.recall(own, threshold) : NOTHING_RECALLED;
      // Without anything recalled every threshold ranks as the corpus does: score it once.
      if (recalled.size === 0 && unchanged !== undefined) return scores[t]!.push(unchanged);
      const docs = withMemoryHits(
        Array.from(p.docs, (doc) => ({ doc, score: 0 })),
        recalled,
        p.docs.length,
      ).map((h) => h.doc);
      const ranked = docs
        .map((doc, order) => {
          const j = at.get(doc);
          const { expansion, rejection } = remembered(recalled.get(doc) ?? 0, j === undefined ? 0 : p.facet[j]!, p.topFacet);
          return {
            doc,
            order,
            score: (j === undefined ? 0 : p.corpus[j]!) + FEEDBACK_WEIGHTS.expansion * expansion + FEEDBACK_WEIGHTS.rejection * rejection,
          };
        })
        .sort((a, b) => b.score - a.score || a.order - b.order)
        .map(({ doc }) => base.passages[doc]!.id)
        .filter((id) => s.checks.has(id));
      const score = ndcgAt(ranked, p.relevant, 10);
      if (recalled.size === 0) unchanged = score;
      scores[t]!.push(score);
    });
  });
  const queries = scores[0]!.length;
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const d = MEMORY_THRESHOLDS.indexOf(DEFAULT_MEMORY_THRESHOLD as (typeof MEMORY_THRESHOLDS)[number]);
  let best = d;
  scores.forEach((s, t) => {
    const diffs = s.map((v, i) => v - scores[d]![i]!);
    const diff = mean(diffs);
    const se = Math.sqrt(diffs.reduce((a, x) => a + (x - diff) ** 2, 0) / Math.max(1, diffs.length - 1) / Math.max(1, diffs.length));
    if (diff > se && mean(s) > mean(scores[best]!)) best = t;
  });
  return {
    threshold: MEMORY_THRESHOLDS[best]!,
    tried: Object.fromEntries(MEMORY_THRESHOLDS.map((t, i) => [String(t), Math.round(mean(scores[i]!) * 1e4) / 1e4])),
    queries,
  };
}

const NOTHING_RECALLED: ReadonlyMap<number, number> = new Map();

/** The current model's corpus features and weights, without what feedback adds. */
function corpusModel(model: RerankerModel): RerankerModel {
  const keep = model.features.map((f, i) => [f, model.weights[i]!] as const).filter(([f]) => !FEEDBACK_FEATURES.includes(f));
  return { version: model.version, features: keep.map(([f]) => f), weights: keep.map(([, w]) => w) };
}

/** The corpus part of the current model with the set feedback weights. */
function feedbackModel(current: RerankerModel, version: string): RerankerModel {
  const corpus = corpusModel(current);
  const features = [...corpus.features, ...FEATURES.filter((f) => FEEDBACK_FEATURES.includes(f))];
  return {
    version,
    features,
    weights: [...corpus.weights, ...features.slice(corpus.features.length).map((f) => FEEDBACK_WEIGHTS[f as keyof typeof FEEDBACK_WEIGHTS])],
  };
}
