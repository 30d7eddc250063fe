// The collector's built-in UI: a single page over the read API (no build step, no framework).
// Views live in views/, one per route; the URL (hash) holds every choice, so a view can be shared.
import { api } from './lib/api.js';
import { forgetKey, keyForm, rememberKey, storedKey } from './lib/auth.js';
import { destroyCharts } from './lib/charts.js';
import { h } from './lib/dom.js';
import { currentRoute, link } from './lib/state.js';
import { alertsView } from './views/alerts.js';
import { compareView } from './views/compare.js';
import { featureView } from './views/feature.js';
import { modelView } from './views/model.js';
import { modelsView } from './views/models.js';
import { predictionView } from './views/prediction.js';
import { traceView } from './views/trace.js';

const view = document.getElementById('view');
const statusEl = document.getElementById('status');
const rangeEl = document.getElementById('range');
const projectEl = document.getElementById('project');
const forgetEl = document.getElementById('forget-key');
const REFRESH_MS = 30_000;
const PRESETS = { '1h': 3_600_000, '6h': 21_600_000, '24h': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 };

/** The route's view, its navigation entry, title, and the model whose data the range fits (if any). */
function route({ parts, params }) {
  const [first, ...rest] = parts;
  if (first === 'model' && rest[0]) return { nav: 'models', title: params.get('segment') ? `${rest[0]} · ${params.get('segment')}` : rest[0], model: rest[0], load: (ctx) => modelView(ctx, rest[0], params.get('version') || undefined, params.get('segment') || undefined) };
  if (first === 'feature' && rest.length >= 3) return { nav: 'models', title: `${rest[2]} · ${rest[0]}`, model: rest[0], load: (ctx) => featureView(ctx, rest[0], rest[1], rest[2]) };
  if (first === 'trace' && rest[0]) return { nav: 'models', title: `trace ${rest[0].slice(0, 8)}`, noRange: true, load: (ctx) => traceView(ctx, rest[0]) };
  if (first === 'prediction' && rest[0]) return { nav: 'models', title: `prediction ${rest[0].slice(0, 8)}`, noRange: true, load: (ctx) => predictionView(ctx, rest[0]) };
  if (first === 'compare') return { nav: 'compare', title: 'Compare versions', model: params.get('model') || undefined, load: compareView };
  // Alerts happen on the collector's clock, which can run ahead of the data's event time (a backfill, a replay).
  if (first === 'alerts') return { nav: 'alerts', title: 'Alerts', untilNow: true, load: alertsView };
  return { nav: 'models', title: 'Models', load: modelsView };
}

/**
 * Who this tab acts as (`GET /api/v1/whoami`); undefined when the collector needs a key this tab
 * does not hold, or one that can read: the page then asks for one.
 */
async function whoami(token) {
  let who;
  try {
    who = await api('/api/v1/whoami');
  } catch (err) {
    if (err.status !== 401) throw err;
    const problem = storedKey() ? 'That key is unknown or revoked; enter another.' : undefined;
    forgetKey();
    askForKey(token, problem);
    return undefined;
  }
  if (!who.scopes.includes('read') && !who.scopes.includes('admin')) {
    forgetKey();
    askForKey(token, `That key (${who.keyId}) cannot read: it has ${who.scopes.join(', ')}; enter a key with the read scope.`);
    return undefined;
  }
  return who;
}

function askForKey(token, problem) {
  if (token !== renderToken) return;
  forgetEl.hidden = true;
  statusEl.textContent = 'API key needed';
  statusEl.className = 'error';
  destroyCharts([...view.children]);
  view.replaceChildren(
    keyForm((key) => {
      rememberKey(key);
      render();
    }, problem),
  );
  document.body.dataset.ready = String(token);
}

/**
 * The project: a project-bound key's own; else the URL's, else the one last picked, else
 * `default` or the first with traffic.
 */
