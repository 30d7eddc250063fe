// Pieces several views share.
import { fmt, h, table } from '../lib/dom.js';
import { link } from '../lib/state.js';

/** Alerts of the chosen project (alert labels carry `project`). */
export const ofProject = (alerts, project) => alerts.filter((a) => !a.labels.project || a.labels.project === project);

export const modelHref = (model, version, segment) => link(['model', model], { version: version ?? null, segment: segment ?? null });

/** The label of a segment: '' is the whole windows (every row). */
export const segmentLabel = (segment) => (segment ? segment : 'all traffic (whole windows)');

/**
 * The segment picker: the whole windows, then `segments` (names); `chosen` is listed even when the
 * range has none of its results, so the URL's choice stays visible. `onPick(segment or null)`.
 */
export function segmentSelect(segments, chosen, onPick) {
  const names = [...new Set([...segments, ...(chosen ? [chosen] : [])])].sort((a, b) => a.localeCompare(b));
  return h(
    'label',
    null,
    'Segment ',
    h(
      'select',
      { 'aria-label': 'segment', 'data-testid': 'segment-select', onchange: (e) => onPick(e.target.value || null) },
      h('option', { value: '', selected: !chosen }, segmentLabel('')),
      names.map((n) => h('option', { value: n, selected: n === chosen }, n)),
    ),
  );
}

/** What a segment's page shows of it, and what stays of all traffic. */
export function segmentNote(segment, what) {
  return segment ? h('p', { class: 'segment-note', 'data-testid': 'segment-note' }, 'Segment ', h('strong', null, segment), `: ${what}`) : null;
}

export function alertPills(alerts) {
  return alerts.map((a) => h('span', { class: 'pill bad', title: a.annotations?.summary ?? '' }, a.rule));
}

export function alertsTable(alerts) {
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

/** Drift methods whose decision is a p-value (drift when below the threshold). */
export const TEST_METHODS = new Set(['ks', 'chi-square', 'two-proportion-z', 'mmd']);

/** Whether a drift method is a test (p-value) rather than a distance. */
export const isTestMethod = (method) => TEST_METHODS.has(method);

/**
 * How far a drift result is from its threshold, on one scale for every method: 1 at the
 * threshold, above 1 drifted. A distance: statistic ÷ threshold; a test: log p ÷ log threshold.
 */
export function driftLevel(r) {
  if (r.pValue !== null && r.pValue !== undefined && isTestMethod(r.method)) {
    const p = Math.max(r.pValue, 1e-300);
    return Math.log(p) / Math.log(r.threshold);
  }
  return r.threshold > 0 ? r.statistic / r.threshold : 0;
}

/** The label of a drift column: features by name, outputs prefixed. */
export const columnLabel = (r) => (r.source === 'output' ? `output ${r.feature}` : r.feature);
