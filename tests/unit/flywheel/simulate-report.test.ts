import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adoptionThreshold, type CycleMetrics, MIN_TAU } from '../../../backend/flywheel/simulate/measure.ts';
import { metricsSvg, PLOTTED } from '../../../backend/flywheel/simulate/plot.ts';
import { reportMarkdown, type SimulationResult, summaryJson, writeReport } from '../../../backend/flywheel/simulate/report.ts';

const rows: CycleMetrics[] = [
  { cycle: 0, 'recall@75': 0.983, 'precision@8': 0.3414, mrr: 0.8301, 'ndcg@10': 0.7771, reply_f1: 0.2047, adoption_rate: 0.49 },
  { cycle: 1, 'recall@75': 0.9912, 'precision@8': 0.3987, mrr: 0.9123, 'ndcg@10': 0.8456, reply_f1: 0.2133, adoption_rate: 0.55 },
];

const result: SimulationResult = {
  dataset: '/data/dstc11/',
  split: 'test',
  settings: {
    cycles: 1,
    agents: 8,
    positionBiased: 2,
    leftRate: 0.85,
    noise: 0.1,
    seed: 1,
    perCycle: 1497,
    trainQueries: 1497,
    testQueries: 632,
    store: null,
  },
  tau: 0.2105,
  cycles: rows,
  runs: [
    {
      cycle: 1,
      traffic: {
        suggestions: 1497,
        sent: { relevance: 11976, preference: 1497, adoption: 1497, rationale: 0, missing_knowledge: 40 },
        batches: 160,
        accepted: 15010,
        duplicate: 0,
        rejected: 0,
        refusals: [],
      },
      runId: 'run-1',
      status: 'promoted',
      gate: { total: 15010, passed: 14000, reduced: 900, setAside: 110, byRule: { position_bias: 380, disagreement: 0 } },
      ranking: { decision: 'promoted', versionId: 'ranking-1', reason: 'ndcg@10 0.7 → 0.8 <better>' },
      variants: { decision: 'kept', reason: 'too few comparisons', champion: 'extractive-concise@2', challenger: 'extractive-detailed@2' },
      indexBefore: 'bm25f@a',
      indexAfter: 'bm25f@b',
      trafficMs: 20_000,
      cycleMs: 5_000,
    },
  ],
  wallMs: 61_000,
};

describe('metricsSvg', () => {
  const svg = metricsSvg(rows, 'dstc11 <test>');

  it('is one well-formed SVG document with a panel per metric and every value written out', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('dstc11 &lt;test&gt;');
    for (const m of PLOTTED) expect(svg).toContain(`>${m}</text>`);
    for (const v of ['0.983', '0.991', '0.341', '0.399', '0.830', '0.912', '0.205', '0.213', '0.490', '0.550']) expect(svg).toContain(`>${v}</text>`);
    expect(svg.match(/<polyline /g)).toHaveLength(PLOTTED.length);
    // Balanced tags: every opened element is closed or self-closing.
    const opened = (svg.match(/<(svg|g|text)[\s>]/g) ?? []).length;
    const closed = (svg.match(/<\/(svg|g|text)>/g) ?? []).length;
    expect(opened).toBe(closed);
    expect(svg).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('draws a single cycle and unmeasured metrics without breaking', () => {
    const one = metricsSvg([{ ...rows[0]!, reply_f1: null, adoption_rate: null }], 'x');
    expect(one).not.toMatch(/NaN|undefined|Infinity/);
    expect(one).toContain('not measured');
  });
});

describe('report', () => {
  it('has the before/after table with relative changes, the per-cycle table, the decisions and the plot link', () => {
    const md = reportMarkdown(result);
    expect(md).toContain('# Flywheel simulation: dstc11');
    expect(md).toContain('| precision@8 | 0.3414 | 0.3987 | +0.0573 | +16.8 % |');
    expect(md).toContain('| mrr | 0.8301 | 0.9123 | +0.0822 | +9.9 % |');
    expect(md).toContain('| 1 | 0.9912 | 0.3987 | 0.9123 | 0.8456 | 0.2133 | 0.5500 |');
    expect(md).toContain('Ranking: **promoted** (`ranking-1`): ndcg@10 0.7 → 0.8');
    expect(md).toContain('Variants: **kept**');
    expect(md).toContain('position_bias 380');
    expect(md).toContain('![metrics per cycle](plot.svg)');
    expect(md).toContain('τ = 0.2105');
  });

  it('writes report.md and plot.svg into the folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aitl-sim-report-'));
    try {
      const written = writeReport(join(dir, 'out'), result);
      expect(readFileSync(written.report, 'utf8')).toContain('## Per cycle');
      expect(readFileSync(written.plot, 'utf8')).toContain('</svg>');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("summarises as one JSON line whose cycles carry exactly the issue's metrics", () => {
    const json = summaryJson(result);
    expect(json).not.toContain('\n');
    const parsed = JSON.parse(json) as { dataset: string; cycles: Record<string, unknown>[] };
    expect(parsed.dataset).toBe('/data/dstc11/');
    expect(parsed.cycles.map((c) => Object.keys(c))).toEqual(
      rows.map(() => ['cycle', 'recall@75', 'precision@8', 'mrr', 'ndcg@10', 'reply_f1', 'adoption_rate']),
    );
  });
});

describe('adoptionThreshold', () => {
  it('is the median closer-candidate F1, at least MIN_TAU', () => {
    expect(adoptionThreshold([0.3, 0.1, 0.2])).toBe(0.2);
    expect(adoptionThreshold([0.3, 0.1, 0.2, 0.4])).toBe(0.25);
    expect(adoptionThreshold([0, 0, 0.05])).toBe(MIN_TAU);
    expect(adoptionThreshold([])).toBe(MIN_TAU);
  });
});
