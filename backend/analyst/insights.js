// The charts that say whether the flywheel is working, from GET /v1/insights/… (shared/insights.ts).
// Each card loads and fails on its own: one endpoint down leaves the others readable.

import { $, getJson, int, interval, num, pct } from './api.js';
import { drawChart, INK, labelMargin, longForm, PALETTE } from './charts.js';

const Plot = globalThis.Plot;

const SIGNALS = [
  ['preference', 'A/B choices', PALETTE[3]],
  ['adoption', 'adoptions', PALETTE[0]],
  ['rationale', 'reasons given', PALETTE[1]],
  ['relevance', 'snippet checks', PALETTE[5]],
  ['missing_knowledge', 'missing knowledge', PALETTE[6]],
];
const OUTCOMES = [
  ['verbatim', 'sent verbatim', '#15803d'],
  ['edited', 'edited, then sent', '#2563eb'],
  ['rejected', 'rejected', '#b91c1c'],
  ['ignored', 'ignored', '#4b5563'],
];
const SIGNAL_NAME = { relevance: 'snippet relevance', preference: 'A/B preference' };

const day = (s) => new Date(`${s}T00:00:00Z`);
const noon = (s) => new Date(Date.parse(`${s}T12:00:00Z`));
const sum = (rows, f) => rows.reduce((n, r) => n + f(r), 0);
const names = (pairs) => Object.fromEntries(pairs.map(([k, label]) => [k, label]));

/** Card → its chart containers; a failed call shows its message in each. */
function failed(ids, error) {
  for (const id of ids) {
    const p = document.createElement('p');
    p.className = 'empty failed';
    p.textContent = error.status === 404 ? 'This server does not offer these figures yet (404).' : `Could not load: ${error.message}`;
    $(id).replaceChildren(p);
  }
}

/** Loads every insights card for the window; returns the flywheel answer (the flywheel section draws it). */
export async function loadInsights(range) {
  const query = `?from=${encodeURIComponent(range.from)}&to=${encodeURIComponent(range.to)}`;
  const cards = {
    activity: [['chart-activity'], drawActivity],
    adoption: [['chart-adoption-days', 'chart-adoption-variants'], drawAdoption],
    preferences: [['chart-preferences', 'chart-position'], drawPreferences],
    relevance: [['chart-relevance'], drawRelevance],
    agreement: [['chart-agreement-pairwise', 'chart-agreement-kappa', 'chart-agreement-agents'], drawAgreement],
    gate: [['chart-gate'], drawGate],
  };
  const answers = {};
  await Promise.all(
    [...Object.keys(cards), 'flywheel'].map(async (name) => {
      try {
        answers[name] = await getJson(`/v1/insights/${name}${name === 'flywheel' ? '' : query}`);
      } catch (error) {
        answers[name] = { error };
      }
    }),
  );
  const runs = runLabels(answers);
  chartStart = startOfData(range, answers.activity.error ? undefined : answers.activity);
  for (const [name, [ids, draw]] of Object.entries(cards)) {
    if (answers[name].error) failed(ids, answers[name].error);
    else draw(answers[name], range, runs);
  }
  return { flywheel: answers.flywheel, runs };
}

/**
 * Flywheel runs are named "Run 1", "Run 2"… in the order they started, the same in every chart (agreement, gate,
 * flywheel history), counted over the runs this page has seen.
 */
function runLabels(answers) {
  const at = new Map();
  for (const name of ['agreement', 'gate']) for (const r of answers[name]?.runs || []) at.set(r.runId, r.at);
  for (const v of answers.flywheel?.versions || []) if (v.runId && !at.has(v.runId)) at.set(v.runId, v.createdAt);
  const ordered = [...at].sort((a, b) => Date.parse(a[1]) - Date.parse(b[1]));
  const labels = new Map(ordered.map(([id], i) => [id, `Run ${i + 1}`]));
  return { label: (id) => labels.get(id) || 'no run', at: (id) => at.get(id) };
}

