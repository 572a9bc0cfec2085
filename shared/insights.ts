/**
 * GET /v1/insights/… (analyst or admin key, the key's tenant only): what the analyst console charts. Every answer
 * but the flywheel's names the window it covers; days and weeks are UTC (`YYYY-MM-DD`, a week by its Monday).
 * Counts come from a rollup by UTC day (backend/store/insight-counts.ts), so a window is widened to whole days:
 * `from` down to its day's midnight, `to` up to the next midnight unless it is one.
 */
import { z } from 'zod';
import { AdoptionOutcome, RelevanceLabel } from './annotations.ts';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a UTC day, YYYY-MM-DD');

/** Longest window an insights route answers for. */
export const INSIGHTS_MAX_DAYS = 400;
/** Window when neither end is given: the 90 UTC days up to and including today. */
export const INSIGHTS_DEFAULT_DAYS = 90;

/**
 * `?from=&to=` on every insights route: received-at window [from, to); default the last 90 days up to now. An
 * unknown parameter, `from` after `to` or a window longer than 400 days answers 400 naming the parameter.
 */
export const InsightsQuery = z.strictObject({
  from: z.iso.datetime({ offset: true }).optional().describe('Start of the window (inclusive); default 90 days before `to`'),
  to: z.iso.datetime({ offset: true }).optional().describe('End of the window (exclusive); default the end of today (UTC)'),
});
export type InsightsQuery = z.infer<typeof InsightsQuery>;

export const InsightsWindow = z.object({ from: z.iso.datetime(), to: z.iso.datetime() });

/** Suggestions shown and signals received per day. */
export const ActivityInsights = z.object({
  window: InsightsWindow,
  days: z.array(
    z.object({
      day: Day,
      suggestions: z.number().int().nonnegative(),
      preference: z.number().int().nonnegative(),
      adoption: z.number().int().nonnegative(),
      rationale: z.number().int().nonnegative(),
      relevance: z.number().int().nonnegative(),
      missing_knowledge: z.number().int().nonnegative(),
    }),
  ),
});
export type ActivityInsights = z.infer<typeof ActivityInsights>;

const OutcomeCounts = z.object(
  Object.fromEntries(AdoptionOutcome.options.map((o) => [o, z.number().int().nonnegative()])) as Record<z.infer<typeof AdoptionOutcome>, z.ZodNumber>,
);

/** What became of suggestions: per day, and per reply variant (the candidate inserted; `none` when none was). */
export const AdoptionInsights = z.object({
  window: InsightsWindow,
  days: z.array(OutcomeCounts.extend({ day: Day })),
  variants: z.array(OutcomeCounts.extend({ variant: z.string(), adoptionRate: z.number().min(0).max(1).nullable() })),
});
export type AdoptionInsights = z.infer<typeof AdoptionInsights>;

/** A share with its 95 % Wilson interval. */
export const Proportion = z.object({
  value: z.number().min(0).max(1).nullable(),
  low: z.number().min(0).max(1).nullable(),
  high: z.number().min(0).max(1).nullable(),
  n: z.number().int().nonnegative(),
});
export type Proportion = z.infer<typeof Proportion>;

/**
 * Preference win rates per variant (ties count half, "both bad" not at all) and how often the left one was chosen.
 * A variant compared with itself (same variant on both sides) counts towards position bias only.
 */
export const PreferenceInsights = z.object({
  window: InsightsWindow,
  variants: z.array(
    z.object({
      variant: z.string(),
      wins: z.number().int().nonnegative(),
      losses: z.number().int().nonnegative(),
      ties: z.number().int().nonnegative(),
      bothBad: z.number().int().nonnegative(),
      winRate: Proportion,
    }),
  ),
  /** Share of left picks among left/right picks: 0.5 means no position bias. */
  positionBias: Proportion,
});
export type PreferenceInsights = z.infer<typeof PreferenceInsights>;

/** Relevance checks of shown snippets per week; precision = (relevant + ½ partly) / checked. */
export const RelevanceInsights = z.object({
  window: InsightsWindow,
  weeks: z.array(
    z
      .object(
        Object.fromEntries(RelevanceLabel.options.map((l) => [l, z.number().int().nonnegative()])) as Record<
          z.infer<typeof RelevanceLabel>,
          z.ZodNumber
        >,
      )
      .extend({
        week: Day,
        checked: z.number().int().nonnegative(),
        precision: Proportion,
      }),
  ),
});
export type RelevanceInsights = z.infer<typeof RelevanceInsights>;

