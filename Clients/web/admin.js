// RetroIm admin page: polls /api/admin every few seconds with the admin key (kept in sessionStorage, sent as the
// X-Admin-Key header, never in a URL) and shows nodes, a graph of the last minutes, online clients and channels.
import { h } from './dom.js';

const KEY_STORAGE = 'retroim.adminKey';
const POLL_MS = 3000;
const SVG = 'http://www.w3.org/2000/svg';
const COLORS = ['#4f46e5', '#0e7490', '#b45309', '#15803d', '#b91c1c', '#7c3aed', '#0369a1', '#a16207'];

const $ = (id) => document.getElementById(id);
const state = { key: sessionStorage.getItem(KEY_STORAGE), timer: null, colors: new Map() };

class AdminError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(path, init = {}) {
  const response = await fetch(`/api/admin${path}`, {
    ...init,
    headers: { 'X-Admin-Key': state.key ?? '', Accept: 'application/json' },
    cache: 'no-store',
  });
  if (response.ok) return response.json();
  let detail = `${response.status} ${response.statusText}`;
  try {
    const problem = await response.json();
    detail = problem.detail ?? problem.title ?? detail;
  } catch { /* not JSON: keep the status line */ }
  throw new AdminError(response.status, detail);
}

function setState(name, text) {
  const el = $('admin-state');
  el.dataset.state = name;
  el.textContent = text;
}