/**
 * Time charts start at the window's start, or later when the first signal came later (at least two weeks shown):
 * a tenant that began last week should not see three months of empty axis. Set from the activity answer.
 */
let chartStart;
function startOfData(range, activity) {
  const first = activity?.days?.find((d) => SIGNALS.some(([k]) => d[k] > 0) || d.suggestions > 0);
  const from = Date.parse(range.from);
  const twoWeeks = Date.parse(range.to) - 14 * 86_400_000;
  return new Date(first ? Math.max(from, Math.min(day(first.day).getTime() - 86_400_000, twoWeeks)) : from);
}
/** …and end at the next UTC midnight, so today's bar fits (the API counts whole UTC days too). */
const endOfDay = (iso) => new Date(Math.ceil(Date.parse(iso) / 86_400_000) * 86_400_000);
const timeAxis = (range) => ({ type: 'utc', domain: [chartStart, endOfDay(range.to)], label: null });

const colours = (pairs, extra = []) => ({
  domain: [...pairs.map((p) => p[1]), ...extra.map((e) => e[0])],
  range: [...pairs.map((p) => p[2]), ...extra.map((e) => e[1])],
  legend: true,
});

/** Counts per day as bars, stacked by series ([key, name] pairs, coloured by name). */
function dailyStack(rows, series) {
  const label = names(series);
  const long = longForm(
    rows,
    (r) => day(r.day),
    series.map(([k]) => k),
  );
  return Plot.rectY(long, { x: 'key', interval: 'day', y: 'value', fill: (d) => label[d.series], stroke: 'white', strokeWidth: 0.5, inset: 0.5 });
}

function drawActivity(data, range) {
  const rows = data.days.map((d) => ({ ...d, signals: sum(SIGNALS, ([k]) => d[k]) })).filter((d) => d.signals + d.suggestions > 0);
  const busiest = rows.reduce((b, r) => (!b || r.signals > b.signals ? r : b), undefined);
  drawChart($('chart-activity'), {
    label: 'Suggestions shown and signals received per day (UTC)',
    summary: rows.length
      ? `Activity: ${int(sum(rows, (r) => r.suggestions))} suggestions shown and ${int(sum(rows, (r) => r.signals))} signals on ${rows.length} day(s); busiest ${busiest.day} with ${int(busiest.signals)} signals.`
      : '',
    empty: 'No signals in this window yet.',
    rows,
    tip: (r) =>
      [
        r.day,
        `suggestions shown: ${int(r.suggestions)}`,
        `signals: ${int(r.signals)}`,
        ...SIGNALS.map(([k, name]) => `  ${name}: ${int(r[k])}`),
      ].join('\n'),
    at: (r) => ({ x: noon(r.day), y: Math.max(r.signals, r.suggestions) }),
    columns: [
      { label: 'Day', value: (r) => r.day },
      { label: 'Suggestions shown', value: (r) => int(r.suggestions) },
      ...SIGNALS.map(([k, name]) => ({ label: name, value: (r) => int(r[k]) })),
    ],
    plot: () => ({
      height: 240,
      marginLeft: 50,
      x: timeAxis(range),
      y: { grid: true, label: 'per day' },
      color: colours(SIGNALS, [['suggestions shown', INK]]),
      marks: [
        dailyStack(rows, SIGNALS),
        Plot.lineY(rows, { x: (r) => noon(r.day), y: 'suggestions', stroke: () => 'suggestions shown', strokeWidth: 2 }),
        Plot.dot(rows, { x: (r) => noon(r.day), y: 'suggestions', fill: () => 'suggestions shown', r: 4.5, stroke: 'white' }),
        Plot.ruleY([0]),
      ],
    }),
  });
}

