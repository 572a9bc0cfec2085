// One way to put a chart on the page: Observable Plot draws it; this file only adds what every chart here must have.
//
// Why Observable Plot (@observablehq/plot 0.6, ISC, by the d3 team, released every few months):
// - it draws SVG, so a chart is part of the document: it takes role="img" and an aria-label, its text is real text
//   (drawn from the API's strings as text nodes, never parsed as HTML), and it prints and zooms sharply;
// - its marks say what we mean (stacked bars, dots with rule marks for confidence intervals, reference rules) and
//   its `tip` mark with the pointer transforms gives hover read-outs without hand-drawn chart code;
// - its UMD build (209 kB minified, 69 kB gzipped, plus d3's 281 kB / 92 kB) runs under `script-src 'self'`: no eval.
//   (d3-dsv's CSV parser builds a function with `new Function`; nothing here calls it.)
// uPlot (≈50 kB) and Chart.js (≈200 kB) draw on a canvas: nothing inside is in the accessibility tree and every
// read-out, table and label would be ours to build and keep in step; uPlot has no interval or stacked-bar marks.
// What Plot lacks, added here: numbers on keyboard focus (arrow keys move the same tip the mouse shows), a table
// view with the same numbers, an empty state in words, no inline <style> (the CSP forbids it; analyst.css has it).

const Plot = globalThis.Plot;

/** Categorical colours, each at least 4.5:1 against white (WCAG AA for text, 3:1 is the bar for graphics). */
export const PALETTE = ['#2563eb', '#c2410c', '#15803d', '#7c3aed', '#b91c1c', '#0f766e', '#be185d', '#a16207', '#4b5563', '#1d2330'];
export const INK = '#1d2330';

let serial = 0;
const rendered = new Map(); // container → spec, to draw again at a new width

/**
 * Draws a chart into `container` (emptied first).
 * spec: {
 *   label: what the chart is (the table's caption),
 *   summary: one sentence with its gist (the SVG's aria-label), computed by the caller from the numbers,
 *   empty: the words shown instead when `rows` is empty,
 *   rows: one item per thing pointed at (a day, a variant, a run…): its tip and its table row,
 *   tip(row): the read-out, lines separated by \n,
 *   at(row): {x, y} where the tip points, in data units,
 *   pointer: 'x' | 'y' | 'xy' (pointerX suits a time series, pointerY horizontal bars),
 *   columns: [{label, value(row)}] for the table view,
 *   plot(width): Plot.plot options with the chart's marks (the tip is added here),
 * }
 */
export function drawChart(container, spec) {
  rendered.set(container, spec);
  container.replaceChildren();
  if (!spec.rows.length) {
    container.append(text('p', spec.empty, 'empty'));
    return;
  }
  const width = Math.max(320, container.clientWidth || 600);
  const options = spec.plot(width);
  const pointer = { x: Plot.pointerX, y: Plot.pointerY, xy: Plot.pointer }[spec.pointer || 'x'];
  const tip = Plot.tip(spec.rows, pointer({ x: (r) => spec.at(r).x, y: (r) => spec.at(r).y, title: spec.tip, fontSize: 12, lineHeight: 1.25 }));
  const figure = Plot.plot({ width, className: 'aitl-plot', style: { fontSize: '12px' }, ...options, marks: [...options.marks, tip] });
  // Plot puts a <style> in every chart and legend; the page's CSP refuses inline styles, so analyst.css carries
  // those rules and the refused elements go before they reach the document (no CSP violation is reported).
  for (const style of figure.querySelectorAll('style')) style.remove();
  const svg = figure instanceof SVGSVGElement ? figure : [...figure.children].find((n) => n.localName === 'svg');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', spec.summary);
  svg.removeAttribute('aria-description');
  container.append(figure);
  keyboard(svg, figure, spec, container);
  container.append(tableView(spec));
}

/** Draws every chart again at its container's new width once the window stops resizing. */
let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    for (const [container, spec] of rendered) if (container.isConnected) drawChart(container, spec);
  }, 200);
});

