/**
 * Query expansions (doc2query style, but from real queries): the queries agents judged a passage relevant to, to be
 * indexed with it so the next similar question finds it lexically.
 *
 * Only trusted checks count (gate weight ≥ `minWeight`). Each check is a vote on (passage, query): relevant when
 * the label is ≥ 0.5, irrelevant otherwise. Queries are grouped by a normalised key (Unicode NFKC, lower case,
 * punctuation and spacing folded); a query whose irrelevant votes outweigh its relevant ones for that passage is
 * left out. A passage keeps its `maxPerPassage` queries with the most relevance (Σ weight × label), the most
 * recently judged first among equals, each as last written (spacing folded) and cut to `maxChars` at a word
 * boundary. Queries are expected to be redacted already, like everything stored from a conversation.
 *
 *   trainExpansions([{ passageId: 'p1', query: 'How do I reset my PIN?', label: 1, weight: 1 }])
 *     → { p1: ['How do I reset my PIN?'] }
 */

export interface QueryCheck {
  passageId: string;
  query: string;
  /** 1 relevant, 0.5 partly, 0 irrelevant. */
  label: number;
  /** The quality gate's trust in the label, 0..1. */
  weight: number;
}

export interface ExpansionOptions {
  /** Gate weight a check needs to count (default 0.5). */
  minWeight?: number;
  /** Queries kept per passage (default 32). */
  maxPerPassage?: number;
  /** Characters kept per query (default 300). */
  maxChars?: number;
}

interface Tally {
  text: string;
  relevance: number;
  relevantVotes: number;
  irrelevantVotes: number;
  last: number;
}

/** `labels` in the order they were made, oldest first (recency breaks ties). */
export function trainExpansions(labels: readonly QueryCheck[], options: ExpansionOptions = {}): Record<string, string[]> {
  const minWeight = options.minWeight ?? 0.5;
  const maxChars = options.maxChars ?? 300;
  const byPassage = new Map<string, Map<string, Tally>>();
  // A question is checked for several passages: fold and key each text once.
  const read = new Map<string, { text: string; key: string }>();
  labels.forEach(({ passageId, query, label, weight }, order) => {
    let known = read.get(query);
    if (!known) {
      const text = query.replace(/\s+/g, ' ').trim();
      read.set(query, (known = { text, key: normaliseQuery(text) }));
    }
    const { text, key } = known;
    if (!(weight >= minWeight) || key === '') return;
    const tallies = byPassage.get(passageId) ?? new Map<string, Tally>();
    byPassage.set(passageId, tallies);
    const tally = tallies.get(key) ?? { text, relevance: 0, relevantVotes: 0, irrelevantVotes: 0, last: -1 };
    tallies.set(key, tally);
    if (label >= 0.5) {
      tally.relevance += weight * label;
      tally.relevantVotes += weight;
      tally.text = text;
      tally.last = order;
    } else tally.irrelevantVotes += weight;
  });

  const expansions: Record<string, string[]> = {};
  for (const id of [...byPassage.keys()].sort()) {
    const kept = [...byPassage.get(id)!.values()]
      .filter((t) => t.relevantVotes > 0 && t.irrelevantVotes <= t.relevantVotes)
      .sort((a, b) => b.relevance - a.relevance || b.last - a.last)
      .slice(0, options.maxPerPassage ?? 32)
      .map((t) => truncate(t.text, maxChars));
    if (kept.length > 0) expansions[id] = kept;
  }
  return expansions;
}

/** The key two queries share when they differ only in case, punctuation, spacing or Unicode form. */
export function normaliseQuery(query: string): string {
  return query
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

function truncate(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  // A cut through a surrogate pair would leave half a character, which PostgreSQL's jsonb refuses.
  const cut = text.slice(0, maxChars).replace(/[\uD800-\uDBFF]$/, '');
  const space = cut.lastIndexOf(' ');
  return (space > maxChars / 2 ? cut.slice(0, space) : cut).trimEnd();
}