function drawAdoption(data, range) {
  const label = names(OUTCOMES);
  const total = (r) => sum(OUTCOMES, ([k]) => r[k]);
  const adopted = (r) => (total(r) ? (r.verbatim + r.edited) / total(r) : null);
  const days = data.days.filter((d) => total(d) > 0);
  const outcomeLines = (r) => OUTCOMES.map(([k, name]) => `  ${name}: ${int(r[k])}`);
  const outcomeColumns = OUTCOMES.map(([k, name]) => ({ label: name, value: (r) => int(r[k]) }));
  drawChart($('chart-adoption-days'), {
    label: 'What became of suggestions, per day (UTC)',
    summary: days.length
      ? `Adoption outcomes on ${days.length} day(s): ${OUTCOMES.map(([k, name]) => `${int(sum(days, (d) => d[k]))} ${name}`).join(', ')}.`
      : '',
    empty: 'No suggestion was sent, rejected or ignored in this window yet.',
    rows: days,
    tip: (r) => [r.day, `outcomes: ${int(total(r))}, sent ${pct(adopted(r))}`, ...outcomeLines(r)].join('\n'),
    at: (r) => ({ x: noon(r.day), y: total(r) }),
    columns: [{ label: 'Day', value: (r) => r.day }, ...outcomeColumns, { label: 'Sent (verbatim or edited)', value: (r) => pct(adopted(r)) }],
    plot: () => ({
      height: 220,
      marginLeft: 50,
      x: timeAxis(range),
      y: { grid: true, label: 'outcomes per day' },
      color: colours(OUTCOMES),
      marks: [dailyStack(days, OUTCOMES), Plot.ruleY([0])],
    }),
  });
  const variants = data.variants.filter((v) => total(v) > 0);
  drawChart($('chart-adoption-variants'), {
    label: 'Outcomes per reply variant (the variant inserted; "none" when nothing was)',
    summary: variants.length
      ? `Adoption per reply variant: ${variants.map((v) => `${v.variant} ${pct(v.adoptionRate)} adopted of ${int(total(v))}`).join('; ')}.`
      : '',
    empty: 'No adoption outcomes per variant in this window yet.',
    rows: variants,
    pointer: 'y',
    tip: (r) => [r.variant, `adoption rate: ${pct(r.adoptionRate)} of ${int(total(r))}`, ...outcomeLines(r)].join('\n'),
    at: (r) => ({ x: 1, y: r.variant }),
    columns: [{ label: 'Variant', value: (r) => r.variant }, ...outcomeColumns, { label: 'Adoption rate', value: (r) => pct(r.adoptionRate) }],
    plot: () => ({
      height: 50 + 34 * variants.length,
      marginLeft: labelMargin(variants.map((v) => v.variant)),
      x: { label: 'share of outcomes', tickFormat: '%', domain: [0, 1] },
      y: { label: null, domain: variants.map((v) => v.variant) },
      color: colours(OUTCOMES),
      marks: [
        Plot.barX(
          longForm(
            variants,
            (r) => r.variant,
            OUTCOMES.map((o) => o[0]),
          ),
          Plot.stackX({
            x: 'value',
            y: 'key',
            fill: (d) => label[d.series],
            offset: 'normalize',
            order: OUTCOMES.map((o) => o[1]),
            stroke: 'white',
            strokeWidth: 0.5,
          }),
        ),
        Plot.ruleX([0]),
      ],
    }),
  });
}

/** Dot at the value, a rule across its 95 % interval, a dashed rule at ½ (a coin flip). */
function intervalMarks(rows, y, p, colour) {
  const present = rows.filter((r) => p(r).value !== null);
  return [
    Plot.ruleX([0.5], { stroke: '#4b5563', strokeDasharray: '4 3' }),
    Plot.ruleY(present, { y, x1: (r) => p(r).low, x2: (r) => p(r).high, stroke: colour, strokeWidth: 2 }),
    Plot.tickX(present, { y, x: (r) => p(r).low, stroke: colour }),
    Plot.tickX(present, { y, x: (r) => p(r).high, stroke: colour }),
    Plot.dot(present, { y, x: (r) => p(r).value, fill: colour, r: 4.5 }),
  ];
}

