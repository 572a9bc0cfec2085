// Flywheel history (GET /v1/insights/flywheel): each trained version, the held-out evidence it was judged on,
// promoted or kept and why; admins can restore an earlier promoted version (POST /v1/admin/flywheel/rollback).

import { $, el, num, postJson, when } from './api.js';
import { drawChart, labelMargin, PALETTE } from './charts.js';

const Plot = globalThis.Plot;

const STATUS_COLOURS = { promoted: '#15803d', kept: '#4b5563', retired: '#2563eb', rolled_back: '#b91c1c', candidate: '#a16207' };
const STATUS_WORDS = {
  promoted: 'promoted (serving)',
  kept: 'kept out',
  retired: 'retired (replaced)',
  rolled_back: 'rolled back',
  candidate: 'candidate',
};

/** One comparison as a line of text: "set (n): metric current → candidate (Δ diff ± se)". */
function evidenceLines(version) {
  return version.evidence.flatMap((e) =>
    Object.keys(e.metrics).length
      ? [
          `${e.set} (n = ${e.n}):`,
          ...Object.entries(e.metrics).map(
            ([m, v]) => `  ${m} ${num(v.current, 4)} → ${num(v.candidate, 4)} (Δ ${v.diff >= 0 ? '+' : ''}${num(v.diff, 4)} ± ${num(v.se, 4)})`,
          ),
        ]
      : [`${e.set} (n = ${e.n})`],
  );
}

/**
 * data: the flywheel answer (or {error}); runs: run labels shared with the other charts; role: the key's role;
 * reload: called after a rollback so every figure shows the restored version.
 */
export function drawFlywheel(data, runs, role, reload) {
  const current = $('current-versions');
  const list = $('flywheel-versions');
  if (data.error) {
    const message =
      data.error.status === 404 ? 'This server does not offer the flywheel history yet (404).' : `Could not load: ${data.error.message}`;
    current.replaceChildren(el('span', message));
    for (const id of ['chart-flywheel', 'chart-evidence']) $(id).replaceChildren(el('p', message, { class: 'empty failed' }));
    list.replaceChildren();
    return;
  }
  current.replaceChildren(...Object.entries(data.current).flatMap(([kind, id]) => [el('dt', kind), el('dd', id, { 'data-kind': kind })]));

  const versions = data.versions;
  const kinds = [...new Set([...Object.keys(data.current), ...versions.map((v) => v.kind)])];
  const rows = [...versions]
    .reverse()
    .map((v) => ({ ...v, run: v.runId ? runs.label(v.runId) : 'by hand', state: STATUS_WORDS[v.status] || v.status }));
  const states = [...new Set(rows.map((r) => r.state))];
  drawChart($('chart-flywheel'), {
    label: 'Trained versions per flywheel run and what became of each',
    summary: rows.length
      ? `${rows.length} trained version(s): ${states.map((s) => `${rows.filter((r) => r.state === s).length} ${s}`).join(', ')}. Serving now: ${Object.entries(
          data.current,
        )
          .map(([k, id]) => `${k} ${id}`)
          .join(', ')}.`
      : '',
    empty: 'No version trained yet: the flywheel has not run for this tenant.',
    rows,
    pointer: 'xy',
    tip: (v) => [`${v.id} (${v.kind}, ${v.run})`, `${v.state}: ${v.reason}`, ...evidenceLines(v).slice(0, 8)].join('\n'),
    at: (v) => ({ x: v.run, y: v.kind }),
    columns: [
      { label: 'Version', value: (v) => v.id },
      { label: 'Kind', value: (v) => v.kind },
      { label: 'Run', value: (v) => v.run },
      { label: 'Status', value: (v) => v.state },
      { label: 'Why', value: (v) => v.reason },
    ],
    plot: () => ({
      height: 60 + 44 * kinds.length,
      marginLeft: 80,
      x: { type: 'point', label: null, domain: [...new Set(rows.map((r) => r.run))], inset: 24 },
      y: { label: null, domain: kinds },
      color: {
        domain: states,
        range: states.map((s) => STATUS_COLOURS[Object.keys(STATUS_WORDS).find((k) => STATUS_WORDS[k] === s)] || PALETTE[8]),
        legend: true,
      },
      marks: [Plot.dot(rows, { x: 'run', y: 'kind', fill: 'state', r: 7, stroke: 'white' })],
    }),
  });

  drawEvidence(versions);

  list.replaceChildren();
  if (!versions.length) return;
  const table = el('table', undefined, { class: 'versions' });
  table.append(el('caption', 'Every trained version, newest first', { class: 'visually-hidden' }));
  const head = table.createTHead().insertRow();
  for (const h of ['Version', 'Status and why', 'Held-out evidence', '']) head.append(el('th', h, { scope: 'col' }));
  const body = table.createTBody();
  for (const v of versions) {
    const tr = body.insertRow();
    tr.dataset.version = v.id;
    const name = el('th', undefined, { scope: 'row' });
    name.append(el('code', v.id), el('div', `${v.kind} · ${v.runId ? runs.label(v.runId) : 'by hand'} · ${when(v.createdAt)}`, { class: 'muted' }));
    const why = el('td');
    why.append(el('span', STATUS_WORDS[v.status] || v.status, { class: `badge status-${v.status}` }), el('div', v.reason));
    const evidence = el('td');
    const lines = evidenceLines(v);
    if (lines.length) evidence.append(el('pre', lines.join('\n'), { class: 'evidence' }));
    else evidence.append(el('span', 'none recorded', { class: 'muted' }));
    const action = el('td');
    if (v.restorable && role === 'admin') action.append(rollbackButton(v, reload));
    else if (v.restorable) action.append(el('span', 'an admin can restore it', { class: 'muted' }));
    tr.append(name, why, evidence, action);
  }
  list.append(table);
}