function toast(message, kind = 'error') {
  const el = h('div', { class: `toast toast--${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('span', {}, message),
    h('button', { type: 'button', class: 'toast__close', 'aria-label': 'Dismiss', onclick: () => el.remove() }, '×'));
  $('toasts').append(el);
  setTimeout(() => el.remove(), 6000);
}

// ---- sign in / out ------------------------------------------------------------------------------------------------

function showLogin(error) {
  stopPolling();
  $('dashboard').hidden = true;
  $('disabled').hidden = true;
  $('login').hidden = false;
  $('login-error').hidden = !error;
  $('login-error').textContent = error ?? '';
  setState('offline', 'signed out');
  $('key').focus();
}

function showDisabled(message) {
  stopPolling();
  $('login').hidden = true;
  $('dashboard').hidden = true;
  $('disabled').hidden = false;
  $('disabled').textContent = message;
  setState('offline', 'disabled');
}

function forgetKey(error) {
  state.key = null;
  sessionStorage.removeItem(KEY_STORAGE);
  showLogin(error);
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  state.key = $('key').value;
  $('key').value = '';
  sessionStorage.setItem(KEY_STORAGE, state.key);
  start();
});

$('signout').addEventListener('click', () => forgetKey());

// ---- polling ------------------------------------------------------------------------------------------------------

function stopPolling() {
  clearTimeout(state.timer);
  state.timer = null;
}

async function start() {
  $('login').hidden = true;
  setState('connecting', 'loading');
  await refresh();
}

async function refresh() {
  stopPolling();
  try {
    const [nodes, chans, clients, history] = await Promise.all([
      api('/nodes'), api('/chans'), api('/clients?limit=100'), api('/history'),
    ]);
    $('dashboard').hidden = false;
    renderNodes(nodes);
    renderChans(chans.chans);
    renderClients(clients);
    renderGraph(history);
    setState('live', 'live');
  } catch (err) {
    if (err.status === 401) return forgetKey('That key was not accepted.');
    if (err.status === 404) return showDisabled(err.message);
    setState('reconnecting', 'retrying');
    toast(`Could not refresh: ${err.message}`);
  }
  state.timer = setTimeout(refresh, POLL_MS);
}

// ---- tables -------------------------------------------------------------------------------------------------------

const num = (value, digits = 0) => (value ?? 0).toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });

function colorOf(nodeId) {
  if (!state.colors.has(nodeId)) state.colors.set(nodeId, COLORS[state.colors.size % COLORS.length]);
  return state.colors.get(nodeId);
}

function renderNodes({ atMs, nodes }) {
  $('nodes-count').textContent = `(${nodes.length})`;
  $('updated').textContent = `updated ${new Date(atMs).toLocaleTimeString()}`;
  const rows = nodes.map((node) => {
    const s = node.stats;
    return h('tr', { 'data-node-id': node.id },
      h('th', { scope: 'row' },
        h('span', { class: 'admin-swatch', style: `background:${colorOf(node.id)}`, 'aria-hidden': 'true' }),
        h('span', { title: node.url }, node.id)),
      h('td', {}, h('span', { class: `admin-badge admin-badge--${node.draining ? 'draining' : 'up'}` }, node.draining ? 'draining' : 'up')),
      h('td', { class: 'num', 'data-field': 'connections' }, num(node.connections)),
      h('td', { class: 'num' }, s ? num(s.clients) : '–'),
      h('td', { class: 'num' }, s ? num(s.chans) : '–'),
      h('td', { class: 'num' }, s ? num(s.messagesOutPerSec, 1) : '–'),
      h('td', { class: 'num' }, s ? num(s.messagesInPerSec, 1) : '–'),
      h('td', { class: 'num' }, s ? num(s.bytesOutPerSec / 1024, 1) : '–'),
      h('td', { class: 'num' }, s ? num(s.bytesInPerSec / 1024, 1) : '–'),
      h('td', { class: 'num' }, s ? num(s.queueDrops) : '–'));
  });
  $('nodes').replaceChildren(...(rows.length ? rows : [emptyRow(10, 'No live nodes.')]));
}

function renderChans(chans) {
  $('chans-count').textContent = `(${chans.length})`;
  const rows = chans.map((c) => h('tr', { 'data-chan': c.chan },
    h('th', { scope: 'row' }, c.chan), h('td', { class: 'num' }, num(c.members)), h('td', { class: 'num' }, num(c.online))));
  $('chans').replaceChildren(...(rows.length ? rows : [emptyRow(3, 'No channels.')]));
}

function nodeList(nodes) {
  return Object.entries(nodes).map(([id, count]) => `${id}${count > 1 ? ` ×${count}` : ''}`).join(', ');
}

function renderClients({ total, clients }) {
  $('clients-count').textContent = total > clients.length ? `(${clients.length} of ${total})` : `(${total})`;
  const rows = clients.map((c) => h('tr', { 'data-client-id': c.clientId },
    h('th', { scope: 'row', class: 'admin-id' }, c.clientId),
    h('td', {}, nodeList(c.nodes)),
    h('td', { class: 'admin-actions' },
      h('button', { type: 'button', class: 'btn btn--small', 'data-testid': 'kick', onclick: (e) => kick(c.clientId, e.currentTarget) }, 'Kick'))));
  $('clients').replaceChildren(...(rows.length ? rows : [emptyRow(3, 'Nobody is online.')]));
}

const emptyRow = (span, text) => h('tr', {}, h('td', { colspan: span, class: 'admin-muted' }, text));

async function kick(clientId, button) {
  button.disabled = true;
  try {
    const result = await api(`/clients/${encodeURIComponent(clientId)}/kick`, { method: 'POST' });
    toast(result.wasOnline ? `Kicked ${clientId}.` : `${clientId} was not online.`, 'info');
    await refresh();
  } catch (err) {
    button.disabled = false;
    toast(`Could not kick ${clientId}: ${err.message}`);
  }
}

$('who').addEventListener('submit', async (event) => {
  event.preventDefault();
  const id = $('who-id').value.trim();
  if (!id) return;
  try {
    const who = await api(`/clients/${encodeURIComponent(id)}`);
    $('who-result').textContent = who.online ? `${id} is on ${nodeList(who.nodes)}.` : `${id} is offline.`;
  } catch (err) {
    $('who-result').textContent = err.message;
  }
});

// ---- graph (inline SVG, one polyline per node) ---------------------------------------------------------------------

function renderGraph({ samples, intervalMs, capacity }) {
  const ids = [...new Set(samples.flatMap((s) => s.nodes.map((n) => n.id)))].sort();
  $('legend').replaceChildren(...ids.map((id) => h('span', { class: 'admin-legend__item' },
    h('span', { class: 'admin-swatch', style: `background:${colorOf(id)}`, 'aria-hidden': 'true' }), id)));
  const spanMs = Math.max(intervalMs * (capacity - 1), 60_000);
  const end = samples.length ? samples[samples.length - 1].atMs : Date.now();
  drawChart($('chart-connections'), samples, ids, (n) => n.connections, end - spanMs, end);
  drawChart($('chart-messages'), samples, ids, (n) => n.messagesOutPerSec, end - spanMs, end);
}

function drawChart(svg, samples, ids, value, from, to) {
  const W = 600, H = 180, PAD_L = 44, PAD_B = 18, PAD_T = 8;
  let max = 0;
  for (const s of samples) for (const n of s.nodes) max = Math.max(max, value(n));
  max = niceCeiling(max);
  const x = (t) => PAD_L + ((t - from) / (to - from)) * (W - PAD_L - 4);
  const y = (v) => PAD_T + (1 - v / max) * (H - PAD_T - PAD_B);
  const parts = [];
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    parts.push(el('line', { x1: PAD_L, x2: W - 4, y1: y(v), y2: y(v), class: 'admin-grid-line' }));
    parts.push(el('text', { x: PAD_L - 6, y: y(v) + 4, class: 'admin-axis', 'text-anchor': 'end' }, formatAxis(v)));
  }
  const minutes = Math.round((to - from) / 60_000);
  parts.push(el('text', { x: PAD_L, y: H - 3, class: 'admin-axis' }, `−${minutes} min`));
  parts.push(el('text', { x: W - 4, y: H - 3, class: 'admin-axis', 'text-anchor': 'end' }, 'now'));
  for (const id of ids) {
    // A node missing from a sample (down, or not started yet) breaks its line rather than drawing a false zero.
    let run = [];
    const flush = () => {
      if (run.length === 1) parts.push(el('circle', { cx: run[0][0], cy: run[0][1], r: 2.5, fill: colorOf(id) }));
      if (run.length > 1) parts.push(el('polyline', { points: run.map((p) => p.join(',')).join(' '), stroke: colorOf(id), class: 'admin-line', 'data-node-id': id }));
      run = [];
    };
    for (const s of samples) {
      const n = s.nodes.find((node) => node.id === id);
      if (!n || s.atMs < from) { flush(); continue; }
      run.push([x(s.atMs).toFixed(1), y(value(n)).toFixed(1)]);
    }
    flush();
  }
  svg.replaceChildren(...parts);
}

function el(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

// The axis top: four gridline steps of 1, 2 or 5 × 10^k, so every label is a round number.
function niceCeiling(v) {
  if (v <= 4) return 4;
  const raw = v / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= raw) return 4 * m * magnitude;
  return 40 * magnitude;
}

const formatAxis = (v) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toFixed(1)}`);

// ---- start --------------------------------------------------------------------------------------------------------

if (state.key) start();
else {
  // Ask once without a key: a server with the admin disabled says so before anyone types one.
  api('/nodes').catch((err) => (err.status === 404 ? showDisabled(err.message) : showLogin()));
}
