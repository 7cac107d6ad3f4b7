/**
 * The dashboard's browser script, served inline under a CSP hash. It asks for the operator token (kept in
 * sessionStorage, sent as a bearer header, never a cookie) and draws everything with DOM text nodes, so
 * nothing from the API is ever parsed as HTML.
 */
export const DASHBOARD_SCRIPT = `
'use strict';
const $ = (id) => document.getElementById(id);
const ACTIONS = ['allow', 'log', 'degrade', 'throttle', 'challenge', 'block'];
const COLORS = { allow: '#4c9f70', log: '#8fb8de', degrade: '#e0b84c', throttle: '#e08a4c', challenge: '#c8553d', block: '#7a1f2b' };
let token = sessionStorage.getItem('dg-token') || '';
let timer = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick' || k === 'onchange') node.addEventListener(k.slice(2), v);
    else if (k === 'style') node.style.cssText = v; // CSSOM, which the CSP allows (style attributes it does not)
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return node;
}
const svg = (tag, attrs) => {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
};
const time = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '');
const clock = (ms) => (ms ? new Date(ms).toISOString().slice(5, 19).replace('T', ' ') : '');

async function api(path, init) {
  const res = await fetch(path, { ...init, headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((body.error && body.error.message) || res.status + ' ' + res.statusText);
  return body;
}
function status(text, bad) {
  $('status').textContent = text;
  $('status').className = bad ? 'bad' : '';
}

function drawTraffic(stats) {
  const byHour = new Map();
  for (const r of stats.rows) {
    const h = byHour.get(r.hour) || {};
    h[r.action] = (h[r.action] || 0) + r.requests;
    byHour.set(r.hour, h);
  }
  const hours = [];
  for (let i = 0; i < stats.hours; i++) hours.push(stats.from + i * 3600000);
  const max = Math.max(1, ...hours.map((h) => Object.values(byHour.get(h) || {}).reduce((a, b) => a + b, 0)));
  const W = 720, H = 160, bw = W / hours.length;
  const chart = svg('svg', { viewBox: '0 0 ' + W + ' ' + (H + 16), width: '100%', role: 'img', 'aria-label': 'requests per hour by action' });
  hours.forEach((h, i) => {
    if (i % 6 === 0) {
      const label = svg('text', { x: i * bw + 2, y: H + 13, 'font-size': 11, fill: '#667' });
      label.textContent = new Date(h).toISOString().slice(11, 16);
      chart.append(label);
    }
    let y = H;
    for (const a of ACTIONS) {
      const n = (byHour.get(h) || {})[a] || 0;
      if (!n) continue;
      const hgt = (n / max) * H;
      y -= hgt;
      const rect = svg('rect', { x: i * bw + 1, y, width: Math.max(1, bw - 2), height: hgt, fill: COLORS[a] });
      rect.append(svg('title', {}));
      rect.firstChild.textContent = new Date(h).toISOString().slice(11, 16) + ' ' + a + ': ' + n;
      chart.append(rect);
    }
  });
  const total = {};
  for (const r of stats.rows) total[r.action] = (total[r.action] || 0) + r.requests;
  $('traffic').replaceChildren(chart, el('p', { class: 'legend' }, ...ACTIONS.map((a) => el('span', { style: 'color:' + COLORS[a] }, a + ' ' + (total[a] || 0) + '  '))));
}

function table(headers, rows) {
  return el('table', {}, el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))), el('tbody', {}, ...rows));
}

function drawDecisions(data) {
  $('decisions').replaceChildren(
    table(
      ['time', 'principal', 'action', 'would', 'score', 'requests', 'reasons'],
      data.decisions.map((d) =>
        el('tr', { class: 'decision act-' + d.action },
          el('td', { class: 'nowrap', title: time(d.ts) + ' UTC' }, clock(d.ts)),
          el('td', {}, el('a', { href: '#', onclick: (e) => { e.preventDefault(); showPrincipal(d.principal); } }, d.principal)),
          el('td', {}, d.action), el('td', {}, d.would_action), el('td', {}, d.score.toFixed(2)), el('td', {}, d.count),
          el('td', { class: 'reasons' }, d.reasons.join(', '))),
      ),
    ),
  );
}

function drawClusters(data) {
  $('clusters').replaceChildren(
    table(
      ['cluster', 'principals', 'requests', 'stopped', 'verdict'],
      data.clusters.map((c) =>
        el('tr', {}, el('td', { class: 'mono' }, c.key), el('td', {}, c.principals), el('td', {}, c.requests ?? ''), el('td', {}, c.stopped),
          el('td', {}, c.verdict ? c.verdict.action + ' (' + c.verdict.rules.slice(0, 2).join(', ') + ')' : ''))),
    ),
  );
}

async function setMode(rule, mode) {
  try {
    const { id, ...rest } = rule;
    await api('/admin/rules/' + encodeURIComponent(id), { method: 'PUT', body: JSON.stringify({ ...rest, mode, note: 'dashboard: ' + id + ' -> ' + mode }) });
    status('rule ' + id + ' is now ' + mode);
    await refresh();
  } catch (err) {
    status(String(err.message || err), true);
  }
}

function drawRules(doc, history) {
  $('rules-version').textContent = 'version ' + doc.version;
  $('rules').replaceChildren(
    table(
      ['rule', 'points', 'mode', 'description'],
      doc.rules.map((r) => {
        const select = el('select', { 'data-rule': r.id, onchange: (e) => setMode(r, e.target.value) },
          ...['enforce', 'shadow', 'off'].map((m) => { const o = el('option', { value: m }, m); if (m === r.mode) o.selected = true; return o; }));
        return el('tr', {}, el('td', { class: 'mono' }, r.id), el('td', {}, r.points), el('td', {}, select), el('td', {}, r.description));
      }),
    ),
  );
  $('history').replaceChildren(
    table(
      ['version', 'when', 'by', 'note', ''],
      history.versions.slice(0, 20).map((v) =>
        el('tr', {}, el('td', {}, v.version), el('td', {}, time(v.createdAt)), el('td', {}, v.createdBy), el('td', {}, v.note || ''),
          el('td', {}, el('button', { onclick: () => rollback(v.version) }, 'roll back to this'))),
      ),
    ),
  );
}

async function rollback(version) {
  try {
    await api('/admin/rules/rollback', { method: 'POST', body: JSON.stringify({ version, note: 'dashboard rollback' }) });
    status('rolled back to version ' + version);
    await refresh();
  } catch (err) {
    status(String(err.message || err), true);
  }
}

async function showPrincipal(id) {
  try {
    const p = await api('/admin/principals/' + encodeURIComponent(id));
    const rows = (p.score ? p.score.by_rule : []).map((r) => el('tr', {}, el('td', { class: 'mono' }, r.rule), el('td', {}, r.points), el('td', {}, r.enforced ? 'enforce' : 'shadow')));
    $('principal').replaceChildren(
      el('h3', {}, 'Principal ' + id),
      el('p', {}, 'action: ' + p.action.action + (p.action.until ? ' until ' + time(p.action.until) : '') + (p.counters ? ' · requests ' + p.counters.total + ' (last hour ' + p.counters.last_hour + ')' : '')),
      table(['rule', 'points', 'mode'], rows),
    );
  } catch (err) {
    status(String(err.message || err), true);
  }
}

async function refresh() {
  const [stats, decisions, clusters, rules, history] = await Promise.all([
    api('/admin/stats?hours=24'), api('/admin/decisions?limit=50'), api('/admin/clusters?limit=10'), api('/admin/rules'), api('/admin/rules/history'),
  ]);
  drawTraffic(stats);
  drawDecisions(decisions);
  drawClusters(clusters);
  drawRules(rules, history);
  $('updated').textContent = 'updated ' + time(Date.now());
}

async function connect() {
  token = $('token').value.trim() || token;
  try {
    await refresh();
    sessionStorage.setItem('dg-token', token);
    $('login').hidden = true;
    $('main').hidden = false;
    status('connected');
    clearInterval(timer);
    timer = setInterval(() => refresh().catch((err) => status(String(err.message || err), true)), 5000);
  } catch (err) {
    status(String(err.message || err), true);
  }
}

$('connect').addEventListener('click', connect);
$('token').addEventListener('keydown', (e) => { if (e.key === 'Enter') connect(); });
$('logout').addEventListener('click', () => { sessionStorage.removeItem('dg-token'); token = ''; location.reload(); });
if (token) connect();
`;
