// The collector's built-in UI: a single page over the read API (no build step, no framework).
// Everything a client sent (model names, features, labels) reaches the page as text nodes only.
import uPlot from './vendor/uplot/uPlot.esm.js';

const view = document.getElementById('view');
const statusEl = document.getElementById('status');
const rangeEl = document.getElementById('range');
const projectEl = document.getElementById('project');
const REFRESH_MS = 30_000;
const COLORS = ['#3056d3', '#e04f16', '#079455', '#7a5af8', '#dd2590', '#0e9384', '#ca8504', '#475467'];

// ---------------------------------------------------------------- helpers

/** Creates an element: `props` are attributes (`class`, `href`, ...) or `on*` listeners. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

async function api(path, params = {}) {
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const query = qs.toString();
  // Relative to the page (/ui/), so that a proxy may serve the collector under a sub-path.
  const url = `..${path}${query ? `?${query}` : ''}`;
  const res = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { message: text };
  }
  if (!res.ok) throw new Error(`${path}: ${res.status} ${body?.message ?? res.statusText}`);
  return body;
}

/** The chosen project and time range, as the read API's query parameters. */
function rangeParams() {
  const to = Date.now();
  return { project: projectEl.value, from: to - Number(rangeEl.value), to };
}

/** Refills the project list from the projects with traffic in the range, keeping the choice. */
async function loadProjects() {
  const { projects } = await api('/api/v1/projects', { from: Date.now() - Number(rangeEl.value) });
  // Until the user picks one, show the project with traffic when `default` has none (the demo's).
  let chosen = projectEl.value;
  if (!localStorage.getItem('inferlens.project') && projects.length > 0 && !projects.some((p) => p.project === chosen)) chosen = projects[0].project;
  const names = [...new Set([chosen, ...projects.map((p) => p.project)])].sort();
  // Rebuilt only when the list changed, so a refresh does not close the open drop-down.
  if (names.join('\u0000') !== [...projectEl.options].map((o) => o.value).join('\u0000')) {
    projectEl.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
  }
  projectEl.value = chosen;
}

/** Alerts of the chosen project (alert labels carry `project`). */
const ofProject = (alerts) => alerts.filter((a) => !a.labels.project || a.labels.project === projectEl.value);

const fmt = {
  int: (x) => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US')),
  num: (x, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? '–' : Number(x).toFixed(d)),
  ms: (x) => (x === null || x === undefined ? '–' : `${Number(x) < 10 ? Number(x).toFixed(2) : Number(x).toFixed(1)} ms`),
  pct: (x, d = 2) => (x === null || x === undefined || Number.isNaN(x) ? '–' : `${(Number(x) * 100).toFixed(d)} %`),
  time: (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { hour12: false }) : '–'),
};

const pill = (ok, good, bad) => h('span', { class: `pill ${ok ? 'good' : 'bad'}` }, ok ? good : bad);

/** A table from column specs `{ label, value(row) -> text|Node, num }`; `rowClass(row)` marks rows. */
function table(columns, rows, { rowClass, empty = 'Nothing in this range.', testid } = {}) {
  if (rows.length === 0) return h('p', { class: 'empty', 'data-testid': testid }, empty);
  return h(
    'table',
    { 'data-testid': testid },
    h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : undefined }, c.label)))),
    h('tbody', null, rows.map((r) => h('tr', { class: rowClass?.(r) }, columns.map((c) => h('td', { class: c.num ? 'num' : undefined }, c.value(r)))))),
  );
}

function modelHref(model, version) {
  return `#/model/${encodeURIComponent(model)}${version ? `?version=${encodeURIComponent(version)}` : ''}`;
}

/** Keeps the newest row per key (rows carry `windowStart`). */
function latestBy(rows, key) {
  const out = new Map();
  for (const r of rows) {
    const k = key(r);
    const seen = out.get(k);
    if (!seen || seen.windowStart < r.windowStart) out.set(k, r);
  }
  return [...out.values()];
}

