/**
 * GET /v1/insights/<name> (analyst or admin key; the key's tenant only): the JSON the analyst console charts. Shapes
 * in shared/insights.ts, figures in backend/insights/. Every route takes `?from=&to=` (InsightsQuery), and every
 * answer is parsed with its contract before it leaves, so the console and the OpenAPI document can trust it.
 */
import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { ZodType } from 'zod';
import {
  ActivityInsights,
  AdoptionInsights,
  AgreementInsights,
  type ErrorIssue,
  FlywheelInsights,
  GateInsights,
  INSIGHTS_MAX_DAYS,
  InsightsQuery,
  PreferenceInsights,
  RelevanceInsights,
} from '../../shared/index.ts';
import type { AppDeps } from '../deps.ts';
import type { Guard } from '../http/auth.ts';
import { ApiError } from '../http/errors.ts';
import { addRoute, auth, invalid, json, security } from '../http/openapi.ts';
import { activityInsights } from '../insights/activity.ts';
import { adoptionInsights } from '../insights/adoption.ts';
import { flywheelInsights } from '../insights/flywheel.ts';
import { preferenceInsights } from '../insights/preferences.ts';
import { relevanceInsights } from '../insights/relevance.ts';
import { agreementInsights, gateInsights } from '../insights/runs.ts';
import { type DayWindow, insightsWindow, WindowError } from '../insights/window.ts';
import type { Database } from '../store/schema.ts';

export interface InsightRoute {
  name: string;
  schema: ZodType;
  /** For the OpenAPI document. */
  summary: string;
  load(db: Kysely<Database>, tenant: string, window: DayWindow): Promise<unknown>;
}

export const INSIGHT_ROUTES: readonly InsightRoute[] = [
  { name: 'activity', schema: ActivityInsights, summary: 'Suggestions shown and signals received per UTC day', load: activityInsights },
  {
    name: 'adoption',
    schema: AdoptionInsights,
    summary: 'Adoption outcomes per day and per reply variant, with adoption rate = (verbatim + edited) / (verbatim + edited + rejected)',
    load: adoptionInsights,
  },
  {
    name: 'preferences',
    schema: PreferenceInsights,
    summary: 'Side-by-side preferences per reply variant: wins, losses, ties, both bad, win rate with a 95 % Wilson interval; position bias',
    load: preferenceInsights,
  },
  {
    name: 'relevance',
    schema: RelevanceInsights,
    summary: 'Relevance labels per ISO week (Monday, UTC) and precision = (relevant + ½ partly) / checked with a 95 % Wilson interval',
    load: relevanceInsights,
  },
  {
    name: 'agreement',
    schema: AgreementInsights,
    summary: 'Agreement between agents at each flywheel run started in the window (newest 50, oldest first), and per agent at the newest',
    load: agreementInsights,
  },
  {
    name: 'gate',
    schema: GateInsights,
    summary: "The quality gate's counts by outcome and rule at each flywheel run started in the window",
    load: gateInsights,
  },
  {
    name: 'flywheel',
    schema: FlywheelInsights,
    summary: 'Trained versions, newest 50 whatever the window: held-out evidence, status and reason, whether an admin may restore each',
    load: (db, tenant) => flywheelInsights(db, tenant),
  },
];

/** `?from=&to=` as a window of whole days; 400 naming the parameter for an unknown one or a window that cannot be. */
export function readWindow(query: Record<string, string>, now = new Date()): DayWindow {
  const parsed = InsightsQuery.safeParse(query);
  if (!parsed.success) {
    const issues: ErrorIssue[] = parsed.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: key.slice(0, 100), message: 'Unknown query parameter; insights take only from and to' }))
        : [{ path: issue.path.map(String).join('.') || '(query)', message: issue.message }],
    );
    throw new ApiError(400, 'validation_failed', `Invalid query: check ${[...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ')}`, issues);
  }
  try {
    return insightsWindow(parsed.data, now);
  } catch (error) {
    if (!(error instanceof WindowError)) throw error;
    throw new ApiError(400, 'validation_failed', `Invalid query: ${error.message}`, [{ path: error.param, message: error.message }]);
  }
}

export const INSIGHTS_QUERY_NOTE = `\`from\` and \`to\` (ISO 8601) bound the window [from, to), widened to whole UTC days; default the last 90 days up to today; at most ${INSIGHTS_MAX_DAYS} days.`;

export function insightRoutes(deps: AppDeps, guard: Guard): OpenAPIHono {
  const app = new OpenAPIHono();
  for (const route of INSIGHT_ROUTES) {
    const described = createRoute({
      method: 'get',
      path: `/v1/insights/${route.name}`,
      summary: route.summary,
      description: `Needs the analyst role; the key's tenant's figures only. ${INSIGHTS_QUERY_NOTE} An unknown parameter answers 400 naming it.`,
      middleware: [guard('analyst')] as const,
      security,
      request: { query: InsightsQuery },
      responses: { 200: json(route.schema, 'The figures, as the analyst console charts them'), ...invalid, ...auth },
    });
    addRoute(app, described, async (c) => {
      const window = readWindow(c.req.query());
      const answer = route.schema.parse(await route.load(deps.store.db, c.get('auth').tenant, window));
      return c.json(answer as object, 200);
    });
  }
  return app;
}