function drawPreferences(data) {
  const variants = data.variants.filter((v) => v.winRate.n > 0);
  const proportion = (p) => `${pct(p.value)} (95 % CI ${interval(p)}, n = ${int(p.n)})`;
  drawChart($('chart-preferences'), {
    label: 'Win rate per reply variant in A/B choices, with 95 % intervals',
    summary: variants.length
      ? `Win rates: ${variants.map((v) => `${v.variant} ${pct(v.winRate.value)} (95 % CI ${interval(v.winRate)})`).join('; ')}. 50 % is a coin flip.`
      : '',
    empty: 'No A/B choices in this window yet.',
    rows: variants,
    pointer: 'y',
    tip: (r) =>
      [
        r.variant,
        `win rate: ${proportion(r.winRate)}`,
        `${int(r.wins)} wins, ${int(r.losses)} losses, ${int(r.ties)} ties, ${int(r.bothBad)} both bad`,
      ].join('\n'),
    at: (r) => ({ x: r.winRate.value, y: r.variant }),
    columns: [
      { label: 'Variant', value: (r) => r.variant },
      { label: 'Win rate', value: (r) => pct(r.winRate.value, 1) },
      { label: '95 % interval', value: (r) => interval(r.winRate) },
      { label: 'Wins', value: (r) => int(r.wins) },
      { label: 'Losses', value: (r) => int(r.losses) },
      { label: 'Ties', value: (r) => int(r.ties) },
      { label: 'Both bad', value: (r) => int(r.bothBad) },
    ],
    plot: () => ({
      height: 50 + 34 * variants.length,
      marginLeft: labelMargin(variants.map((v) => v.variant)),
      x: { domain: [0, 1], tickFormat: '%', label: 'win rate (ties count half)', grid: true },
      y: { label: null, domain: variants.map((v) => v.variant) },
      marks: intervalMarks(variants, 'variant', (r) => r.winRate, PALETTE[0]),
    }),
  });
  const bias = data.positionBias;
  const rows = bias.n > 0 ? [{ what: 'left reply picked', p: bias }] : [];
  drawChart($('chart-position'), {
    label: 'Position bias: share of left picks among left/right choices, with its 95 % interval',
    summary: rows.length ? `Agents picked the left reply in ${proportion(bias)} of their choices; 50 % means no position bias.` : '',
    empty: 'No left/right choices in this window yet, so no position bias to measure.',
    rows,
    pointer: 'y',
    tip: (r) => [`left reply picked: ${proportion(r.p)}`, '50 % means no position bias'].join('\n'),
    at: (r) => ({ x: r.p.value, y: r.what }),
    columns: [
      { label: 'Measure', value: (r) => r.what },
      { label: 'Share', value: (r) => pct(r.p.value, 1) },
      { label: '95 % interval', value: (r) => interval(r.p) },
      { label: 'Choices', value: (r) => int(r.p.n) },
    ],
    plot: () => ({
      height: 90,
      marginLeft: labelMargin(data.variants.map((v) => v.variant).concat(['left reply picked'])),
      x: { domain: [0, 1], tickFormat: '%', label: 'share of left picks', grid: true },
      y: { label: null },
      marks: intervalMarks(rows, 'what', (r) => r.p, PALETTE[1]),
    }),
  });
}

