/**
 * Rapid fire: signals given faster than anyone reads. Two patterns, by the client's clock, per agent:
 *
 * - a burst: at least `rapidBurst` clicks in a row, each less than `rapidGapMs` after the one before;
 * - a sweep: relevance labels on `rapidSweepSnippets` distinct snippets of one suggestion within `rapidSweepMs`.
 *
 * Only clicks count (preference, relevance, rationale): an adoption is recorded when the reply is sent and a
 * missing-knowledge report takes typing, so neither is a click nor ever down-weighted here.
 */
import type { AnnotationKind } from '../../../shared/index.ts';
import { agentKey, compare, type Finding, type GateItem, type GateOptions, groupBy, keyOf } from './types.ts';

const CLICKS: ReadonlySet<AnnotationKind> = new Set(['preference', 'relevance', 'rationale']);

interface Timed {
  item: GateItem;
  key: string;
  ms: number;
}

export function rapidFire(items: readonly GateItem[], options: GateOptions): Finding[] {
  const details = new Map<string, string>();
  const clicks = items.filter((i) => CLICKS.has(i.annotation.kind));
  for (const [, group] of groupBy(clicks, (i) => agentKey(i.annotation))) {
    const timed: Timed[] = group
      .map((item) => ({ item, key: keyOf(item), ms: Date.parse(item.annotation.clientTime) }))
      .filter((t) => Number.isFinite(t.ms))
      .sort((a, b) => a.ms - b.ms || compare(a.key, b.key));
    bursts(timed, options, details);
    sweeps(timed, options, details);
  }
  return [...details].map(([key, detail]) => ({ key, factor: options.rapidWeight, reason: { rule: 'rapid_fire', detail } }));
}

/** Runs of consecutive clicks each closer than rapidGapMs to the previous one. */
function bursts(timed: readonly Timed[], options: GateOptions, details: Map<string, string>): void {
  let start = 0;
  for (let i = 1; i <= timed.length; i++) {
    if (i < timed.length && timed[i]!.ms - timed[i - 1]!.ms < options.rapidGapMs) continue;
    const run = timed.slice(start, i);
    start = i;
    if (run.length < options.rapidBurst) continue;
    let minGap = Infinity;
    for (let j = 1; j < run.length; j++) minGap = Math.min(minGap, run[j]!.ms - run[j - 1]!.ms);
    const span = (run[run.length - 1]!.ms - run[0]!.ms) / 1000;
    const detail = `${run.length} signals in ${span.toFixed(1)} s, each under ${options.rapidGapMs} ms after the last (shortest gap ${minGap} ms)`;
    for (const t of run) details.set(t.key, detail);
  }
}

/** Windows of rapidSweepMs in which one suggestion's snippets were labelled en masse. */
function sweeps(timed: readonly Timed[], options: GateOptions, details: Map<string, string>): void {
  const labels = timed.filter((t) => t.item.annotation.kind === 'relevance');
  for (const [, group] of groupBy(labels, (t) => t.item.annotation.suggestionId)) {
    if (group.length < options.rapidSweepSnippets) continue;
    let end = 0;
    for (let start = 0; start < group.length; start++) {
      while (end < group.length && group[end]!.ms - group[start]!.ms <= options.rapidSweepMs) end++;
      const window = group.slice(start, end);
      const snippets = new Set(window.map((t) => (t.item.annotation.kind === 'relevance' ? t.item.annotation.snippetId : '')));
      if (snippets.size < options.rapidSweepSnippets) continue;
      const span = window[window.length - 1]!.ms - window[0]!.ms;
      const detail = `relevance labels on ${snippets.size} snippets of suggestion ${window[0]!.item.annotation.suggestionId} within ${span} ms`;
      for (const t of window) if (!details.has(t.key)) details.set(t.key, detail);
    }
  }
}