const SignalAgreement = z.object({
  /** Items judged by at least two agents, and the votes on them. */
  groups: z.number().int().nonnegative(),
  ratings: z.number().int().nonnegative(),
  /** Mean share of agreeing agent pairs (`agreement` in the run summary); null without groups. */
  pairwise: z.number().min(0).max(1).nullable(),
  /** Fleiss' kappa; null without groups or when every vote is alike. */
  kappa: z.number().nullable(),
});

/** One agent at one flywheel run (stored in the run summary as `agreementPerAgent`, backend/flywheel/cycle.ts). */
export const AgentAgreement = z.object({
  agent: z.string(),
  annotations: z.number().int().nonnegative(),
  /** Share of the agent's votes matching the majority of their item; null with none in a shared item. */
  relevance: z.number().min(0).max(1).nullable(),
  /** Relevance votes of the agent in items shared with others that had a majority: the share's n. */
  relevanceVotes: z.number().int().nonnegative(),
  preference: z.number().min(0).max(1).nullable(),
  preferenceVotes: z.number().int().nonnegative(),
  /** Share of left picks among the agent's left/right picks; null without any. */
  leftShare: z.number().min(0).max(1).nullable(),
  /** The agent's left/right picks (ties and "both bad" left out): leftShare's n. */
  leftRightChoices: z.number().int().nonnegative(),
});
export type AgentAgreement = z.infer<typeof AgentAgreement>;

/**
 * Agreement between agents as the quality gate measured it at each flywheel run started in the window (over all of
 * the tenant's signals then), at most the newest 50, oldest first: per signal over time, and per agent at the newest
 * run that recorded it (`agentsRunId`; runs before per-agent figures were stored have none).
 */
export const AgreementInsights = z.object({
  window: InsightsWindow,
  runs: z.array(z.object({ runId: z.string(), at: z.iso.datetime(), relevance: SignalAgreement, preference: SignalAgreement })),
  agentsRunId: z.string().nullable(),
  agents: z.array(AgentAgreement),
});
export type AgreementInsights = z.infer<typeof AgreementInsights>;

/** The quality gate's decisions by rule at each flywheel run started in the window, at most the newest 50, oldest first. */
export const GateInsights = z.object({
  window: InsightsWindow,
  runs: z.array(
    z.object({
      runId: z.string(),
      at: z.iso.datetime(),
      total: z.number().int().nonnegative(),
      passed: z.number().int().nonnegative(),
      reduced: z.number().int().nonnegative(),
      setAside: z.number().int().nonnegative(),
      superseded: z.number().int().nonnegative(),
      /** Rule → annotations it set aside or down-weighted. */
      byRule: z.record(z.string(), z.number().int().nonnegative()),
    }),
  ),
});
export type GateInsights = z.infer<typeof GateInsights>;

/**
 * The tenant's trained versions, newest first (at most 50, whatever the window: this is the registry as it stands):
 * their held-out evidence, and why each was promoted or kept.
 */
export const FlywheelInsights = z.object({
  /** Kind → the version serving now (`<kind>-default` for the built-in one). */
  current: z.record(z.string(), z.string()),
  versions: z.array(
    z.object({
      id: z.string(),
      kind: z.string(),
      parent: z.string().nullable(),
      runId: z.string().nullable(),
      status: z.string(),
      reason: z.string(),
      createdAt: z.iso.datetime(),
      statusAt: z.iso.datetime(),
      /** Held-out comparisons it was decided on: per set, each metric current → candidate, the paired difference ± its standard error. */
      evidence: z.array(
        z.object({
          set: z.string(),
          n: z.number().int().nonnegative(),
          metrics: z.record(z.string(), z.object({ current: z.number(), candidate: z.number(), diff: z.number(), se: z.number() })),
        }),
      ),
      /** An earlier promoted version (retired or rolled back) an admin may restore: POST /v1/admin/flywheel/rollback. */
      restorable: z.boolean(),
    }),
  ),
});
export type FlywheelInsights = z.infer<typeof FlywheelInsights>;