function drawRelevance(data, range) {
  const weeks = data.weeks.filter((w) => w.checked > 0);
  drawChart($('chart-relevance'), {
    label: 'Precision of the snippets shown, per week (relevant + half of partly relevant, over checked), with 95 % intervals',
    summary: weeks.length
      ? `Snippet precision over ${weeks.length} week(s): ${weeks.map((w) => `week of ${w.week} ${pct(w.precision.value)} (95 % CI ${interval(w.precision)}, ${int(w.checked)} checked)`).join('; ')}.`
      : '',
    empty: 'No snippet was checked for relevance in this window yet.',
    rows: weeks,
    tip: (r) =>
      [
        `week of ${r.week}`,
        `precision: ${pct(r.precision.value)} (95 % CI ${interval(r.precision)})`,
        `checked: ${int(r.checked)}`,
        `  relevant: ${int(r.relevant)}`,
        `  partly: ${int(r.partly)}`,
        `  irrelevant: ${int(r.irrelevant)}`,
      ].join('\n'),
    at: (r) => ({ x: day(r.week), y: r.precision.value }),
    columns: [
      { label: 'Week of', value: (r) => r.week },
      { label: 'Precision', value: (r) => pct(r.precision.value, 1) },
      { label: '95 % interval', value: (r) => interval(r.precision) },
      { label: 'Checked', value: (r) => int(r.checked) },
      { label: 'Relevant', value: (r) => int(r.relevant) },
      { label: 'Partly', value: (r) => int(r.partly) },
      { label: 'Irrelevant', value: (r) => int(r.irrelevant) },
    ],
    plot: () => ({
      height: 220,
      marginLeft: 50,
      x: timeAxis(range),
      y: { domain: [0, 1], tickFormat: '%', label: 'precision', grid: true },
      marks: [
        Plot.ruleX(weeks, { x: (r) => day(r.week), y1: (r) => r.precision.low, y2: (r) => r.precision.high, stroke: PALETTE[5], strokeWidth: 2 }),
        Plot.lineY(weeks, { x: (r) => day(r.week), y: (r) => r.precision.value, stroke: PALETTE[5] }),
        Plot.dot(weeks, { x: (r) => day(r.week), y: (r) => r.precision.value, fill: PALETTE[5], r: 4 }),
      ],
    }),
  });
}

