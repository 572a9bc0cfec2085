/**
 * One turn of the flywheel for one tenant, on its signals only: quality gate → train → evaluate the candidate against the current version on held-out
 * data → promote or keep, with the reason, in the registry → the knowledge reloads so new suggestions use (and
 * record) what was promoted. Every run is recorded in `flywheel_runs` with its report.
 */
import { type AgentAgreement, uuidv7 } from '../../shared/index.ts';
import { withExclusive } from '../store/exclusive.ts';
import type { AppDeps } from '../deps.ts';
import { loadBeirQueries } from '../eval/beir-queries.ts';
import { createChatClient } from '../llm/chat.ts';
import { type KnowledgeIndex, withFeedback } from '../rag/knowledge-index.ts';
import { buildFeedbackLayer } from '../rag/feedback-layer.ts';
import { PROMPT_VARIANTS } from '../rag/prompts.ts';
import { VARIANTS } from '../rag/generate.ts';
import { saveGateResults } from '../store/gate-results.ts';
import { DEFAULT_RANKING, type RankingArtefact } from '../models/artefacts.ts';
import { replyGrounder } from './grounding.ts';
import { type CheckedSuggestion, checkedSuggestions, citationsOf, loadFeedback, rationales } from './feedback.ts';
import { type AgentReport, type GateOptions, parseGateKey } from './gate/index.ts';
import { round } from './gate/agreement.ts';
import type { JudgeCounts } from './judge.ts';
import { type Comparison, compareOnBeir, crossValidate, DEFAULT_PROMOTION, decidePromotion, type PromotionRule, titleQueries } from './holdout.ts';
import { addCandidate, currentVersion, currentVersionId, decide } from '../models/registry.ts';
import { flagPassages } from './train/flags.ts';
import { DEFAULT_RANKING_TRAINING, thresholdEvidence, trainRanking } from './train/ranking.ts';
import { trainVariantPolicy, type VariantCycleReport } from './train/variant-policy.ts';

export interface CycleOptions {
  /** Whose signals to learn from and whose versions to promote (the default tenant when absent). */
  tenant?: string;
  now?: Date;
  /** Folds of the cross-validated estimate and of choosing the memory's threshold (5). */
  folds?: number;
  /** A BEIR folder scored as a regression set, and its split (`test`). */
  regression?: { dir: string; split: string } | undefined;
  gate?: Partial<GateOptions>;
  promotion?: Partial<PromotionRule>;
  /** `false` skips the LLM judge even when a model is configured. */
  judge?: false;
}

export interface RankingCycleReport {
  decision: 'promoted' | 'kept' | 'skipped';
  versionId?: string;
  parent: string;
  reason: string;
  /** Checked suggestions the candidate learned from. */
  trainQueries: number;
  /** Checked suggestions scored out of fold (those the current version never trained on). */
  heldOutQueries: number;
  comparisons: Comparison[];
  training?: Record<string, unknown>;
}

export interface CycleReport {
  runId: string;
  tenant: string;
  startedAt: string;
  durationMs: number;
  status: 'promoted' | 'kept' | 'failed';
  annotations: number;
  /** `superseded`: signals left out because the same agent later changed them (kept in the store). */
  gate: { total: number; passed: number; reduced: number; setAside: number; byRule: Record<string, number>; superseded: number };
  agreement: unknown;
  /** Per agent of the tenant, the gate's agreement figures in brief (GET /v1/insights/agreement). */
  agreementPerAgent: AgentAgreement[];
  /** The LLM judge's counts (agreed, disagreed, malformed, failed…), when a model is configured. */
  judge?: JudgeCounts | undefined;
  ranking: RankingCycleReport;
  variants: VariantCycleReport;
  /** The knowledge index serving suggestions after the run. */
  indexVersion: string;
  error?: string;
}

