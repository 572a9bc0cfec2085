/** GET /v1/gaps: missing-knowledge reports grouped into a queue for knowledge authors, biggest gap first. */
import { z } from 'zod';

export const GapGroup = z.object({
  /** Stable while the group's earliest report stays in it: `gap_` + a hash of that report's tenant and id. */
  id: z.string(),
  /** The most proposed title, else the description most typical of the group; at most 120 characters. */
  title: z.string(),
  /** Reports in the group. */
  count: z.number().int().positive(),
  /** Distinct agents who reported it. */
  agents: z.number().int().positive(),
  /** Earliest and latest report, by the agents' clocks. */
  firstSeen: z.iso.datetime(),
  lastSeen: z.iso.datetime(),
  /** Up to five ticket ids, newest report first. */
  exampleTickets: z.array(z.string()).max(5),
  /** Articles reported as outdated, sorted. */
  outdatedArticleIds: z.array(z.string()),
  /** Every report (annotation id) in the group, sorted. */
  annotationIds: z.array(z.string()),
});
export type GapGroup = z.infer<typeof GapGroup>;

export const GapList = z.object({
  /** Missing-knowledge reports considered. */
  reports: z.number().int().nonnegative(),
  /** Groups found, before the limit. */
  total: z.number().int().nonnegative(),
  /** Sorted by count (descending), then last seen (newest first). */
  groups: z.array(GapGroup),
});
export type GapList = z.infer<typeof GapList>;
