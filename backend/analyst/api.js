// Talking to the backend, and small DOM helpers shared by the console's modules.
// The key lives in this tab's session storage only: closing the tab forgets it, other tabs never see it.

const KEY = 'aitl.analystKey';

export function key() {
  return sessionStorage.getItem(KEY) || '';
}

export function setKey(value) {
  if (value) sessionStorage.setItem(KEY, value);
  else sessionStorage.removeItem(KEY);
}

/** A refused call: the server's own message (and the fields it names), with the status for callers that care. */
export class ApiFailure extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * fetch with the key, failing with the server's explanation. Without a key nothing is sent: the server would only
 * say the keyless (agent) role may not do this, which tells an analyst nothing about what to do.
 */
export async function api(path, init = {}) {
  if (!key()) throw new ApiFailure(401, 'Enter an analyst key (or an admin key) above first.');
  const headers = { ...(init.headers || {}), authorization: `Bearer ${key()}` };
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
    throw new ApiFailure(response.status, message);
  }
  return response;
}

export async function getJson(path) {
  return (await api(path)).json();
}

export async function postJson(path, body) {
  return (await api(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).json();
}

export const $ = (id) => document.getElementById(id);

/** An element with text (always as text, never parsed as HTML) and attributes. */
export function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined && value !== null) node.setAttribute(name, value);
  return node;
}

/** Saves bytes under a file name through a temporary blob: link (the CSP allows blob: downloads, not data: ones). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el('a', undefined, { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ---- Formatting: one place, so the charts' tips, the table views and the text agree ----

export const pct = (v, digits = 0) => (v === null || v === undefined || Number.isNaN(v) ? '–' : `${(v * 100).toFixed(digits)} %`);
export const num = (v, digits = 2) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(digits));
export const int = (v) => (v === null || v === undefined ? '–' : Number(v).toLocaleString('en'));
export const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
/** A 95 % interval as "51–64 %" (the API's Proportion: value, low, high, n). */
export const interval = (p) => (p && p.low !== null && p.high !== null ? `${(p.low * 100).toFixed(0)}–${(p.high * 100).toFixed(0)} %` : '–');
