// The analyst page: list export batches, create one with filters, see counts, download. No build step.
// Everything from the server is rendered as text (textContent), never as HTML.
'use strict';

const KEY = 'aitl.analystKey';
const $ = (id) => document.getElementById(id);
let pollTimer;

function key() {
  return sessionStorage.getItem(KEY) || '';
}

function showError(message) {
  $('error').textContent = message || '';
}

async function api(path, init = {}) {
  const headers = { ...(init.headers || {}) };
  if (key()) headers.authorization = `Bearer ${key()}`;
  const response = await fetch(path, { ...init, headers });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try {
      const body = await response.json();
      if (body && body.error) {
        const fields = (body.error.issues || []).map((i) => `${i.path}: ${i.message}`).join('; ');
        message = `${body.error.message}${fields ? ` (${fields})` : ''}`;
      }
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(message);
  }
  return response;
}

function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  return node;
}

function isoFromLocal(value) {
  return value ? new Date(value).toISOString() : undefined;
}

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

function recordsCell(batch) {
  const cell = el('td');
  if (!batch.manifest) {
    cell.textContent = batch.error || '—';
    return cell;
  }
  const total = batch.manifest.files.reduce((sum, f) => sum + f.records, 0);
  const details = el('details');
  details.append(el('summary', `${total} records, ${batch.manifest.counts.read || 0} signals read`));
  const list = el('ul');
  for (const f of batch.manifest.files) list.append(el('li', `${f.path}: ${f.records}`, { 'data-path': f.path }));
  details.append(list);
  cell.append(details);
  return cell;
}

async function download(batch, button) {
  button.disabled = true;
  try {
    const response = await api(`/v1/exports/${encodeURIComponent(batch.id)}/download`);
    const blob = await response.blob();
    const disposition = response.headers.get('content-disposition') || '';
    const name = (/filename="([^"]+)"/.exec(disposition) || [])[1] || `aitl-export-${batch.id}`;
    const url = URL.createObjectURL(blob);
    const link = el('a', undefined, { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) {
    showError(`Download failed: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

function renderBatches(items) {
  const body = $('batches').querySelector('tbody');
  body.replaceChildren();
  if (items.length === 0) {
    const row = el('tr');
    row.append(el('td', 'No batches yet.', { colspan: '6' }));
    body.append(row);
  }
  for (const batch of items) {
    const row = el('tr', undefined, { 'data-id': batch.id });
    row.append(el('td', new Date(batch.createdAt).toLocaleString()));
    row.append(el('td', batch.status, { class: `status status-${batch.status}` }));
    row.append(el('td', `${batch.window.from ? new Date(batch.window.from).toLocaleString() : 'beginning'} → ${new Date(batch.window.to).toLocaleString()}`));
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

async function refresh() {
  clearTimeout(pollTimer);
  if (!key()) return;
  try {
    const { items } = await (await api('/v1/exports')).json();
    renderBatches(items);
    if (items.some((b) => b.status === 'pending' || b.status === 'running')) pollTimer = setTimeout(refresh, 1000);
  } catch (error) {
    showError(error.message);
  }
}

async function signIn() {
  if (!key()) {
    $('who').textContent = 'Not signed in.';
    $('batches').querySelector('tbody').replaceChildren();
    return;
  }
  try {
    const who = await (await api('/v1/whoami')).json();
    $('who').textContent = `Tenant ${who.tenant}, role ${who.role}.`;
    showError('');
    await refresh();
  } catch (error) {
    $('who').textContent = 'Not signed in.';
    showError(error.message);
  }
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(KEY, $('key').value.trim());
  $('key').value = '';
  signIn();
});

$('forget').addEventListener('click', () => {
  sessionStorage.removeItem(KEY);
  signIn();
});

$('create-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  showError('');
  try {
    await api('/v1/exports', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(readRequest()) });
    await refresh();
  } catch (error) {
    showError(error.message);
  }
});

$('refresh').addEventListener('click', refresh);
signIn();
