/**
 * What a simulation leaves behind: `report.md` (settings, before/after table, per-cycle table, what each flywheel
 * run decided and why, the chart) beside `plot.svg`, and the one-line JSON summary printed last with `--json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CycleMetrics } from './measure.ts';
import { metricsSvg, PLOTTED } from './plot.ts';
import type { TrafficSummary } from './traffic.ts';

export interface SimulationSettings {
  cycles: number;
  agents: number;
  positionBiased: number;
  leftRate: number;
  noise: number;
  seed: number;
  /** Train queries replayed per cycle. */
  perCycle: number;
  trainQueries: number;
  testQueries: number;
  store: string | null;
}

/** What one flywheel run decided, as its report says. */
export interface Decision {
  decision: string;
  versionId?: string | undefined;
  reason: string;
}

export interface CycleRun {
  cycle: number;
  traffic: TrafficSummary;
  runId: string;
  status: string;
  gate: { total?: number; passed: number; reduced?: number; setAside: number; byRule?: Record<string, number> };
  ranking: Decision;
  variants: Decision & { champion?: string; challenger?: string };
  indexBefore: string;
  indexAfter: string;
  trafficMs: number;
  cycleMs: number;
}

export interface SimulationResult {
  dataset: string;
  split: string;
  settings: SimulationSettings;
  /** The adoption threshold τ, chosen on the train split before any feedback (measure.ts). */
  tau: number;
  cycles: CycleMetrics[];
  runs: CycleRun[];
  wallMs: number;
}

/** The last stdout line with `--json`: the per-cycle metrics as the issue specifies, then what was decided. */
export function summaryJson(result: SimulationResult): string {
  return JSON.stringify({
    dataset: result.dataset,
    split: result.split,
    cycles: result.cycles,
    tau: result.tau,
    settings: result.settings,
    runs: result.runs.map((r) => ({
      cycle: r.cycle,
      ranking: r.ranking.decision,
      variants: r.variants.decision,
      gate: { passed: r.gate.passed, setAside: r.gate.setAside },
    })),
    wall_ms: Math.round(result.wallMs),
  });
}

export function writeReport(dir: string, result: SimulationResult): { report: string; plot: string } {
  mkdirSync(dir, { recursive: true });
  const plot = join(dir, 'plot.svg');
  const report = join(dir, 'report.md');
  writeFileSync(plot, metricsSvg(result.cycles, `${datasetName(result.dataset)}: ${result.split} split per flywheel cycle`));
  writeFileSync(report, reportMarkdown(result));
  return { report, plot };
}

