/**
 * The gap queue: missing-knowledge reports grouped for knowledge authors. Reports are never filtered by the quality
 * gate; similar ones are grouped so that fifty agents asking for the same article make one entry with a count of 50.
 *
 *   const { groups } = await gapQueue(db, 'acme', { limit: 20 });
 *
 * Two reports belong together when their descriptions (and proposed titles) share enough index terms — Jaccard of
 * the term sets ≥ `threshold` — or when they name the same outdated article; groups are the connected components
 * (single link). Candidate pairs come from an inverted index of each set's rarest terms (prefix filtering: two
 * sets with Jaccard ≥ t must share one of their |s| − ⌈t·|s|⌉ + 1 rarest terms), so 10,000 reports are grouped
 * in well under a second rather than by 50 million comparisons.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Annotation, GapGroup, GapList, AnnotationOf } from '../../shared/index.ts';
import { tokenize } from '../rag/tokenize.ts';
import { listAnnotations, type PagePosition } from '../store/annotations.ts';
import type { Database } from '../store/schema.ts';

type Report = AnnotationOf<'missing_knowledge'>;

export interface GapOptions {
  /** Jaccard similarity of term sets at which two reports are the same gap (0.5). */
  threshold: number;
  /** Longest title, in characters (120). */
  titleChars: number;
  /** Groups described, the biggest first (all). */
  limit: number;
}

export const DEFAULT_GAP_OPTIONS: Readonly<GapOptions> = Object.freeze({ threshold: 0.5, titleChars: 120, limit: Infinity });

/** Words every report uses ("the article on X is missing"): they say nothing about which gap it is. */
const BOILERPLATE = new Set(
  tokenize('article articles missing kb knowledge base info information nothing need needs docs documentation outdated page add'),
);

export function gapTerms(report: Report): string[] {
  return [...new Set(tokenize(`${report.description} ${report.proposedTitle ?? ''}`))].filter((t) => !BOILERPLATE.has(t));
}

/**
 * Groups the missing-knowledge reports among `annotations` (other kinds are ignored), biggest gap first: by count,
 * then the newest last report, then the earliest first report. Only the first `limit` groups are described.
 */
export function groupGaps(annotations: Iterable<Annotation>, options: Partial<GapOptions> = {}): GapGroup[] {
  return rankGaps(annotations, options).groups;
}

/** groupGaps, and how many groups there are in all (before `limit`). */
export function rankGaps(annotations: Iterable<Annotation>, options: Partial<GapOptions> = {}): { total: number; groups: GapGroup[] } {
  const opts = { ...DEFAULT_GAP_OPTIONS, ...options };
  const byKey = new Map<string, Report>();
  for (const a of annotations) if (a.kind === 'missing_knowledge' && !byKey.has(`${a.tenant}\u0000${a.id}`)) byKey.set(`${a.tenant}\u0000${a.id}`, a);
  const reports = [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);

  const parent = reports.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const union = (a: number, b: number) => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };

  // Same outdated article, same gap.
  const byArticle = new Map<string, number>();
  reports.forEach((r, i) => {
    if (r.outdatedArticleId === undefined) return;
    const key = `${r.tenant}\u0000${r.outdatedArticleId}`;
    const first = byArticle.get(key);
    if (first === undefined) byArticle.set(key, i);
    else union(first, i);
  });

  // Terms as numbers, distinct per tenant, so that sets compare by merging sorted arrays.
  const termIds = new Map<string, number>();
  const sets = reports.map((r) => {
    const ids = gapTerms(r).map((t) => {
      const key = `${r.tenant}\u0000${t}`;
      let id = termIds.get(key);
      if (id === undefined) termIds.set(key, (id = termIds.size));
      return id;
    });
    return Int32Array.from(ids).sort();
  });
  // Identical sets are one unit: only distinct sets are compared.
  const unit = new Map<string, number>();
  const units: number[] = [];
  sets.forEach((set, i) => {
    if (set.length === 0) return;
    const key = set.join(',');
    const first = unit.get(key);
    if (first === undefined) {
      unit.set(key, i);
      units.push(i);
    } else union(first, i);
  });
  similarityJoin(units, sets, termIds.size, opts.threshold, find, union);

  // Members in report order, so a group's first member is its earliest report and roots are ordered likewise.
  const members = new Map<number, number[]>();
  const ms = reports.map((r) => Date.parse(r.clientTime));
  const newest = new Map<number, number>();
  reports.forEach((_, i) => {
    const root = find(i);
    const list = members.get(root);
    if (list) list.push(i);
    else members.set(root, [i]);
    newest.set(root, Math.max(newest.get(root) ?? -Infinity, ms[i]!));
  });
  const ranked = [...members].sort(([ra, a], [rb, b]) => b.length - a.length || newest.get(rb)! - newest.get(ra)! || ra - rb);
  const groups = ranked.slice(0, opts.limit).map(([, group]) =>
    describeGroup(
      group.map((i) => reports[i]!),
      group.map((i) => sets[i]!),
      opts,
    ),
  );
  return { total: ranked.length, groups };
}