function card(label, value, testid) {
  return h('div', { class: 'card', 'data-testid': testid }, h('div', { class: 'value' }, value), h('div', { class: 'label' }, label));
}

// ---------------------------------------------------------------- charts

/**
 * A uPlot line chart over `range` (ms): `lines` are `{ label, points: [[unixSeconds, value], ...] }`.
 * `threshold`, when given, is drawn as a dashed line; a `wide` chart takes the whole row.
 */
function lineChart(title, lines, unit, range, threshold, wide = false) {
  const times = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const data = [times];
  for (const l of lines) {
    const ys = new Array(times.length).fill(null);
    for (const [t, y] of l.points) ys[index.get(t)] = y;
    data.push(ys);
  }
  const series = [{}, ...lines.map((l, i) => ({ label: l.label, stroke: COLORS[i % COLORS.length], width: 1.5, points: { show: times.length < 60 } }))];
  if (threshold !== undefined) {
    data.push(times.map(() => threshold));
    series.push({ label: 'threshold', stroke: '#98a2b3', width: 1, dash: [6, 4], points: { show: false } });
  }
  const box = h('div', { class: 'chart', 'data-testid': `chart-${title}` }, h('h3', null, title));
  if (times.length === 0) {
    box.append(h('p', { class: 'empty' }, 'No data in this range.'));
    return box;
  }
  // Three charts share a row (two or one on narrow screens, as the row wraps).
  const perRow = wide ? 1 : view.clientWidth >= 1300 ? 3 : view.clientWidth >= 880 ? 2 : 1;
  const content = view.clientWidth - 40; // main's padding
  const width = Math.max(300, Math.floor((content - 14 * (perRow - 1)) / perRow) - 20); // gaps; the box's padding and border
  const plot = new uPlot(
    { width, height: 220, series, axes: [{}, { label: unit, size: 60 }], scales: { x: { time: true, range: () => [range.from / 1000, range.to / 1000] } } },
    data,
  );
  box.append(plot.root);
  box.uplot = plot; // destroyed when the view is replaced (uPlot keeps window listeners until then)
  return box;
}

/**
 * One line per version of the timeseries API's answer, a point per step of the range: steps
 * without predictions count 0 predictions and 0 errors (so an outage shows), `pick` gives the value.
 */
function versionLines(answer, range, pick) {
  const step = answer.stepSeconds;
  const steps = [];
  for (let t = Math.floor(range.from / 1000 / step) * step; t < range.to / 1000; t += step) steps.push(t);
  return answer.series.map((s) => {
    const byTime = new Map(s.points.map((p) => [Date.parse(p.time) / 1000, p]));
    const empty = { predictions: 0, estimatedPredictions: 0, errors: 0, latencyP50Ms: null, latencyP99Ms: null };
    return { label: s.version || '(none)', points: steps.map((t) => [t, pick(byTime.get(t) ?? empty)]) };
  });
}

/** One line per column of one version's drift results: statistic ÷ threshold (1 = the threshold). */
function driftLines(results, version) {
  const lines = new Map();
  for (const r of results) {
    if (r.version !== version || r.source === 'dataset' || !(r.threshold > 0)) continue;
    const label = r.source === 'output' ? `output ${r.feature}` : r.feature;
    const line = lines.get(label) ?? { label, points: [] };
    line.points.push([Date.parse(r.windowStart) / 1000, r.statistic / r.threshold]);
    lines.set(label, line);
  }
  return [...lines.values()].sort((a, b) => a.label.localeCompare(b.label));
}

// ---------------------------------------------------------------- views

