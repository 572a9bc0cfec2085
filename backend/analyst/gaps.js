// The gap queue (GET /v1/gaps, shared/gaps.ts): what agents said the knowledge base lacks, similar reports grouped,
// as a table sortable by any column and a CSV of what the table shows, built here in the browser.

import { $, el, getJson, int, saveBlob, when } from './api.js';
import { toCsv } from './csv.js';

const COLUMNS = [
  { key: 'title', label: 'Gap', sort: (g) => g.title.toLowerCase(), csv: (g) => g.title },
  { key: 'count', label: 'Reports', sort: (g) => g.count, csv: (g) => g.count, numeric: true },
  { key: 'agents', label: 'Agents', sort: (g) => g.agents, csv: (g) => g.agents, numeric: true },
  { key: 'firstSeen', label: 'First seen', sort: (g) => g.firstSeen, csv: (g) => g.firstSeen },
  { key: 'lastSeen', label: 'Last seen', sort: (g) => g.lastSeen, csv: (g) => g.lastSeen },
  { key: 'exampleTickets', label: 'Example tickets', sort: (g) => g.exampleTickets.join(' '), csv: (g) => g.exampleTickets.join(' ') },
  { key: 'outdatedArticleIds', label: 'Outdated article', sort: (g) => g.outdatedArticleIds.join(' '), csv: (g) => g.outdatedArticleIds.join(' ') },
];
const CSV_HEADER = ['gap_id', 'title', 'reports', 'agents', 'first_seen', 'last_seen', 'example_tickets', 'outdated_article_ids'];

let state = { list: null, sortKey: 'count', descending: true, tenant: '' };

export async function loadGaps(range, tenant) {
  state.tenant = tenant;
  const summary = $('gaps-summary');
  try {
    state.list = await getJson(`/v1/gaps?limit=500&since=${encodeURIComponent(range.from)}`);
  } catch (error) {
    state.list = null;
    summary.textContent = `Could not load the gap queue: ${error.message}`;
    $('gaps-table').replaceChildren();
    $('gaps-csv').disabled = true;
    return;
  }
  const { reports, total, groups } = state.list;
  summary.textContent = groups.length
    ? `${int(reports)} missing-knowledge reports in ${int(total)} gaps${total > groups.length ? `; the biggest ${groups.length} are listed` : ''}.`
    : 'No missing knowledge reported in this window yet.';
  $('gaps-csv').disabled = groups.length === 0;
  render();
}

function sorted() {
  const column = COLUMNS.find((c) => c.key === state.sortKey);
  const sign = state.descending ? -1 : 1;
  return [...state.list.groups].sort((a, b) => {
    const [x, y] = [column.sort(a), column.sort(b)];
    return (x < y ? -1 : x > y ? 1 : 0) * sign || b.count - a.count;
  });
}

/** A table whose column headers are buttons: a click sorts by that column, a second click reverses it. */
function render() {
  const holder = $('gaps-table');
  holder.replaceChildren();
  if (!state.list || !state.list.groups.length) return;
  const table = el('table', undefined, { id: 'gaps' });
  table.append(el('caption', 'Gap queue; the column headers sort', { class: 'visually-hidden' }));
  const head = table.createTHead().insertRow();
  for (const c of COLUMNS) {
    const th = el('th', undefined, { scope: 'col', class: c.numeric ? 'num' : undefined });
    if (state.sortKey === c.key) th.setAttribute('aria-sort', state.descending ? 'descending' : 'ascending');
    const button = el('button', c.label, { type: 'button', class: 'sort', 'data-key': c.key });
    button.append(el('span', state.sortKey === c.key ? (state.descending ? ' ↓' : ' ↑') : '', { 'aria-hidden': 'true' }));
    button.addEventListener('click', () => {
      state = { ...state, descending: state.sortKey === c.key ? !state.descending : c.numeric || c.key === 'lastSeen', sortKey: c.key };
      render();
      holder.querySelector(`button[data-key="${c.key}"]`).focus();
    });
    th.append(button);
    head.append(th);
  }
  const body = table.createTBody();
  for (const g of sorted()) {
    const tr = body.insertRow();
    tr.dataset.gap = g.id;
    tr.append(
      el('td', g.title, { class: 'title' }),
      el('td', int(g.count), { class: 'num' }),
      el('td', int(g.agents), { class: 'num' }),
      el('td', when(g.firstSeen)),
      el('td', when(g.lastSeen)),
      el('td', g.exampleTickets.join(', ') || '–'),
      el('td', g.outdatedArticleIds.join(', ') || '–'),
    );
  }
  holder.append(table);
}

/** The gaps in the order shown, one row each; lists (tickets, articles) space-separated in one field. */
export function gapsCsv(groups) {
  return toCsv(
    CSV_HEADER,
    groups.map((g) => [g.id, ...COLUMNS.map((c) => c.csv(g))]),
  );
}

$('gaps-csv').addEventListener('click', () => {
  if (!state.list) return;
  const date = new Date().toISOString().slice(0, 10);
  // A byte-order mark so spreadsheet programs read the UTF-8 as UTF-8.
  saveBlob(new Blob(['\ufeff', gapsCsv(sorted())], { type: 'text/csv;charset=utf-8' }), `aitl-gaps-${state.tenant || 'tenant'}-${date}.csv`);
});