/** Unions every pair of `units` whose term sets (sorted term ids) reach `threshold`, via prefix filtering. */
function similarityJoin(
  units: number[],
  sets: Int32Array[],
  terms: number,
  threshold: number,
  find: (i: number) => number,
  union: (a: number, b: number) => void,
): void {
  const df = new Int32Array(terms);
  for (const i of units) for (const t of sets[i]!) df[t]! += 1;
  const postings: (number[] | undefined)[] = new Array(terms);
  for (const i of units) {
    const set = sets[i]!;
    // Rarest first: the prefix then holds the terms least likely to be shared, so candidate lists stay short.
    const ordered = Array.from(set).sort((a, b) => df[a]! - df[b]! || a - b);
    const prefix = set.length - Math.ceil(threshold * set.length - 1e-9) + 1;
    for (let p = 0; p < prefix; p++) {
      const list = (postings[ordered[p]!] ??= []);
      for (const j of list) {
        const other = sets[j]!;
        // Sizes alone can rule a pair out: Jaccard ≤ min/max.
        if (Math.min(set.length, other.length) < threshold * Math.max(set.length, other.length)) continue;
        if (find(i) !== find(j) && jaccard(set, other) >= threshold) union(i, j);
      }
      list.push(i);
    }
  }
}

/** Jaccard similarity of two sorted sets of term ids. */
function jaccard(a: Int32Array, b: Int32Array): number {
  let shared = 0;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    if (a[i] === b[j]) {
      shared++;
      i++;
      j++;
    } else if (a[i]! < b[j]!) i++;
    else j++;
  }
  return shared / (a.length + b.length - shared);
}

function describeGroup(reports: Report[], sets: Int32Array[], opts: GapOptions): GapGroup {
  const ms = reports.map((r) => Date.parse(r.clientTime));
  let first = Infinity;
  let last = -Infinity;
  for (const t of ms) [first, last] = [Math.min(first, t), Math.max(last, t)];
  const newestFirst = reports.map((r, i) => ({ r, i })).sort((a, b) => ms[b.i]! - ms[a.i]! || b.i - a.i);
  const earliest = reports[0]!; // members come in (tenant, id) order, and UUID v7 ids are time-ordered
  return {
    id: `gap_${createHash('sha256').update(`${earliest.tenant}\u0000${earliest.id}`).digest('hex').slice(0, 16)}`,
    title: truncate(titleOf(reports, sets), opts.titleChars),
    count: reports.length,
    agents: new Set(reports.map((r) => r.agent)).size,
    firstSeen: new Date(first).toISOString(),
    lastSeen: new Date(last).toISOString(),
    exampleTickets: [...new Set(newestFirst.map(({ r }) => r.ticketId))].slice(0, 5),
    outdatedArticleIds: [...new Set(reports.flatMap((r) => (r.outdatedArticleId === undefined ? [] : [r.outdatedArticleId])))].sort(),
    annotationIds: reports.map((r) => r.id).sort(),
  };
}

/** The most proposed title (earliest on a tie); without one, the description whose terms the group shares most. */
function titleOf(reports: Report[], sets: Int32Array[]): string {
  const titles = new Map<string, number>();
  for (const r of reports) {
    const t = r.proposedTitle?.trim();
    if (t) titles.set(t, (titles.get(t) ?? 0) + 1);
  }
  let best: [string, number] | undefined;
  for (const entry of titles) if (!best || entry[1] > best[1]) best = entry;
  if (best) return best[0];
  const frequency = new Map<number, number>();
  for (const set of sets) for (const t of set) frequency.set(t, (frequency.get(t) ?? 0) + 1);
  let central = 0;
  let centralScore = -1;
  reports.forEach((r, i) => {
    const set = sets[i]!;
    let shared = 0;
    for (const t of set) shared += frequency.get(t)!;
    const score = set.length === 0 ? 0 : shared / set.length;
    const current = reports[central]!.description.trim();
    if (score > centralScore || (score === centralScore && r.description.trim().length < current.length)) {
      central = i;
      centralScore = score;
    }
  });
  return reports[central]!.description;
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}

/** Every missing-knowledge report of `tenant` received at or after `since`, in pages. */
export async function loadGapReports(db: Kysely<Database>, tenant: string, since?: string): Promise<Annotation[]> {
  const out: Annotation[] = [];
  let after: PagePosition | undefined;
  do {
    const page = await listAnnotations(db, { tenant, since, kind: 'missing_knowledge', limit: 1_000, after });
    for (const item of page.items) out.push(item.annotation);
    after = page.next;
  } while (after);
  return out;
}

/** The gap queue of `tenant`: the `limit` biggest groups of the reports received since `since`. */
export async function gapQueue(db: Kysely<Database>, tenant: string, query: { since?: string | undefined; limit: number }): Promise<GapList> {
  const reports = await loadGapReports(db, tenant, query.since);
  const { total, groups } = rankGaps(reports, { limit: query.limit });
  return { reports: reports.length, total, groups };
}