/** An agent's gate report in brief: what the agreement insights chart. */
function agreementSummary(a: AgentReport): AgentAgreement {
  return {
    agent: a.agent,
    annotations: a.annotations,
    relevance: a.relevance.share,
    relevanceVotes: a.relevance.n,
    preference: a.preference.share,
    preferenceVotes: a.preference.n,
    leftShare: a.position.n > 0 ? round(a.position.left / a.position.n) : null,
    leftRightChoices: a.position.n,
  };
}

/** Another backend on the store is running this tenant's cycle: this one skips rather than train on the same signals twice. */
export class CycleBusyError extends Error {
  override name = 'CycleBusyError';
  constructor(tenant: string) {
    super(`Another backend is running a flywheel cycle for tenant ${tenant} on this store; this one was skipped`);
  }
}

/** One cycle: gate, train, evaluate, promote or keep. Throws CycleBusyError while another backend runs the tenant's. */
export async function runFlywheelCycle(deps: AppDeps, options: CycleOptions = {}): Promise<CycleReport> {
  const tenant = options.tenant ?? deps.config.defaultTenant;
  const run = await withExclusive(deps.store, `flywheel-cycle:${tenant}`, () => runCycle(deps, tenant, options));
  if (!run.ran) throw new CycleBusyError(tenant);
  return run.value;
}

async function runCycle(deps: AppDeps, tenant: string, options: CycleOptions): Promise<CycleReport> {
  const db = deps.store.db;
  const started = options.now ?? new Date();
  const t0 = performance.now();
  const runId = `run-${uuidv7(started.getTime())}`;
  await db
    .insertInto('flywheel_runs')
    .values({ id: runId, tenant, started_at: started.toISOString(), finished_at: null, status: 'running', summary: '{}' })
    .execute();
  try {
    const llm = deps.config.llm;
    // With a model configured, it also judges the newest relevance labels (an extra opinion the gate weighs).
    const judge = llm
      ? { client: createChatClient({ baseUrl: llm.baseUrl, apiKey: llm.apiKey, timeoutMs: llm.timeoutMs }), model: llm.model }
      : undefined;
    const feedback = await loadFeedback(db, tenant, options.gate, options.judge === false ? undefined : judge);
    const decisions = [...feedback.gate.decisions].map(([key, d]) => {
      const { tenant: of, id } = parseGateKey(key);
      return { ...d, tenant: of, annotationId: id };
    });
    await saveGateResults(db, runId, decisions, started);
    const index = await deps.knowledge.of(tenant);
    const ranking = await rankingStep(deps, tenant, index, runId, feedback, options);
    const variants = await trainVariantPolicy(db, tenant, runId, feedback, variantPool(deps), started);
    // A promotion changes the tenant's versions, not its knowledge: the corpus is kept, the ranking swapped.
    if (ranking.decision === 'promoted' || variants.decision === 'promoted') await deps.knowledge.refreshIfStale();
    const serving = await deps.knowledge.of(tenant);
    const { total, passed, reduced, setAside, byRule } = feedback.gate.counts;
    const report: CycleReport = {
      runId,
      tenant,
      startedAt: started.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      status: ranking.decision === 'promoted' || variants.decision === 'promoted' ? 'promoted' : 'kept',
      annotations: feedback.items.length,
      gate: { total, passed, reduced, setAside, byRule, superseded: feedback.superseded },
      agreement: feedback.gate.agreement.perSignal,
      agreementPerAgent: feedback.gate.agreement.perAgent.filter((a) => a.tenant === tenant).map(agreementSummary),
      judge: feedback.judge,
      ranking,
      variants,
      indexVersion: serving.version,
    };
    await finish(deps, runId, report.status, report);
    return report;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await finish(deps, runId, 'failed', { error: message });
    throw err;
  }
}

