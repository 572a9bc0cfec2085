// The analyst console: is the flywheel working (charts), what is missing from the knowledge base (gap queue), and
// training-set exports. An ES module without a build step; the charting library is loaded before it (index.html)
// and why it is Observable Plot is said at the top of charts.js.
// Everything from the server is rendered as text (textContent, or Plot's text marks), never parsed as HTML.

import { $, getJson, key, setKey } from './api.js';
import { clearBatches, refreshBatches } from './exports.js';
import { drawFlywheel } from './flywheel.js';
import { loadGaps } from './gaps.js';
import { loadInsights } from './insights.js';

let who;

/** The window the charts and the gap queue cover: the last N days up to now. */
function range() {
  const days = Number($('window-days').value) || 90;
  const to = new Date();
  return { from: new Date(to.getTime() - days * 86_400_000).toISOString(), to: to.toISOString() };
}

const CHARTS = [...document.querySelectorAll('.chart')];

function blank(message) {
  for (const c of CHARTS) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = message;
    c.replaceChildren(p);
  }
  $('current-versions').replaceChildren();
  $('flywheel-versions').replaceChildren();
  $('gaps-table').replaceChildren();
  $('gaps-summary').textContent = message;
  $('gaps-csv').disabled = true;
}

/** Everything the console shows, for the current key and window; the sections load side by side. */
async function loadAll() {
  const r = range();
  document.body.setAttribute('aria-busy', 'true');
  try {
    await Promise.all([
      loadInsights(r).then(({ flywheel, runs }) => drawFlywheel(flywheel, runs, who.role, loadAll)),
      loadGaps(r, who.tenant),
      refreshBatches(),
    ]);
  } finally {
    document.body.removeAttribute('aria-busy');
  }
}

async function signIn() {
  $('sign-in-error').textContent = '';
  who = undefined;
  if (!key()) {
    $('who').textContent = 'Not signed in.';
    clearBatches();
    blank('Enter an analyst or admin key above to see this.');
    return;
  }
  try {
    who = await getJson('/v1/whoami');
  } catch (error) {
    $('who').textContent = 'Not signed in.';
    $('sign-in-error').textContent = error.message;
    blank('Enter an analyst or admin key above to see this.');
    return;
  }
  $('who').textContent = `Tenant ${who.tenant}, role ${who.role}.`;
  if (who.role !== 'analyst' && who.role !== 'admin') {
    $('sign-in-error').textContent = `This is an ${who.role} key: the console needs an analyst or admin key.`;
    blank('Needs an analyst or admin key.');
    return;
  }
  await loadAll();
}

$('key-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setKey($('key').value.trim());
  $('key').value = '';
  signIn();
});

$('forget').addEventListener('click', () => {
  setKey('');
  signIn();
});

$('window-form').addEventListener('submit', (event) => {
  event.preventDefault();
  if (who) loadAll();
});
$('window-days').addEventListener('change', () => who && loadAll());

signIn();
