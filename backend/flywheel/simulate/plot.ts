/**
 * A hand-written SVG chart of the metrics per cycle: one small panel per metric (its own y range, so a change of
 * 0.01 shows), cycles on the x axis, every point labelled with its value. No dependencies; opens in any browser
 * and renders inline on GitHub.
 *
 *   writeFileSync('plot.svg', metricsSvg(rows, 'dstc11'));
 */
import type { CycleMetrics } from './measure.ts';

export const PLOTTED = ['recall@75', 'precision@8', 'mrr', 'ndcg@10', 'reply_f1', 'adoption_rate'] as const;
export type Plotted = (typeof PLOTTED)[number];

const PANEL = { width: 300, height: 190, left: 48, right: 16, top: 34, bottom: 30 };
const COLUMNS = 3;
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];

export function metricsSvg(rows: readonly CycleMetrics[], title: string): string {
  const panels = PLOTTED.map((metric, i) =>
    panel(rows, metric, COLOURS[i]!, (i % COLUMNS) * PANEL.width, 30 + Math.floor(i / COLUMNS) * PANEL.height),
  );
  const width = COLUMNS * PANEL.width;
  const height = 38 + Math.ceil(PLOTTED.length / COLUMNS) * PANEL.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(title)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

function panel(rows: readonly CycleMetrics[], metric: Plotted, colour: string, x0: number, y0: number): string {
  const points = rows.flatMap((r) => (r[metric] === null ? [] : [{ cycle: r.cycle, value: r[metric] as number }]));
  const plotW = PANEL.width - PANEL.left - PANEL.right;
  const plotH = PANEL.height - PANEL.top - PANEL.bottom;
  const cycles = rows.map((r) => r.cycle);
  const [cMin, cMax] = [Math.min(0, ...cycles), Math.max(1, ...cycles)];
  const values = points.map((p) => p.value);
  const [lo, hi] = yRange(values);
  const x = (c: number) => x0 + PANEL.left + ((c - cMin) / (cMax - cMin)) * plotW;
  const y = (v: number) => y0 + PANEL.top + (1 - (v - lo) / (hi - lo)) * plotH;
  const out = [
    `<g>`,
    `<text x="${x0 + PANEL.left}" y="${y0 + 18}" font-size="12" font-weight="bold" fill="${colour}">${escapeXml(metric)}</text>`,
    `<rect x="${x0 + PANEL.left}" y="${y0 + PANEL.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#cccccc"/>`,
    `<text x="${x0 + PANEL.left - 4}" y="${y(hi) + 4}" text-anchor="end" fill="#666666">${fmt(hi)}</text>`,
    `<text x="${x0 + PANEL.left - 4}" y="${y(lo) + 4}" text-anchor="end" fill="#666666">${fmt(lo)}</text>`,
    ...cycles.map((c) => `<text x="${x(c)}" y="${y0 + PANEL.height - 12}" text-anchor="middle" fill="#666666">${c}</text>`),
  ];
  if (points.length > 1)
    out.push(
      `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points.map((p) => `${r1(x(p.cycle))},${r1(y(p.value))}`).join(' ')}"/>`,
    );
  for (const p of points) {
    out.push(`<circle cx="${r1(x(p.cycle))}" cy="${r1(y(p.value))}" r="3" fill="${colour}"/>`);
    out.push(`<text x="${r1(x(p.cycle))}" y="${r1(y(p.value) - 7)}" text-anchor="middle">${fmt(p.value)}</text>`);
  }
  if (points.length === 0)
    out.push(`<text x="${x0 + PANEL.left + plotW / 2}" y="${y0 + PANEL.top + plotH / 2}" text-anchor="middle" fill="#666666">not measured</text>`);
  out.push(`<text x="${x0 + PANEL.left + plotW / 2}" y="${y0 + PANEL.height - 1}" text-anchor="middle" fill="#666666">cycle</text>`, '</g>');
  return out.join('\n');
}

/** The values' range with a margin (room for the labels), within 0..1, never empty. */
function yRange(values: readonly number[]): [number, number] {
  if (values.length === 0) return [0, 1];
  const [min, max] = [Math.min(...values), Math.max(...values)];
  const pad = Math.max(0.01, (max - min) * 0.25);
  return [Math.max(0, min - pad), Math.min(1, max + pad)].map((v) => Math.round(v * 1000) / 1000) as [number, number];
}

const fmt = (v: number) => v.toFixed(3);
const r1 = (v: number) => Math.round(v * 10) / 10;

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}