async function rankingStep(
  deps: AppDeps,
  tenant: string,
  index: KnowledgeIndex,
  runId: string,
  feedback: Awaited<ReturnType<typeof loadFeedback>>,
  options: CycleOptions,
): Promise<RankingCycleReport> {
  const db = deps.store.db;
  const current = await currentVersion<RankingArtefact>(db, tenant, 'ranking');
  const parent = currentVersionId(current, 'ranking');
  const currentArtefact = current?.artefact ?? DEFAULT_RANKING;
  const checked = checkedSuggestions(feedback, replyGrounder(index));
  const base = { parent, trainQueries: checked.length, heldOutQueries: 0, comparisons: [] };
  if (checked.length === 0) return { ...base, decision: 'skipped', reason: 'no relevance checks to learn from yet' };

  const flagged = flagPassages({ rationales: rationales(feedback), citationsOf: (s, c) => citationsOf(feedback, s, c) });
  const version = `learned-${runId.slice(4, 17)}`;
  const training = { ...DEFAULT_RANKING_TRAINING, folds: options.folds ?? DEFAULT_RANKING_TRAINING.folds };
  const evidence = thresholdEvidence(index, checked, currentArtefact, training);
  const train = (checks: CheckedSuggestion[], without: number) =>
    trainRanking(index, checks, currentArtefact, flagged, version, training, { evidence, without }).artefact;
  const candidate = trainRanking(index, checked, currentArtefact, flagged, version, training, { evidence });
  const candidateIndex = withFeedback(index, buildFeedbackLayer(index, 'candidate', candidate.artefact));
  // Checks the current version learned from would be answered from its memory: scoring them would favour it.
  const trainedThrough = typeof current?.inputs.trainedThrough === 'string' ? current.inputs.trainedThrough : undefined;
  const fresh = (s: CheckedSuggestion) => trainedThrough === undefined || s.createdAt > trainedThrough;
  const comparisons = [
    crossValidate(
      index,
      checked,
      (checks, without) => withFeedback(index, buildFeedbackLayer(index, 'candidate-fold', train(checks, without))),
      fresh,
      training.folds,
    ),
    // Without either version's memory: what the candidate changes for every question, whoever asked what.
    compareOnBeir(
      withoutMemory(index),
      withoutMemory(candidateIndex),
      titleQueries(index),
      'article titles asked as questions (full rankings, memory aside)',
    ),
  ];
  if (options.regression) {
    const queries = loadBeirQueries(options.regression.dir, options.regression.split);
    comparisons.push(compareOnBeir(index, candidateIndex, queries, `regression set ${options.regression.dir} (${options.regression.split})`));
  }
  const heldOut = comparisons[0]!.n;
  const decision = decidePromotion(comparisons, { ...DEFAULT_PROMOTION, ...options.promotion });
  // What is promoted learned from every check; the cross-validated estimate is that of this training procedure,
  // and the next cycle scores only checks newer than `trainedThrough`.
  const stored = await addCandidate(db, tenant, {
    kind: 'ranking',
    parent,
    runId,
    inputs: { ...candidate.stats, trainQueries: checked.length, heldOutQueries: heldOut, trainedThrough: checked[checked.length - 1]!.createdAt },
    metrics: { comparisons },
    artefact: candidate.artefact,
  });
  await decide(db, stored.id, { ...decision, metrics: { comparisons } });
  return {
    ...base,
    heldOutQueries: heldOut,
    decision: decision.promote ? 'promoted' : 'kept',
    versionId: stored.id,
    reason: decision.reason,
    comparisons,
    training: candidate.stats as unknown as Record<string, unknown>,
  };
}

function withoutMemory(index: KnowledgeIndex): KnowledgeIndex {
  return withFeedback(index, { ...index.feedback, memory: undefined });
}

/** The variants the serving generator can show: prompt templates with a model, extractive recipes without. */
function variantPool(deps: AppDeps): string[] {
  return (deps.replies ? PROMPT_VARIANTS : VARIANTS).map((v) => v.id);
}

async function finish(deps: AppDeps, runId: string, status: string, summary: unknown): Promise<void> {
  await deps.store.db
    .updateTable('flywheel_runs')
    .set({ status, finished_at: new Date().toISOString(), summary: JSON.stringify(summary) })
    .where('id', '=', runId)
    .execute();
}