async function modelsView() {
  const range = rangeParams();
  const [{ models }, all] = await Promise.all([api('/api/v1/models', range), api('/api/v1/alerts')]);
  const firing = ofProject(all.alerts).filter((a) => a.state === 'firing');
  const total = models.reduce((s, m) => s + m.predictions, 0);
  const errors = models.reduce((s, m) => s + m.errors, 0);
  return [
    h('h1', null, 'Models'),
    h('div', { class: 'cards' },
      card('model versions', fmt.int(models.length), 'card-versions'),
      card('predictions', fmt.int(total), 'card-predictions'),
      card('error rate', total > 0 ? fmt.pct(errors / total) : '–', 'card-error-rate'),
      card('firing alerts', fmt.int(firing.length), 'card-firing'),
    ),
    h('h2', null, 'Traffic by model version'),
    table(
      [
        { label: 'model', value: (m) => h('a', { href: modelHref(m.model), 'data-testid': 'model-link' }, m.model) },
        { label: 'version', value: (m) => h('a', { href: modelHref(m.model, m.version) }, m.version || '(none)') },
        { label: 'predictions', num: true, value: (m) => sampled(m) },
        { label: 'error rate', num: true, value: (m) => fmt.pct(m.errorRate) },
        { label: 'p50', num: true, value: (m) => fmt.ms(m.latencyMs.p50) },
        { label: 'p95', num: true, value: (m) => fmt.ms(m.latencyMs.p95) },
        { label: 'p99', num: true, value: (m) => fmt.ms(m.latencyMs.p99) },
        { label: 'last prediction', value: (m) => fmt.time(m.lastPrediction) },
        { label: 'alerts', value: (m) => alertPills(firing.filter((a) => a.labels.model === m.model && (!a.labels.version || a.labels.version === m.version))) },
      ],
      models,
      { testid: 'models-table', empty: 'No predictions in this range. Instrument a service with @inferlens/sdk, or POST NDJSON to /v1/predictions.' },
    ),
  ];
}

/** The record count, and the re-weighted call count when records were sampled. */
function sampled(m) {
  const estimated = Math.round(m.estimatedPredictions);
  return estimated > m.predictions ? `${fmt.int(m.predictions)} (≈ ${fmt.int(estimated)} calls, sampled)` : fmt.int(m.predictions);
}

function alertPills(alerts) {
  return alerts.map((a) => h('span', { class: 'pill bad', title: a.annotations?.summary ?? '' }, a.rule));
}

function driftTable(rows, showVersion) {
  const latest = latestBy(rows, (r) => `${r.version}\u0000${r.source}\u0000${r.feature}`).sort(
    (a, b) => (a.source === 'dataset' ? -1 : b.source === 'dataset' ? 1 : 0) || Number(b.drifted) - Number(a.drifted) || a.feature.localeCompare(b.feature),
  );
  return table(
    [
      ...(showVersion ? [{ label: 'version', value: (r) => r.version }] : []),
      { label: 'column', value: (r) => (r.source === 'dataset' ? 'data set (share of drifted inputs)' : r.feature) },
      { label: 'source', value: (r) => r.source },
      { label: 'method', value: (r) => r.method },
      { label: 'statistic', num: true, value: (r) => fmt.num(r.statistic) },
      { label: 'p-value', num: true, value: (r) => fmt.num(r.pValue, 4) },
      { label: 'threshold', num: true, value: (r) => fmt.num(r.threshold) },
      { label: 'rows (ref / window)', num: true, value: (r) => `${fmt.int(r.referenceRows)} / ${fmt.int(r.currentRows)}` },
      { label: 'window', value: (r) => `${fmt.time(r.windowStart)} – ${fmt.time(r.windowEnd).split(' ').pop()}` },
      { label: 'drift', value: (r) => (r.status && r.status !== 'ok' ? h('span', { class: 'pill warn' }, r.status) : pill(!r.drifted, 'no', 'drifted')) },
    ],
    latest,
    { testid: 'drift-table', rowClass: (r) => (r.drifted ? 'bad' : undefined), empty: 'No drift window closed in this range (a reference profile is needed: POST /v1/references).' },
  );
}