export function reportMarkdown(result: SimulationResult): string {
  const { settings: s, cycles } = result;
  const first = cycles[0];
  const last = cycles[cycles.length - 1];
  const lines = [
    `# Flywheel simulation: ${datasetName(result.dataset)}`,
    '',
    `Dataset \`${result.dataset}\`; metrics on its **${result.split}** split (${s.testQueries} queries), which is never sent to the API.`,
    `Traffic: ${s.perCycle} of ${s.trainQueries} train queries per cycle, replayed through the HTTP API by ${s.agents} simulated agents ` +
      `(${s.positionBiased} position-biased, left ${pct(s.leftRate)} of the time), label noise ${s.noise}, seed ${s.seed}; ${s.cycles} cycle${s.cycles === 1 ? '' : 's'}. ` +
      `Wall time ${(result.wallMs / 1000).toFixed(1)} s.${s.store ? ` Store kept at \`${s.store}\`.` : ''}`,
    '',
  ];
  if (first && last) {
    lines.push(
      `## Before and after (cycle 0 → cycle ${last.cycle})`,
      '',
      '| metric | cycle 0 | cycle ' + last.cycle + ' | change | relative |',
      '|---|---:|---:|---:|---:|',
    );
    for (const m of PLOTTED) {
      const [a, b] = [first[m], last[m]];
      const change = a === null || b === null ? '–' : signed(b - a);
      const relative = a === null || b === null || a === 0 ? '–' : `${signed(((b - a) / a) * 100, 1)} %`;
      lines.push(`| ${m} | ${num(a)} | ${num(b)} | ${change} | ${relative} |`);
    }
    lines.push('');
  }
  lines.push('## Per cycle', '', `| cycle | ${PLOTTED.join(' | ')} |`, `|---|${PLOTTED.map(() => '---:').join('|')}|`);
  for (const row of cycles) lines.push(`| ${row.cycle} | ${PLOTTED.map((m) => num(row[m])).join(' | ')} |`);
  lines.push('', '![metrics per cycle](plot.svg)', '', 'Cycle 0 is before any feedback.', '');

  if (result.runs.length) lines.push('## What each cycle did', '');
  for (const r of result.runs) {
    const t = r.traffic;
    const byRule = Object.entries(r.gate.byRule ?? {})
      .filter(([, n]) => n > 0)
      .map(([rule, n]) => `${rule} ${n}`)
      .join(', ');
    lines.push(
      `### Cycle ${r.cycle} (run \`${r.runId}\`, ${r.status})`,
      '',
      `- Traffic: ${t.suggestions} suggestions; signals sent ${Object.entries(t.sent)
        .filter(([, n]) => n > 0)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}; ${t.batches} batches: ${t.accepted} accepted, ${t.duplicate} duplicate, ${t.rejected} rejected` +
        `${t.refusals.length ? ` (${t.refusals.map((x) => `\`${x}\``).join('; ')})` : ''}; ${(r.trafficMs / 1000).toFixed(1)} s.`,
      `- Quality gate (all signals so far${r.gate.total === undefined ? '' : `, ${r.gate.total}`}): ${r.gate.passed} passed` +
        `${r.gate.reduced === undefined ? '' : `, ${r.gate.reduced} down-weighted`}, ${r.gate.setAside} set aside${byRule ? `; rules: ${byRule}` : ''}.`,
      `- Ranking: **${r.ranking.decision}**${r.ranking.versionId ? ` (\`${r.ranking.versionId}\`)` : ''}: ${r.ranking.reason}`,
      `- Variants: **${r.variants.decision}**${r.variants.versionId ? ` (\`${r.variants.versionId}\`)` : ''}` +
        `${r.variants.champion ? `, champion \`${r.variants.champion}\` vs \`${r.variants.challenger ?? ''}\`` : ''}: ${r.variants.reason}`,
      `- Index serving: \`${r.indexBefore}\`${r.indexAfter === r.indexBefore ? ' (unchanged)' : ` → \`${r.indexAfter}\``}; flywheel run ${(r.cycleMs / 1000).toFixed(1)} s.`,
      '',
    );
  }

  lines.push(
    '## How it was measured',
    '',
    "- Simulated agents act from the data set's own labels: every shown snippet labelled from the qrels; the reply closer to the gold reply " +
      '(token F1) preferred, a tie within 0.01, "both bad" when neither cites a snippet they found relevant; the closer reply inserted and the ' +
      'gold reply sent (outcome by edit similarity, as in the extension); missing knowledge reported when no shown snippet was relevant. ' +
      'Labels and preferences are flipped with the noise probability; position-biased agents pick the left reply regardless of content.',
    `- Retrieval metrics over the ranked documents (BEIR document ids) of the serving index; reply_f1 is the mean token F1 of the two candidates against the gold reply.`,
    `- adoption_rate: share of ${result.split} queries whose closer candidate has token F1 ≥ τ = ${result.tau} with the gold reply. τ is the median of ` +
      'that F1 over the train split before any feedback (at least 0.1): edit similarity of an extractive reply to a human one is almost never ≥ 0.5, ' +
      "so the extension's verbatim/edited rule would count nothing.",
    '',
  );
  return lines.join('\n');
}

function datasetName(path: string): string {
  return (
    path
      .replace(/[/\\]+$/, '')
      .split(/[/\\]/)
      .pop() || path
  );
}

const num = (v: number | null) => (v === null ? '–' : v.toFixed(4));
const pct = (v: number) => `${Math.round(v * 100)} %`;
const signed = (v: number, digits = 4) => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}`;