async function resolveProject(params, bound) {
  if (bound) {
    if ([...projectEl.options].map((o) => o.value).join('\u0000') !== bound) projectEl.replaceChildren(h('option', { value: bound }, bound));
    projectEl.value = bound;
    projectEl.disabled = true;
    return bound;
  }
  projectEl.disabled = false;
  const { projects } = await api('/api/v1/projects', { from: Date.now() - PRESETS['30d'] });
  let chosen = params.get('project') || localStorage.getItem('inferlens.project') || 'default';
  if (!params.get('project') && !localStorage.getItem('inferlens.project') && projects.length > 0 && !projects.some((p) => p.project === chosen)) chosen = projects[0].project;
  const names = [...new Set([chosen, ...projects.map((p) => p.project)])].sort();
  // Rebuilt only when the list changed, so a refresh does not close the open drop-down.
  if (names.join('\u0000') !== [...projectEl.options].map((o) => o.value).join('\u0000')) projectEl.replaceChildren(...names.map((n) => h('option', { value: n }, n)));
  projectEl.value = chosen;
  return chosen;
}

/**
 * The time range: `from`/`to` of the URL, a preset (`range=1h` ...), or by default `fit`: from the
 * first to the last prediction of the project (or of the route's model), with a margin.
 */
async function resolveRange(params, project, model, untilNow = false) {
  const now = Date.now();
  if (params.get('from') && params.get('to')) {
    rangeEl.value = 'custom';
    return { from: Number(params.get('from')), to: Number(params.get('to')), key: 'custom' };
  }
  const key = params.get('range') || 'fit';
  rangeEl.value = key in PRESETS || key === 'fit' ? key : 'fit';
  if (key in PRESETS) return { from: now - PRESETS[key], to: now, key };
  const activity = await api('/api/v1/activity', { project, model });
  if (!activity.firstPrediction) return { from: now - PRESETS['24h'], to: now, key: 'fit' };
  const first = Date.parse(activity.firstPrediction);
  const last = Date.parse(activity.lastPrediction);
  const pad = Math.max(60_000, (last - first) * 0.02);
  return { from: first - pad, to: Math.max(last + pad, first + 10 * 60_000, untilNow ? now : 0), key: 'fit' };
}

let renderToken = 0;

async function render() {
  const token = ++renderToken;
  statusEl.textContent = 'loading…';
  statusEl.className = '';
  try {
    const current = currentRoute();
    const r = route(current);
    document.title = `${r.title} · Inferlens`;
    for (const a of document.querySelectorAll('nav a')) {
      a.classList.toggle('active', a.dataset.nav === r.nav);
      a.setAttribute('href', link([a.dataset.nav === 'models' ? '' : a.dataset.nav].filter(Boolean), {}));
    }
    const who = await whoami(token);
    if (!who) return;
    forgetEl.hidden = !storedKey();
    const project = await resolveProject(current.params, who.project === '*' ? undefined : who.project);
    const range = await resolveRange(current.params, project, r.model, r.untilNow);
    rangeEl.disabled = !!r.noRange;
    const content = (await r.load({ project, range, params: current.params, parts: current.parts })).flat(Infinity).filter(Boolean);
    if (token !== renderToken) {
      destroyCharts(content); // a newer render started meanwhile
      return;
    }
    destroyCharts([...view.children]);
    view.replaceChildren(...content);
    statusEl.textContent = `updated ${new Date().toISOString().slice(11, 19)} UTC`;
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

projectEl.addEventListener('change', () => {
  localStorage.setItem('inferlens.project', projectEl.value);
  // A model belongs to one project: leave its pages for the list; the other pages follow the project.
  const { parts } = currentRoute();
  const keep = parts[0] === 'alerts' || parts[0] === 'compare' ? [parts[0]] : [];
  location.hash = link(keep, { project: projectEl.value, version: null, segment: null, window: null, model: null, a: null, b: null });
});
rangeEl.addEventListener('change', () => {
  // The page's own choices (version, segment, compared versions) stay; a window may fall outside the new range.
  const { parts, params } = currentRoute();
  const own = Object.fromEntries([...params].filter(([k]) => !['project', 'range', 'from', 'to', 'window'].includes(k)));
  location.hash = link(parts, { ...own, range: rangeEl.value === 'fit' ? null : rangeEl.value, from: null, to: null, window: null });
});
document.getElementById('refresh').addEventListener('click', render);
forgetEl.addEventListener('click', () => {
  forgetKey();
  render();
});
window.addEventListener('hashchange', render);
setInterval(() => {
  // Not while the page asks for a key: a refresh would wipe what is being typed.
  if (document.visibilityState === 'visible' && !view.querySelector('.key-form')) render();
}, REFRESH_MS);
render();