function slaTable(rows) {
  const latest = latestBy(rows, (r) => `${r.slo}\u0000${r.version}`);
  return table(
    [
      { label: 'SLO', value: (r) => r.slo },
      { label: 'version', value: (r) => r.version },
      { label: 'window', value: (r) => fmt.time(r.windowStart) },
      { label: 'requests', num: true, value: (r) => fmt.int(r.requests) },
      { label: 'p99', num: true, value: (r) => fmt.ms(r.latency.p99) },
      { label: 'latency objective', value: (r) => (r.objectives.latency ? `p${r.objectives.latency.percentile} < ${r.objectives.latency.thresholdMs} ms (${fmt.ms(r.objectives.latency.observedMs)})` : '–') },
      { label: 'error rate', num: true, value: (r) => fmt.pct(r.errorRate) },
      { label: 'availability', num: true, value: (r) => fmt.pct(r.availability, 3) },
      { label: 'budget left', num: true, value: (r) => fmt.pct(r.errorBudget.remaining, 1) },
      { label: 'status', value: (r) => pill(!r.breached, 'met', 'breached') },
    ],
    latest,
    { testid: 'sla-table', rowClass: (r) => (r.breached ? 'bad' : undefined), empty: 'No SLA window closed in this range (SLOs are declared in the collector config).' },
  );
}

function qualityTable(rows) {
  const latest = latestBy(rows, (r) => r.version);
  return table(
    [
      { label: 'version', value: (r) => r.version },
      { label: 'window', value: (r) => fmt.time(r.windowStart) },
      { label: 'label coverage', num: true, value: (r) => fmt.pct(r.labelCoverage, 1) },
      { label: 'accuracy', num: true, value: (r) => fmt.num(r.classification.accuracy) },
      { label: 'macro F1', num: true, value: (r) => fmt.num(r.classification.rows > 0 ? r.classification.macro.f1 : null) },
      { label: 'ROC AUC', num: true, value: (r) => fmt.num(r.classification.rocAuc) },
      { label: 'log loss', num: true, value: (r) => fmt.num(r.classification.logLoss) },
      { label: 'MAE', num: true, value: (r) => fmt.num(r.regression.mae) },
      { label: 'RMSE', num: true, value: (r) => fmt.num(r.regression.rmse) },
    ],
    latest,
    { testid: 'quality-table', empty: 'No quality window closed in this range (it needs feedback: POST /v1/feedback).' },
  );
}

function predictionsTable(rows) {
  const short = (o) => {
    const s = JSON.stringify(o, (_k, v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));
    return s.length > 120 ? `${s.slice(0, 117)}…` : s;
  };
  return table(
    [
      { label: 'time', value: (p) => fmt.time(p.timestamp) },
      { label: 'prediction id', value: (p) => h('span', { class: 'mono' }, p.predictionId) },
      { label: 'version', value: (p) => p.version },
      { label: 'latency', num: true, value: (p) => fmt.ms(p.latencyMs) },
      { label: 'status', value: (p) => (p.status === 'error' ? h('span', { class: 'pill bad' }, p.errorType || 'error') : 'ok') },
      { label: 'features', value: (p) => h('span', { class: 'mono' }, short({ ...p.numericFeatures, ...p.categoricalFeatures })) },
      { label: 'outputs', value: (p) => h('span', { class: 'mono' }, short({ ...p.numericOutputs, ...p.categoricalOutputs })) },
    ],
    rows,
    { testid: 'predictions-table' },
  );
}