function drawAgreement(data, _range, runs) {
  const signals = ['relevance', 'preference'];
  const rows = data.runs.map((r) => ({ ...r, label: runs.label(r.runId) }));
  const perSignal = rows.flatMap((r) => signals.map((s) => ({ label: r.label, signal: SIGNAL_NAME[s], ...r[s] })));
  const runColumns = [
    { label: 'Run', value: (r) => r.label },
    { label: 'Started', value: (r) => new Date(r.at).toLocaleString() },
  ];
  const signalLines = (r, what) =>
    signals.map((s) => `  ${SIGNAL_NAME[s]}: ${what(r[s])} (${int(r[s].groups)} shared items, ${int(r[s].ratings)} votes)`);
  const signalColours = { domain: signals.map((s) => SIGNAL_NAME[s]), range: [PALETTE[5], PALETTE[3]], legend: true };
  const lines = (y) => [
    Plot.lineY(
      perSignal.filter((d) => d[y] !== null),
      { x: 'label', y, stroke: 'signal', strokeWidth: 2 },
    ),
    Plot.dot(
      perSignal.filter((d) => d[y] !== null),
      { x: 'label', y, fill: 'signal', r: 4 },
    ),
  ];
  const highest = (r, y) => Math.max(...signals.map((s) => r[s][y] ?? -Infinity).filter(Number.isFinite), 0);
  const newest = rows[rows.length - 1];
  drawChart($('chart-agreement-pairwise'), {
    label: 'Pairwise agreement between agents at each flywheel run',
    summary: newest
      ? `Pairwise agreement at ${newest.label} (newest of ${rows.length}): ${signals.map((s) => `${SIGNAL_NAME[s]} ${pct(newest[s].pairwise)}`).join(', ')}.`
      : '',
    empty: 'No flywheel run in this window yet: agreement is measured at each run.',
    rows,
    tip: (r) => [`${r.label}, ${new Date(r.at).toLocaleString()}`, 'pairwise agreement:', ...signalLines(r, (a) => pct(a.pairwise))].join('\n'),
    at: (r) => ({ x: r.label, y: highest(r, 'pairwise') }),
    columns: [
      ...runColumns,
      ...signals.map((s) => ({ label: `${SIGNAL_NAME[s]}: pairwise`, value: (r) => pct(r[s].pairwise, 1) })),
      ...signals.map((s) => ({ label: `${SIGNAL_NAME[s]}: shared items`, value: (r) => int(r[s].groups) })),
    ],
    plot: () => ({
      height: 200,
      marginLeft: 50,
      x: { type: 'point', label: null, domain: rows.map((r) => r.label), inset: 20 },
      y: { domain: [0, 1], tickFormat: '%', label: 'agreeing pairs', grid: true },
      color: signalColours,
      marks: lines('pairwise'),
    }),
  });
  drawChart($('chart-agreement-kappa'), {
    label: "Fleiss' kappa between agents at each flywheel run",
    summary: newest
      ? `Fleiss' kappa at ${newest.label}: ${signals.map((s) => `${SIGNAL_NAME[s]} ${num(newest[s].kappa)}`).join(', ')} (1 is perfect agreement, 0 is chance).`
      : '',
    empty: 'No flywheel run in this window yet.',
    rows,
    tip: (r) =>
      [`${r.label}, ${new Date(r.at).toLocaleString()}`, "Fleiss' kappa (0 = chance, 1 = perfect):", ...signalLines(r, (a) => num(a.kappa))].join(
        '\n',
      ),
    at: (r) => ({ x: r.label, y: highest(r, 'kappa') }),
    columns: [...runColumns, ...signals.map((s) => ({ label: `${SIGNAL_NAME[s]}: kappa`, value: (r) => num(r[s].kappa, 3) }))],
    plot: () => ({
      height: 200,
      marginLeft: 50,
      x: { type: 'point', label: null, domain: rows.map((r) => r.label), inset: 20 },
      y: { domain: [Math.min(0, ...perSignal.map((d) => d.kappa ?? 0)), 1], label: 'kappa', grid: true },
      color: signalColours,
      marks: [Plot.ruleY([0], { stroke: '#4b5563' }), ...lines('kappa')],
    }),
  });
  const measures = [
    ['relevance', 'agrees on relevance', PALETTE[5], 'relevanceVotes'],
    ['preference', 'agrees on A/B choices', PALETTE[3], 'preferenceVotes'],
    ['leftShare', 'picks the left reply', PALETTE[1], 'leftRightChoices'],
  ];
  const agents = data.agents;
  const dots = agents.flatMap((a) =>
    measures.filter(([k]) => a[k] !== null && a[k] !== undefined).map(([k, name]) => ({ agent: a.agent, measure: name, value: a[k] })),
  );
  const votes = (a, n) => (a[n] === undefined ? '' : ` of ${int(a[n])}`);
  drawChart($('chart-agreement-agents'), {
    label: `Each agent at ${data.agentsRunId ? runs.label(data.agentsRunId) : 'the newest run'}: share of votes agreeing with the majority, and share of left picks`,
    summary: agents.length
      ? `${agents.length} agents. ${agents.map((a) => `${a.agent}: relevance ${pct(a.relevance)}, A/B ${pct(a.preference)}, left picks ${pct(a.leftShare)}`).join('; ')}.`
      : '',
    empty: 'No per-agent agreement recorded in this window yet (it is measured at each flywheel run).',
    rows: agents,
    pointer: 'y',
    tip: (a) => [a.agent, `${int(a.annotations)} signals`, ...measures.map(([k, name, , n]) => `${name}: ${pct(a[k])}${votes(a, n)}`)].join('\n'),
    at: (a) => ({ x: a.leftShare ?? a.preference ?? a.relevance ?? 0.5, y: a.agent }),
    columns: [
      { label: 'Agent', value: (a) => a.agent },
      { label: 'Signals', value: (a) => int(a.annotations) },
      ...measures.map(([k, name]) => ({ label: name, value: (a) => pct(a[k], 1) })),
    ],
    plot: () => ({
      height: 60 + 26 * agents.length,
      marginLeft: labelMargin(agents.map((a) => a.agent)),
      x: { domain: [0, 1], tickFormat: '%', label: 'share', grid: true },
      y: { label: null, domain: agents.map((a) => a.agent) },
      color: { domain: measures.map((m) => m[1]), range: measures.map((m) => m[2]), legend: true },
      symbol: { domain: measures.map((m) => m[1]), range: ['circle', 'square', 'triangle'] },
      marks: [
        Plot.ruleX([0.5], { stroke: '#4b5563', strokeDasharray: '4 3' }),
        Plot.dot(dots, { x: 'value', y: 'agent', fill: 'measure', symbol: 'measure', r: 4.5 }),
      ],
    }),
  });
}