/**
 * The metric a version was decided on: the first one its reason names (the registry writes "ndcg@10 does not
 * improve…", "recall@75 regresses…"), else ndcg@10, else its first.
 */
function headline(version) {
  const metrics = Object.keys(version.evidence[0].metrics);
  return metrics.find((m) => version.reason.includes(m)) || (metrics.includes('ndcg@10') ? 'ndcg@10' : metrics[0]);
}

/** Each candidate's change on its first held-out set, candidate − current, ± 1.96 standard errors, against 0. */
function drawEvidence(versions) {
  const rows = versions
    .filter((v) => v.evidence.length && Object.keys(v.evidence[0].metrics).length)
    .map((v) => {
      const set = v.evidence[0];
      const metric = headline(v);
      const m = set.metrics[metric];
      return { ...v, set, metric, diff: m.diff, low: m.diff - 1.96 * m.se, high: m.diff + 1.96 * m.se, state: STATUS_WORDS[v.status] || v.status };
    });
  const signed = (x) => `${x >= 0 ? '+' : ''}${num(x, 4)}`;
  const states = [...new Set(rows.map((r) => r.state))];
  drawChart($('chart-evidence'), {
    label: 'Held-out change of each trained version on its first check set (candidate − current, with 95 % intervals)',
    summary: rows.length
      ? `Held-out evidence: ${rows.map((r) => `${r.id} ${r.metric} ${signed(r.diff)} (95 % interval ${signed(r.low)} to ${signed(r.high)}), ${r.state}`).join('; ')}.`
      : '',
    empty: 'No held-out comparison recorded yet (variants are judged on A/B choices, not on check sets).',
    rows,
    pointer: 'y',
    tip: (r) =>
      [
        `${r.id}: ${r.state}`,
        `${r.metric} ${signed(r.diff)} (95 % interval ${signed(r.low)} to ${signed(r.high)})`,
        ...evidenceLines({ evidence: [r.set] }),
      ].join('\n'),
    at: (r) => ({ x: r.diff, y: r.id }),
    columns: [
      { label: 'Version', value: (r) => r.id },
      { label: 'Status', value: (r) => r.state },
      { label: 'Check set', value: (r) => `${r.set.set} (n = ${r.set.n})` },
      { label: 'Metric', value: (r) => r.metric },
      { label: 'Change', value: (r) => signed(r.diff) },
      { label: '95 % interval', value: (r) => `${signed(r.low)} to ${signed(r.high)}` },
    ],
    plot: () => ({
      height: 70 + 30 * rows.length,
      marginLeft: labelMargin(rows.map((r) => r.id)),
      x: { label: 'candidate − current on held-out checks', tickFormat: '+.3f', grid: true, inset: 12 },
      y: { label: null, domain: rows.map((r) => r.id) },
      color: {
        domain: states,
        range: states.map((s) => STATUS_COLOURS[Object.keys(STATUS_WORDS).find((k) => STATUS_WORDS[k] === s)] || PALETTE[8]),
        legend: true,
      },
      marks: [
        Plot.ruleX([0], { stroke: '#4b5563' }),
        Plot.ruleY(rows, { y: 'id', x1: 'low', x2: 'high', stroke: 'state', strokeWidth: 2 }),
        Plot.dot(rows, { y: 'id', x: 'diff', fill: 'state', r: 4.5 }),
      ],
    }),
  });
}

function rollbackButton(version, reload) {
  const button = el('button', 'Roll back', { type: 'button', class: 'danger', 'aria-label': `Roll back to ${version.id}` });
  button.addEventListener('click', async () => {
    const status = $('rollback-status');
    // A rollback changes what every agent of the tenant is served at once: ask first.
    if (!window.confirm(`Make ${version.id} the ${version.kind} version that every agent is served, from now on?`)) return;
    button.disabled = true;
    status.className = 'status-line';
    status.textContent = `Rolling back to ${version.id}…`;
    try {
      const done = await postJson('/v1/admin/flywheel/rollback', { version: version.id });
      status.textContent = `Rolled back ${done.kind}: ${done.from} → ${done.to}. Agents are served ${done.to} now.`;
      await reload();
    } catch (error) {
      status.className = 'status-line failed';
      status.textContent = `Rollback refused: ${error.message}`;
      button.disabled = false;
    }
  });
  return button;
}