async function modelView(model, version) {
  const range = rangeParams();
  const scoped = { ...range, model, version };
  // Windows that started up to a day before the range still describe it.
  const windows = { ...scoped, from: range.from - 86_400_000 };
  const [{ models }, series, drift, sla, quality, recent, { alerts }] = await Promise.all([
    api('/api/v1/models', range),
    api('/api/v1/timeseries', scoped),
    api('/api/v1/drift', windows),
    api('/api/v1/sla', windows),
    api('/api/v1/quality', windows),
    api('/api/v1/predictions', { ...scoped, limit: 20 }),
    api('/api/v1/alerts'),
  ]);
  const versions = models.filter((m) => m.model === model);
  const mine = ofProject(alerts).filter((a) => a.labels.model === model && (!version || !a.labels.version || a.labels.version === version));
  const select = h(
    'select',
    { 'aria-label': 'version', onchange: (e) => (location.hash = modelHref(model, e.target.value)) },
    h('option', { value: '', selected: !version }, 'all versions'),
    versions.map((m) => h('option', { value: m.version, selected: m.version === version }, m.version || '(none)')),
  );
  const shown = version ? versions.filter((m) => m.version === version) : versions;
  // The drift chart follows the chosen version, or the busiest one (the models API sorts by traffic).
  const driftVersion = version ?? versions[0]?.version;
  const count = shown.reduce((s, m) => s + m.predictions, 0);
  const errs = shown.reduce((s, m) => s + m.errors, 0);
  return [
    h('h1', { 'data-testid': 'model-title' }, model),
    h('div', { class: 'toolbar' }, h('label', null, 'Version ', select), h('a', { href: '#/' }, '← all models')),
    h('div', { class: 'cards' },
      card('predictions', fmt.int(count), 'card-predictions'),
      card('error rate', count > 0 ? fmt.pct(errs / count) : '–', 'card-error-rate'),
      card('drifted columns (latest window)', fmt.int(latestBy(drift.results, (r) => `${r.version}\u0000${r.source}\u0000${r.feature}`).filter((r) => r.drifted && r.source !== 'dataset').length), 'card-drifted'),
      card('firing alerts', fmt.int(mine.filter((a) => a.state === 'firing').length), 'card-firing'),
    ),
    mine.length > 0 ? [h('h2', null, 'Active alerts'), alertsTable(mine)] : null,
    h('h2', null, `Traffic (${series.stepSeconds} s steps)`),
    h('div', { class: 'charts' },
      lineChart('predictions per step', versionLines(series, range, (p) => p.predictions), 'predictions', range),
      lineChart('latency p99', versionLines(series, range, (p) => p.latencyP99Ms), 'ms', range),
      lineChart('error rate', versionLines(series, range, (p) => (p.predictions > 0 ? p.errors / p.predictions : null)), 'share', range),
    ),
    h('h2', null, 'Drift (latest closed window per column)'),
    driftTable(drift.results, !version),
    driftVersion !== undefined
      ? h('div', { class: 'charts drift-chart' },
          lineChart(`drift score per window, version ${driftVersion || '(none)'}`, driftLines(drift.results, driftVersion), 'statistic ÷ threshold', range, 1, true),
        )
      : null,
    h('h2', null, 'SLA (latest window per objective)'),
    slaTable(sla.results),
    h('h2', null, 'Quality from feedback (latest window)'),
    qualityTable(quality.results),
    h('h2', null, 'Recent predictions'),
    predictionsTable(recent.predictions),
  ];
}

function alertsTable(alerts) {
  return table(
    [
      { label: 'alert', value: (a) => a.rule },
      { label: 'state', value: (a) => h('span', { class: `pill ${a.state === 'firing' ? 'bad' : 'warn'}` }, a.state) },
      { label: 'labels', value: (a) => h('span', { class: 'mono' }, Object.entries(a.labels).map(([k, v]) => `${k}=${v}`).join(' ')) },
      { label: 'value', num: true, value: (a) => fmt.num(a.value) },
      { label: 'active since', value: (a) => fmt.time(a.activeAt) },
      { label: 'summary', value: (a) => a.annotations?.summary ?? '' },
    ],
    alerts,
    { testid: 'alerts-table', empty: 'No alert is pending or firing.' },
  );
}

