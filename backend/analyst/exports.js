// Training-set exports (/v1/exports, shared/exports.ts): create a batch with formats, window and filters; list the
// tenant's batches with who made them and their counts; preview the first records of a ready batch's files;
// download its archive.

import { $, api, el, getJson, int, key, postJson, saveBlob, when } from './api.js';

let pollTimer;

function showError(message) {
  $('error').textContent = message || '';
}

const isoFromLocal = (value) => (value ? new Date(value).toISOString() : undefined);

function readRequest() {
  const checked = (name) => [...document.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
  const request = { kinds: checked('kind'), archive: $('archive').value, filters: {} };
  const windowChoice = document.querySelector('input[name="window"]:checked').value;
  if (windowChoice === 'last') request.since = 'last';
  if (windowChoice === 'range' && $('since').value) request.since = isoFromLocal($('since').value);
  if ($('until').value) request.until = isoFromLocal($('until').value);
  if ($('passed-gate').checked) request.filters.passedGate = true;
  if ($('min-weight').value !== '') request.filters.minWeight = Number($('min-weight').value);
  if ($('min-similarity').value !== '') request.filters.minEditSimilarity = Number($('min-similarity').value);
  const reasons = checked('reason');
  if (reasons.length) request.filters.excludeReasons = reasons;
  return request;
}

/** Why a finished batch holds no record: the server's sentence (manifest.emptyReason, backend/exports/empty.ts). */
function emptyReason(batch) {
  return batch.manifest.emptyReason || 'No signal in its window passed its filters.';
}

function recordsCell(batch) {
  const cell = el('td');
  if (!batch.manifest) {
    cell.textContent = batch.error || '—';
    return cell;
  }
  const total = batch.manifest.files.reduce((sum, f) => sum + f.records, 0);
  if (total === 0 || batch.manifest.emptyReason) {
    cell.append(
      el('strong', `0 records, ${int(batch.manifest.counts.read || 0)} signals read. `),
      el('span', `Why: ${emptyReason(batch)}`, { class: 'explanation' }),
    );
    return cell;
  }
  const details = el('details');
  details.append(el('summary', `${int(total)} records, ${int(batch.manifest.counts.read || 0)} signals read`));
  const list = el('ul', undefined, { class: 'files' });
  for (const f of batch.manifest.files) {
    const item = el('li', undefined, { 'data-path': f.path });
    item.append(el('span', `${f.path}: ${f.records}`, { class: 'file-count' }));
    if (batch.status === 'ready' && f.records > 0) item.append(' ', previewButton(batch, f));
    list.append(item);
  }
  details.append(list);
  cell.append(details);
  return cell;
}

/**
 * The first records of one file, as the server gives them (GET /v1/exports/:id/preview?file=&limit=), shown as
 * text under the file. A second press hides them.
 */
function previewButton(batch, file) {
  const button = el('button', 'Preview', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-label': `Preview ${file.path}` });
  let panel;
  button.addEventListener('click', async () => {
    if (panel) {
      panel.remove();
      panel = undefined;
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    button.disabled = true;
    panel = el('div', undefined, { class: 'preview', 'data-preview': file.path });
    try {
      const answer = await getJson(`/v1/exports/${encodeURIComponent(batch.id)}/preview?file=${encodeURIComponent(file.path)}&limit=3`);
      // JSON lines come parsed, CSV and TSV lines as text (the header first): shown as text either way.
      const records = answer.records;
      panel.append(el('p', `First ${records.length} of ${int(answer.total)} records of ${answer.file} (${answer.format}):`, { class: 'muted' }));
      if (records.every((r) => typeof r === 'string')) panel.append(el('pre', records.join('\n')));
      else for (const r of records) panel.append(el('pre', typeof r === 'string' ? r : JSON.stringify(r, null, 2)));
    } catch (error) {
      panel.append(el('p', `No preview: ${error.message}`, { class: 'failed' }));
    }
    button.closest('li').append(panel);
    button.setAttribute('aria-expanded', 'true');
    button.disabled = false;
  });
  return button;
}

async function download(batch, button) {
  button.disabled = true;
  try {
    const response = await api(`/v1/exports/${encodeURIComponent(batch.id)}/download`);
    const disposition = response.headers.get('content-disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `aitl-export-${batch.id}`;
    saveBlob(await response.blob(), name);
  } catch (error) {
    showError(`Download failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

/** Who made the batch: the key's name when it has one, and its id (or `cli`). */
function createdBy(batch) {
  const cell = el('td', undefined, { class: 'created-by' });
  if (batch.createdByName) cell.append(el('span', batch.createdByName), el('div', batch.createdBy, { class: 'muted key-id' }));
  else cell.append(el('span', batch.createdBy || '—', { class: 'key-id' }));
  return cell;
}

function windowText(w) {
  return `${w.from ? when(w.from) : 'the beginning'} → ${when(w.to)}`;
}

function renderBatches(items) {
  const body = $('batches').querySelector('tbody');
  body.replaceChildren();
  if (items.length === 0) {
    const row = el('tr');
    row.append(el('td', 'No batches yet: create one above.', { colspan: '7' }));
    body.append(row);
  }
  for (const batch of items) {
    const row = el('tr', undefined, { 'data-id': batch.id });
    row.append(el('td', when(batch.createdAt)));
    row.append(createdBy(batch));
    row.append(el('td', batch.status, { class: `status status-${batch.status}` }));
    row.append(el('td', windowText(batch.window)));
    row.append(el('td', batch.request.kinds.join(', ')));
    row.append(recordsCell(batch));
    const actions = el('td');
    if (batch.status === 'ready') {
      const button = el('button', `Download ${batch.request.archive}`, { type: 'button', class: 'download' });
      button.addEventListener('click', () => download(batch, button));
      actions.append(button);
    }
    row.append(actions);
    body.append(row);
  }
}

export async function refreshBatches() {
  clearTimeout(pollTimer);
  if (!key()) {
    $('batches').querySelector('tbody').replaceChildren();
    return;
  }
  try {
    const { items } = await getJson('/v1/exports');
    // A re-render would close open previews and lists: only redraw when something changed.
    const signature = JSON.stringify(items);
    if (signature !== renderBatches.last) {
      renderBatches.last = signature;
      renderBatches(items);
    }
    if (items.some((b) => b.status === 'pending' || b.status === 'running')) pollTimer = setTimeout(refreshBatches, 1000);
  } catch (error) {
    showError(error.message);
  }
}

export function clearBatches() {
  clearTimeout(pollTimer);
  renderBatches.last = undefined;
  $('batches').querySelector('tbody').replaceChildren();
  showError('');
}

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  try {
    await postJson('/v1/exports', readRequest());
    await refreshBatches();
  } catch (error) {
    // e.g. 400 "since my last export" with an end before that export: the server's message says so.
    showError(error.message);
  }
});

$('refresh').addEventListener('click', refreshBatches);