/**
 * Keyboard focus shows the numbers too: the chart is one tab stop; on focus and on ←/→ (↑/↓, Home, End) the tip
 * moves to the next row, by sending the chart the pointer event a mouse there would, so hover and keyboard show the
 * very same tip. A polite live region repeats the read-out for screen readers.
 */
function keyboard(svg, figure, spec, container) {
  svg.setAttribute('tabindex', '0');
  const readout = text('p', '', 'visually-hidden');
  readout.setAttribute('aria-live', 'polite');
  container.append(readout);
  let current = 0;
  const show = () => {
    const row = spec.rows[current];
    const { x, y } = spec.at(row);
    const px = position(figure, 'x', x);
    const py = position(figure, 'y', y);
    const box = svg.getBoundingClientRect();
    const [vbWidth, vbHeight] = (svg.getAttribute('viewBox') || '').split(' ').slice(2).map(Number);
    const sx = vbWidth ? box.width / vbWidth : 1;
    const sy = vbHeight ? box.height / vbHeight : 1;
    const clientX = box.left + (px ?? vbWidth / 2) * sx;
    const clientY = box.top + (py ?? vbHeight / 2) * sy;
    svg.dispatchEvent(new PointerEvent('pointermove', { clientX, clientY, pointerType: 'mouse', bubbles: true }));
    readout.textContent = spec.tip(row).replaceAll('\n', '; ');
  };
  svg.addEventListener('focus', show);
  svg.addEventListener('blur', () => svg.dispatchEvent(new PointerEvent('pointerleave', { pointerType: 'mouse' })));
  svg.addEventListener('keydown', (event) => {
    const last = spec.rows.length - 1;
    const next = { ArrowRight: current + 1, ArrowDown: current + 1, ArrowLeft: current - 1, ArrowUp: current - 1, Home: 0, End: last }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    current = Math.min(last, Math.max(0, next));
    show();
  });
}

/** Where a data value lands on a scale of the chart, the middle of its band for bands; undefined without the scale. */
function position(figure, name, value) {
  const scale = figure.scale(name);
  if (!scale || value === undefined || value === null) return undefined;
  const p = scale.apply(value);
  return Number.isFinite(p) ? p + (scale.bandwidth ? scale.bandwidth / 2 : 0) : undefined;
}

/**
 * The same numbers as a table: in the accessibility tree always (visually hidden), shown on screen by its toggle.
 */
function tableView(spec) {
  const id = `table-view-${++serial}`;
  const wrap = document.createElement('div');
  // "Show table" on every chart: the hidden rest of its name says which one, for lists of buttons.
  const verb = text('span', 'Show table');
  const button = text('button', '', 'table-toggle');
  button.append(verb, text('span', `: ${spec.label}`, 'visually-hidden'));
  button.type = 'button';
  button.setAttribute('aria-expanded', 'false');
  button.setAttribute('aria-controls', id);
  const holder = document.createElement('div');
  holder.id = id;
  holder.className = 'table-view visually-hidden';
  const table = document.createElement('table');
  table.append(text('caption', spec.label));
  const head = table.createTHead().insertRow();
  for (const c of spec.columns) {
    const th = text('th', c.label);
    th.scope = 'col';
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of spec.rows) {
    const tr = body.insertRow();
    spec.columns.forEach((c, i) => {
      const cell = text(i === 0 ? 'th' : 'td', c.value(row));
      if (i === 0) cell.scope = 'row';
      tr.append(cell);
    });
  }
  holder.append(table);
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    verb.textContent = open ? 'Hide table' : 'Show table';
    holder.classList.toggle('visually-hidden', !open);
  });
  wrap.append(button, holder);
  return wrap;
}

function text(tag, content, className) {
  const node = document.createElement(tag);
  node.textContent = content ?? '';
  if (className) node.className = className;
  return node;
}

/** Room for the longest category label on the left of a chart, within reason (12 px text). */
export const labelMargin = (labels) => Math.min(240, Math.max(60, 14 + 7 * Math.max(0, ...labels.map((l) => String(l).length))));

/** Wide rows → long rows for stacking: one per (row, key) with its count. */
export function longForm(rows, keyOf, keys) {
  return rows.flatMap((r) => keys.map((k) => ({ key: keyOf(r), series: k, value: r[k] ?? 0, row: r })));
}
