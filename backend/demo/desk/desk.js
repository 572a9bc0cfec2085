// The demo help desk's client: a single-page app that moves between tickets without reloading, like real agent
// workspaces do. Every text from the ticket data is written with textContent.
const main = document.getElementById('ticket');
const list = document.getElementById('ticket-list');
const conversation = document.getElementById('conversation');
const composer = document.getElementById('composer');
const sentReplies = new Map();

function ticketIdFromPath() {
  const match = /^\/demo\/tickets\/([^/]+)/.exec(location.pathname);
  return match ? decodeURIComponent(match[1]) : null;
}

function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function renderMessage(m) {
  const article = el('article', { class: 'message', 'data-role': m.role });
  const header = el('header');
  header.append(el('span', { class: 'author' }, m.author || m.role), el('span', { class: 'role' }, m.role === 'note' ? 'Internal note' : m.role));
  if (m.at) header.append(el('time', { datetime: m.at }, new Date(m.at).toLocaleString()));
  article.append(header, el('div', { class: 'body' }, m.text));
  return article;
}

async function loadList() {
  const tickets = await (await fetch('/demo/api/tickets')).json();
  list.replaceChildren(
    ...tickets.map((t) => {
      const a = el('a', { href: `/demo/tickets/${encodeURIComponent(t.ticketId)}`, 'data-ticket-link': t.ticketId });
      a.append(el('div', { class: 'num' }, `#${t.ticketId}`), el('div', {}, t.subject));
      const item = el('li');
      item.append(a);
      return item;
    }),
  );
}

async function show(id) {
  main.dataset.loading = 'true';
  for (const a of list.querySelectorAll('a')) {
    if (a.dataset.ticketLink === id) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const res = await fetch(`/demo/api/tickets/${encodeURIComponent(id)}`);
  if (!res.ok) {
    main.removeAttribute('data-ticket-id');
    main.querySelector('[data-field="subject"]').textContent = `Ticket #${id} not found`;
    conversation.replaceChildren();
    main.dataset.loading = 'false';
    return;
  }
  const t = await res.json();
  // A short delay, as real help desks have, so adapters must wait for the new ticket rather than read the old one.
  await new Promise((r) => setTimeout(r, 120));
  main.querySelector('[data-field="subject"]').textContent = t.subject;
  main.querySelector('[data-field="ticket-number"]').textContent = `#${t.ticketId}`;
  const requester = main.querySelector('[data-field="requester"]');
  requester.textContent = `${t.requester.name} <${t.requester.email}>`;
  requester.dataset.name = t.requester.name;
  requester.dataset.email = t.requester.email;
  main.querySelector('[data-field="status"]').textContent = t.status;
  conversation.replaceChildren(...[...t.messages, ...(sentReplies.get(id) || [])].map(renderMessage));
  composer.value = '';
  main.dataset.ticketId = t.ticketId;
  document.title = `#${t.ticketId} ${t.subject} · Demo help desk`;
  main.dataset.loading = 'false';
}

list.addEventListener('click', (event) => {
  const link = event.target.closest('a[data-ticket-link]');
  if (!link || event.metaKey || event.ctrlKey) return;
  event.preventDefault();
  history.pushState({}, '', link.href);
  show(link.dataset.ticketLink);
});
window.addEventListener('popstate', () => show(ticketIdFromPath()));

document.getElementById('composer-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = composer.value.trim();
  const id = main.dataset.ticketId;
  if (!text || !id) return;
  const reply = { role: 'agent', author: 'Sam Rivera', text, at: new Date().toISOString() };
  sentReplies.set(id, [...(sentReplies.get(id) || []), reply]);
  conversation.append(renderMessage(reply));
  composer.value = '';
  document.dispatchEvent(new CustomEvent('demo:sent', { detail: { ticketId: id } }));
});

await loadList();
await show(ticketIdFromPath() || list.querySelector('a')?.dataset.ticketLink);
