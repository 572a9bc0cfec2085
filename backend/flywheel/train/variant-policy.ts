/**
 * The reply-variant policy: which two variants of the pool are shown (champion and challenger) and which untried one
 * is on trial. Preferences fit position-corrected Bradley–Terry strengths; the pair changes only on evidence (see
 * train/variant-trial.ts).
 * Adoption rates per variant are recorded alongside. A changed pair or trial is a new promoted version; otherwise the
 * fitted statistics are kept as a `kept` version for the record.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.ts';
import { type VariantPolicy, type VariantStats } from '../../models/artefacts.ts';
import { adoptions, type Feedback, preferences } from '../feedback.ts';
import { addCandidate, currentVersion, currentVersionId, decide } from '../../models/registry.ts';
import { adoptionRates } from './adoption.ts';
import type { ShownVariants, Trial } from '../../rag/shown-variants.ts';
import { nextVariantPolicy, type TrialOptions } from './variant-trial.ts';
import { trainVariantStrengths } from './variants.ts';

export interface VariantCycleReport {
  decision: 'promoted' | 'kept' | 'skipped';
  versionId?: string;
  parent: string;
  reason: string;
  champion: string;
  challenger: string;
  trial: Trial | null;
  confidence: number | null;
  preferences: number;
}

/** The policy when none was learned: the first two variants of the pool. */
export function defaultPolicy(pool: readonly string[]): Pick<VariantPolicy, 'champion' | 'challenger'> {
  return { champion: pool[0]!, challenger: pool[1] ?? pool[0]! };
}

export async function trainVariantPolicy(
  db: Kysely<Database>,
  tenant: string,
  runId: string,
  feedback: Feedback,
  pool: readonly string[],
  now = new Date(),
  options: TrialOptions = {},
): Promise<VariantCycleReport> {
  const current = await currentVersion<VariantPolicy>(db, tenant, 'variants');
  const parent = currentVersionId(current, 'variants');
  const known = current && pool.includes(current.artefact.champion) && pool.includes(current.artefact.challenger);
  const shown: ShownVariants = known
    ? { champion: current.artefact.champion, challenger: current.artefact.challenger, trial: current.artefact.trial ?? null }
    : { ...defaultPolicy(pool), trial: null };
  const prefs = preferences(feedback).filter((p) => pool.includes(p.left) && pool.includes(p.right) && p.weight > 0);
  if (prefs.length === 0) {
    return { decision: 'skipped', parent, reason: 'no preferences between variants of the pool yet', ...shown, confidence: null, preferences: 0 };
  }
  const fitted = trainVariantStrengths(prefs);
  const rates = adoptionRates(adoptions(feedback)).byVariant;
  const step = nextVariantPolicy(shown, fitted, pool, options);
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
  const next = { champion: step.champion, challenger: step.challenger, trial: step.trial };
  const policy: VariantPolicy = { ...next, stats, confidence: step.confidence };
  const stored = await addCandidate(
    db,
    tenant,
    {
      kind: 'variants',
      parent,
      runId,
      inputs: { preferences: prefs.length, positionBias: fitted.positionBias, positionBiasSe: fitted.positionBiasSe },
      metrics: {
        confidence: step.confidence,
        strengths: Object.fromEntries(Object.entries(fitted.stats).map(([id, s]) => [id, { strength: s.strength, se: s.se }])),
      },
      artefact: policy,
    },
    now,
  );
  await decide(db, stored.id, { promote: step.changed, reason: step.reason, metrics: { confidence: step.confidence } }, now);
  return {
    decision: step.changed ? 'promoted' : 'kept',
    versionId: stored.id,
    parent,
    reason: step.reason,
    ...next,
    confidence: step.confidence,
    preferences: prefs.length,
  };
}