function drawGate(data, _range, runs) {
  const rows = data.runs.map((r) => ({ ...r, label: runs.label(r.runId) }));
  // Every rule the gate has, for the table; the chart and its legend only those that set something aside.
  const rules = [...new Set(rows.flatMap((r) => Object.keys(r.byRule)))].sort();
  const firedRules = rules.filter((rule) => rows.some((r) => (r.byRule[rule] ?? 0) > 0));
  const bars = rows.flatMap((r) => firedRules.map((rule) => ({ label: r.label, rule, value: r.byRule[rule] ?? 0 })));
  const fired = (r) => sum(rules, (rule) => r.byRule[rule] ?? 0);
  drawChart($('chart-gate'), {
    label: 'Quality gate at each flywheel run: signals each rule set aside or down-weighted',
    summary: rows.length
      ? `Quality gate over ${rows.length} run(s); at the newest, of ${int(rows[rows.length - 1].total)} signals ${int(rows[rows.length - 1].passed)} passed, ${int(rows[rows.length - 1].reduced)} were down-weighted and ${int(rows[rows.length - 1].setAside)} set aside${firedRules.length ? `; rules that acted: ${firedRules.join(', ')}` : ''}.`
      : '',
    empty: 'No flywheel run in this window yet: the quality gate runs at each one.',
    rows,
    tip: (r) =>
      [
        `${r.label}, ${new Date(r.at).toLocaleString()}`,
        `${int(r.total)} signals: ${int(r.passed)} passed, ${int(r.reduced)} down-weighted, ${int(r.setAside)} set aside, ${int(r.superseded)} superseded`,
        ...(firedRules.length ? firedRules.map((rule) => `  ${rule}: ${int(r.byRule[rule] ?? 0)}`) : ['  no rule set anything aside']),
      ].join('\n'),
    at: (r) => ({ x: r.label, y: fired(r) }),
    columns: [
      { label: 'Run', value: (r) => r.label },
      { label: 'Started', value: (r) => new Date(r.at).toLocaleString() },
      { label: 'Signals', value: (r) => int(r.total) },
      { label: 'Passed', value: (r) => int(r.passed) },
      { label: 'Down-weighted', value: (r) => int(r.reduced) },
      { label: 'Set aside', value: (r) => int(r.setAside) },
      { label: 'Superseded', value: (r) => int(r.superseded) },
      ...rules.map((rule) => ({ label: `Rule ${rule}`, value: (r) => int(r.byRule[rule] ?? 0) })),
    ],
    plot: () => ({
      height: 200,
      marginLeft: 50,
      x: { type: 'band', label: null, domain: rows.map((r) => r.label), padding: 0.3 },
      y: { grid: true, label: 'signals set aside or down-weighted' },
      color: { domain: firedRules, range: PALETTE, legend: firedRules.length > 0 },
      marks: [
        Plot.barY(bars, { x: 'label', y: 'value', fill: 'rule', stroke: 'white', strokeWidth: 0.5 }),
        Plot.ruleY([0]),
        ...(firedRules.length
          ? []
          : [Plot.text(['No rule set anything aside or down-weighted in these runs.'], { frameAnchor: 'middle', fontSize: 13 })]),
      ],
    }),
  });
}