async function alertsView() {
  const range = rangeParams();
  const [all, history] = await Promise.all([api('/api/v1/alerts'), api('/api/v1/alerts/history', { from: range.from, to: range.to, limit: 10000 })]);
  const alerts = ofProject(all.alerts);
  const transitions = ofProject([...history.events].reverse());
  return [
    h('h1', null, 'Alerts'),
    h('h2', null, 'Pending and firing'),
    alertsTable(alerts),
    h('h2', null, 'Transitions (newest first)'),
    table(
      [
        { label: 'time', value: (e) => fmt.time(e.time) },
        { label: 'alert', value: (e) => e.rule },
        { label: 'from → to', value: (e) => `${e.from} → ${e.to}` },
        { label: 'value', num: true, value: (e) => fmt.num(e.value) },
        { label: 'labels', value: (e) => h('span', { class: 'mono' }, Object.entries(e.labels).map(([k, v]) => `${k}=${v}`).join(' ')) },
      ],
      transitions,
      { testid: 'history-table', empty: 'No transition in this range.' },
    ),
  ];
}

// ---------------------------------------------------------------- router

let renderToken = 0;

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const params = new URLSearchParams(query);
  const parts = (path || '/').split('/').filter(Boolean);
  if (parts[0] === 'model' && parts[1]) return { nav: 'models', title: decodeURIComponent(parts[1]), load: () => modelView(decodeURIComponent(parts[1]), params.get('version') || undefined) };
  if (parts[0] === 'alerts') return { nav: 'alerts', title: 'Alerts', load: alertsView };
  return { nav: 'models', title: 'Models', load: modelsView };
}

/** Destroys the uPlot charts under `nodes`. */
function destroyCharts(nodes) {
  for (const node of nodes) {
    if (!(node instanceof Element)) continue;
    for (const el of [node, ...node.querySelectorAll('.chart')]) el.uplot?.destroy();
  }
}

async function render() {
  const token = ++renderToken;
  statusEl.textContent = 'loading…';
  statusEl.className = '';
  try {
    const r = route();
    document.title = `${r.title} · Inferlens`;
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.nav === r.nav);
    await loadProjects();
    const content = (await r.load()).flat().filter(Boolean);
    if (token !== renderToken) {
      destroyCharts(content); // a newer render started meanwhile
      return;
    }
    destroyCharts([...view.children]);
    view.replaceChildren(...content);
    statusEl.textContent = `updated ${new Date().toLocaleTimeString('en-GB', { hour12: false })}`;
    document.body.dataset.ready = String(token);
  } catch (err) {
    if (token !== renderToken) return;
    statusEl.textContent = 'error';
    statusEl.className = 'error';
    destroyCharts([...view.children]);
    view.replaceChildren(h('p', { class: 'error-box', 'data-testid': 'error' }, String(err.message ?? err)));
    document.body.dataset.ready = String(token);
  }
}

const saved = localStorage.getItem('inferlens.range');
if (saved && [...rangeEl.options].some((o) => o.value === saved)) rangeEl.value = saved;
const savedProject = localStorage.getItem('inferlens.project');
if (savedProject) projectEl.replaceChildren(h('option', { value: savedProject, selected: true }, savedProject));
projectEl.addEventListener('change', () => {
  localStorage.setItem('inferlens.project', projectEl.value);
  // A model belongs to one project: leave its page for the list; the other pages follow the project.
  if (route().nav === 'models' && (location.hash.replace(/^#/, '') || '/') !== '/') location.hash = '#/'; // renders on hashchange
  else render();
});
rangeEl.addEventListener('change', () => {
  localStorage.setItem('inferlens.range', rangeEl.value);
  render();
});
document.getElementById('refresh').addEventListener('click', render);
window.addEventListener('hashchange', render);
setInterval(() => {
  if (document.visibilityState === 'visible') render();
}, REFRESH_MS);
render();
