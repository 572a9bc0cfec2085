/**
 * The reply-variant policy: which two variants of the pool are shown (champion and challenger). Preferences fit
 * position-corrected Bradley–Terry strengths; the challenger replaces the champion only when it is stronger with the
 * stated confidence, and a challenger that is clearly weaker makes way for the next untried variant of the pool.
 * Adoption rates per variant are recorded alongside. A changed pair is a new promoted version; otherwise the
 * fitted statistics are kept as a `kept` version for the record.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { DEFAULT_VERSION_ID, type VariantPolicy, type VariantStats } from './artefacts.ts';
import { adoptions, type Feedback, preferences } from './feedback.ts';
import { addCandidate, currentVersion, decide } from './registry.ts';
import { adoptionRates } from './train/adoption.ts';
import { type ChampionOptions, decideChampion } from './train/champion.ts';
import { trainVariantStrengths } from './train/variants.ts';

export interface VariantCycleReport {
  decision: 'promoted' | 'kept' | 'skipped';
  versionId?: string;
  parent: string;
  reason: string;
  champion: string;
  challenger: string;
  confidence: number | null;
  preferences: number;
}

/** The policy when none was learned: the first two variants of the pool. */
export function defaultPolicy(pool: readonly string[]): Pick<VariantPolicy, 'champion' | 'challenger'> {
  return { champion: pool[0]!, challenger: pool[1] ?? pool[0]! };
}

export async function trainVariantPolicy(
  db: Kysely<Database>,
  runId: string,
  feedback: Feedback,
  pool: readonly string[],
  now = new Date(),
  options: ChampionOptions = {},
): Promise<VariantCycleReport> {
  const current = await currentVersion<VariantPolicy>(db, 'variants');
  const parent = current?.id ?? DEFAULT_VERSION_ID.variants;
  const pair = current && pool.includes(current.artefact.champion) && pool.includes(current.artefact.challenger) ? current.artefact : defaultPolicy(pool);
  const prefs = preferences(feedback).filter((p) => pool.includes(p.left) && pool.includes(p.right) && p.weight > 0);
  if (prefs.length === 0) {
    return { decision: 'skipped', parent, reason: 'no preferences between variants of the pool yet', ...pair, confidence: null, preferences: 0 };
  }
  const fitted = trainVariantStrengths(prefs);
  const rates = adoptionRates(adoptions(feedback)).byVariant;
  const decision = decideChampion(pair, fitted, options);
  let next = { champion: decision.champion, challenger: decision.challenger };
  let reason = decision.reason;
  const needed = options.confidence ?? 0.95;
  if (!decision.switched && decision.confidence !== null && decision.confidence <= 1 - needed) {
    // The challenger lost with confidence: give its slot to a variant not yet tried, if the pool has one.
    const untried = pool.find((v) => v !== pair.champion && v !== pair.challenger && !(fitted.stats[v]?.comparisons ?? 0));
    if (untried) {
      next = { champion: pair.champion, challenger: untried };
      reason = `${pair.challenger} lost to ${pair.champion} (P(stronger) = ${decision.confidence.toFixed(3)}); ${untried} challenges next`;
    }
  }
  if (decision.switched) {
    // The new champion's old rival leaves; the next untried variant challenges it, else the old champion stays on.
    const untried = pool.find((v) => v !== next.champion && v !== pair.champion && !(fitted.stats[v]?.comparisons ?? 0));
    next = { champion: next.champion, challenger: untried ?? pair.champion };
  }
  const stats: Record<string, VariantStats> = {};
  for (const [id, s] of Object.entries(fitted.stats)) {
    const r = rates[id];
    stats[id] = {
      strength: s.strength,
      wins: s.wins,
      losses: s.losses,
      ties: s.ties,
      adoptionRate: r?.rate ?? null,
      adoptions: r ? r.verbatim + r.edited : 0,
    };
  }
  const changed = next.champion !== pair.champion || next.challenger !== pair.challenger;
  const policy: VariantPolicy = { ...next, stats, confidence: decision.confidence };
  const stored = await addCandidate(db, {
    kind: 'variants',
    parent,
    runId,
    inputs: { preferences: prefs.length, positionBias: fitted.positionBias, positionBiasSe: fitted.positionBiasSe },
    metrics: { confidence: decision.confidence, strengths: Object.fromEntries(Object.entries(fitted.stats).map(([id, s]) => [id, { strength: s.strength, se: s.se }])) },
    artefact: policy,
  }, now);
  await decide(db, stored.id, { promote: changed, reason, metrics: { confidence: decision.confidence } }, now);
  return {
    decision: changed ? 'promoted' : 'kept',
    versionId: stored.id,
    parent,
    reason,
    ...next,
    confidence: decision.confidence,
    preferences: prefs.length,
  };
}
