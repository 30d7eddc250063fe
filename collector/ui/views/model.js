import { api } from '../lib/api.js';
import { heatmap, lineChart } from '../lib/charts.js';
import { card, fmt, h, kvInline, latestBy, pill, table } from '../lib/dom.js';
import { link } from '../lib/state.js';
import { alertsTable, columnLabel, driftLevel, isTestMethod, modelHref, ofProject, segmentNote, segmentSelect } from './common.js';

const seconds = (iso) => Date.parse(iso) / 1000;
const inRange = (range) => (r) => Date.parse(r.windowEnd) > range.from && Date.parse(r.windowStart) < range.to;

/**
 * One line per version of the timeseries API's answer, a point per step of the range: steps
 * without predictions count 0 predictions and 0 errors (so an outage shows), `pick` gives the value.
 */
function versionLines(answer, range, pick) {
  const step = answer.stepSeconds;
  const steps = [];
  for (let t = Math.floor(range.from / 1000 / step) * step; t < range.to / 1000; t += step) steps.push(t);
  return answer.series.map((s) => {
    const byTime = new Map(s.points.map((p) => [seconds(p.time), p]));
    const empty = { predictions: 0, estimatedPredictions: 0, errors: 0, latencyP50Ms: null, latencyP99Ms: null };
    return { label: s.version || '(none)', points: steps.map((t) => [t, pick(byTime.get(t) ?? empty)]) };
  });
}

/** One line per key of `rows` (windows), `value(row)` at each window start. */
function windowLines(rows, key, value) {
  const lines = new Map();
  for (const r of rows) {
    const v = value(r);
    if (v === null || v === undefined) continue;
    const k = key(r);
    if (!lines.has(k)) lines.set(k, { label: k, points: [] });
    lines.get(k).points.push([seconds(r.windowStart), v]);
  }
  return [...lines.values()];
}

const featureHref = (model, r, windowStart) =>
  link(['feature', model, r.source, r.feature], { version: r.version, segment: r.segment || null, window: windowStart ? Date.parse(windowStart) : null });

/**
 * How bad a segment looks, for sorting worst first: drifted columns of its newest window, its share
 * of drifted inputs, its windows with drift, then its newest accuracy (lower is worse).
 */
function segmentBadness(s) {
  const d = s.drift?.latest;
  return [d?.driftedColumns ?? -1, d?.datasetShare ?? -1, s.drift?.driftedWindows ?? -1, s.quality?.latest.accuracy === null || s.quality?.latest.accuracy === undefined ? -2 : -s.quality.latest.accuracy];
}

function worstFirst(a, b) {
  const x = segmentBadness(a);
  const y = segmentBadness(b);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return y[i] - x[i];
  return a.segment.localeCompare(b.segment) || a.version.localeCompare(b.version);
}

/** Every segment of the model with its newest drift and quality, worst first, each linking to its page. */
function segmentsSection(model, version, segment, segments) {
  if (segments.length === 0) return null;
  const rows = [...segments].sort(worstFirst);
  return [
    h('h2', null, 'Segments, worst first'),
    h('p', { class: 'muted' }, 'Per version and segment: its newest closed drift window (columns that drifted, share of drifted inputs), how many of its windows had a drifted column, and its newest window with feedback. Click a segment for its drift and quality.'),
    table(
      [
        { label: 'segment', value: (s) => h('a', { href: modelHref(model, version, s.segment), 'data-testid': 'segment-link' }, s.segment) },
        { label: 'version', value: (s) => s.version || '(none)' },
        { label: 'newest window', value: (s) => (s.drift ? fmt.time(s.drift.latest.windowStart) : '–') },
        { label: 'drifted columns', num: true, value: (s) => (s.drift ? `${fmt.int(s.drift.latest.driftedColumns)} / ${fmt.int(s.drift.latest.columns)}` : '–') },
        { label: 'drifted inputs', num: true, value: (s) => fmt.pct(s.drift?.latest.datasetShare) },
        { label: 'windows with drift', num: true, value: (s) => (s.drift ? `${fmt.int(s.drift.driftedWindows)} / ${fmt.int(s.drift.windows)}` : '–') },
        { label: 'accuracy (newest labelled)', num: true, value: (s) => fmt.num(s.quality?.latest.labelled > 0 ? s.quality.latest.accuracy : null) },
        { label: 'labelled', num: true, value: (s) => (s.quality ? fmt.int(s.quality.latest.labelled) : '–') },
      ],
      rows,
      { testid: 'segments-table', rowClass: (s) => [s.drift?.latest.driftedColumns > 0 ? 'bad' : '', s.segment === segment ? 'current' : ''].filter(Boolean).join(' ') || undefined, rowProps: (s) => ({ 'data-segment': s.segment, 'data-version': s.version }) },
    ),
  ];
}

function driftSection(model, drift, versions, range, segment) {
  const rows = drift.filter(inRange(range));
  const latest = latestBy(drift, (r) => `${r.version}\u0000${r.source}\u0000${r.feature}`).sort(
    (a, b) => a.version.localeCompare(b.version) || (a.source === 'dataset' ? -1 : b.source === 'dataset' ? 1 : 0) || Number(b.drifted) - Number(a.drifted) || a.feature.localeCompare(b.feature),
  );
  const maps = versions.map((version) => {
    const mine = rows.filter((r) => r.version === version);
    const windows = [...new Set(mine.map((r) => Date.parse(r.windowStart)))].sort((a, b) => a - b);
    const columns = [...new Set(mine.filter((r) => r.source !== 'dataset').map((r) => `${r.source}:${r.feature}`))].sort((a, b) => a.localeCompare(b));
    const byKey = new Map(mine.map((r) => [`${r.source}:${r.feature}\u0000${Date.parse(r.windowStart)}`, r]));
    const dataset = new Map(mine.filter((r) => r.source === 'dataset').map((r) => [Date.parse(r.windowStart), r]));
    if (windows.length === 0) return null;
    return h('div', { class: 'heatmap-box' },
      h('h3', null, `version ${version || '(none)'}: ${windows.length} windows × ${columns.length} columns`),
      heatmap(['*', ...columns], windows, (c, w) => {
        const r = c === '*' ? dataset.get(w) : byKey.get(`${c}\u0000${w}`);
        if (!r) return undefined;
        const level = c === '*' ? r.statistic / r.threshold : driftLevel(r);
        const what = c === '*' ? `${fmt.pct(r.statistic)} of the inputs drifted` : `${r.method} ${fmt.num(r.statistic)}${r.pValue === null ? '' : `, p ${fmt.p(r.pValue)}`}, threshold ${isTestMethod(r.method) ? `p < ${r.threshold}` : fmt.num(r.threshold)}`;
        const column = r.source === 'feature' || r.source === 'output';
        return { level, drifted: r.drifted, title: `${c === '*' ? 'data set' : columnLabel(r)} · ${fmt.time(r.windowStart)}: ${what}`, href: column ? featureHref(model, r, r.windowStart) : undefined };
      }, { testid: `drift-heatmap-${version}`, rowLabel: (c) => (c === '*' ? 'data set' : c === 'multivariate:*' ? 'multivariate (PCA)' : c === 'embedding:embedding' ? 'embedding (MMD)' : c.replace(/^feature:/, '').replace(/^output:/, 'output ')) }),
    );
  });
  return [
    h('h2', { 'data-testid': 'drift-heading' }, segment ? `Drift of segment ${segment}` : 'Drift'),
    h('p', { class: 'muted' }, 'Each cell is a closed window of a column against the version’s reference; red cells drifted (the darker, the further past the threshold). Click one for the distributions.'),
    maps.some(Boolean) ? maps : h('p', { class: 'empty', 'data-testid': 'drift-heatmap-empty' }, segment ? 'No drift window of this segment closed in this range.' : 'No drift window closed in this range (a reference profile is needed: POST /v1/references).'),
    h('h3', null, 'Latest closed window per column'),
    table(
      [
        { label: 'version', value: (r) => r.version },
        { label: 'column', value: (r) => (r.source === 'dataset' ? 'data set (share of drifted inputs)' : r.source === 'multivariate' ? 'multivariate (PCA reconstruction error)' : r.source === 'embedding' ? `embedding (MMD; centroid distance ${fmt.num(r.metrics?.euclidean)}, cosine ${fmt.num(r.metrics?.cosine)})` : h('a', { href: featureHref(model, r) }, columnLabel(r))) },
        { label: 'method', value: (r) => r.method },
        { label: 'statistic', num: true, value: (r) => fmt.num(r.statistic) },
        { label: 'p-value', num: true, value: (r) => fmt.p(r.pValue) },
        { label: 'drift when', num: true, value: (r) => (isTestMethod(r.method) ? `p < ${r.threshold}` : r.source === 'multivariate' ? `outside ${fmt.num(r.metrics?.lower)} – ${fmt.num(r.metrics?.upper)}` : `≥ ${fmt.num(r.threshold)}`) },
        { label: 'rows (ref / window)', num: true, value: (r) => `${fmt.int(r.referenceRows)} / ${fmt.int(r.currentRows)}` },
        { label: 'window', value: (r) => `${fmt.time(r.windowStart)} – ${fmt.time(r.windowEnd).slice(11)}` },
        { label: 'drift', value: (r) => (r.status && r.status !== 'ok' ? h('span', { class: 'pill warn' }, r.status) : pill(!r.drifted, 'no', 'drifted')) },
      ],
      latest,
      { testid: 'drift-table', rowClass: (r) => (r.drifted ? 'bad' : undefined), empty: 'No drift window closed yet.' },
    ),
  ];
}

function qualitySection(quality, range, segment) {
  const rows = quality.filter(inRange(range));
  const byVersion = (r) => r.version || '(none)';
  const regression = rows.some((r) => r.regression.rows > 0);
  const newest = [...rows].sort((a, b) => b.windowStart.localeCompare(a.windowStart) || a.version.localeCompare(b.version)).slice(0, 24);
  return [
    h('h2', { 'data-testid': 'quality-heading' }, segment ? `Quality from feedback of segment ${segment}, per window` : 'Quality from feedback, per window'),
    h('p', { class: 'muted' }, 'The newest windows often have no feedback yet (coverage 0): the truth arrives later, and the quality job recomputes a window when it does.'),
    h('div', { class: 'charts' },
      lineChart('accuracy', windowLines(rows, byVersion, (r) => r.classification.accuracy), 'accuracy', range, { testid: 'chart-accuracy' }),
      lineChart('ROC AUC', windowLines(rows, byVersion, (r) => r.classification.rocAuc), 'AUC', range, { threshold: 0.5, testid: 'chart-roc-auc' }),
      lineChart('label coverage', windowLines(rows, byVersion, (r) => r.labelCoverage), 'share', range, { testid: 'chart-label-coverage' }),
      lineChart('label delay p50', windowLines(rows, byVersion, (r) => r.labelDelaySeconds.p50), 's', range, { testid: 'chart-label-delay' }),
      regression ? lineChart('MAE', windowLines(rows, byVersion, (r) => r.regression.mae), 'MAE', range, { testid: 'chart-mae' }) : null,
      regression ? lineChart('RMSE', windowLines(rows, byVersion, (r) => r.regression.rmse), 'RMSE', range, { testid: 'chart-rmse' }) : null,
    ),
    table(
      [
        { label: 'window', value: (r) => fmt.time(r.windowStart) },
        { label: 'version', value: (r) => r.version },
        { label: 'predictions', num: true, value: (r) => fmt.int(r.predictions) },
        { label: 'labelled', num: true, value: (r) => fmt.int(r.labelled) },
        { label: 'coverage', num: true, value: (r) => fmt.pct(r.labelCoverage) },
        { label: 'label delay p50', num: true, value: (r) => fmt.seconds(r.labelDelaySeconds.p50) },
        { label: 'accuracy', num: true, value: (r) => fmt.num(r.classification.accuracy) },
        { label: 'macro F1', num: true, value: (r) => fmt.num(r.classification.rows > 0 ? r.classification.macro.f1 : null) },
        { label: 'ROC AUC', num: true, value: (r) => fmt.num(r.classification.rocAuc) },
        { label: 'log loss', num: true, value: (r) => fmt.num(r.classification.logLoss) },
        { label: 'MAE', num: true, value: (r) => fmt.num(r.regression.mae) },
        { label: 'RMSE', num: true, value: (r) => fmt.num(r.regression.rmse) },
      ],
      newest,
      { testid: 'quality-table', empty: 'No quality window closed in this range (it needs feedback: POST /v1/feedback).' },
    ),
  ];
}

function slaSection(sla, range) {
  const rows = sla.filter(inRange(range));
  const key = (r) => `${r.slo} ${r.version}`;
  const burn = [];
  for (const r of rows) {
    for (const b of r.burnRates) {
      const pair = `${key(r)} ${b.longSeconds / 60}m/${b.shortSeconds / 60}m`;
      burn.push({ ...r, pair, long: b.longBurnRate, short: b.shortBurnRate, factor: b.factor });
    }
  }
  const factors = [...new Set(burn.map((b) => b.factor))];
  const latest = latestBy(sla, (r) => `${r.slo}\u0000${r.version}`);
  return [
    h('h2', null, 'SLA: error budget and burn rates'),
    h('div', { class: 'charts' },
      lineChart('error budget remaining', windowLines(rows, key, (r) => r.errorBudget.remaining), 'share of budget', range, { threshold: 0, testid: 'chart-error-budget' }),
      lineChart('burn rate (long window)', windowLines(burn, (b) => b.pair, (b) => b.long), '× budget', range, { threshold: factors.length === 1 ? factors[0] : undefined, testid: 'chart-burn-long' }),
      lineChart('burn rate (short window)', windowLines(burn, (b) => b.pair, (b) => b.short), '× budget', range, { threshold: factors.length === 1 ? factors[0] : undefined, testid: 'chart-burn-short' }),
    ),
    table(
      [
        { label: 'SLO', value: (r) => r.slo },
        { label: 'version', value: (r) => r.version },
        { label: 'window', value: (r) => fmt.time(r.windowStart) },
        { label: 'requests', num: true, value: (r) => fmt.int(r.requests) },
        { label: 'latency objective', value: (r) => (r.objectives.latency ? `p${r.objectives.latency.percentile} ≤ ${r.objectives.latency.thresholdMs} ms (${fmt.ms(r.objectives.latency.observedMs)})` : '–') },
        { label: 'error rate', num: true, value: (r) => fmt.pct(r.errorRate, 2) },
        { label: 'availability', num: true, value: (r) => fmt.pct(r.availability, 2) },
        { label: 'budget left', num: true, value: (r) => fmt.pct(r.errorBudget.remaining) },
        { label: 'burn rate', value: (r) => (r.burnRateFiring ? h('span', { class: 'pill bad' }, 'firing') : 'ok') },
        { label: 'status', value: (r) => pill(!r.breached, 'met', 'breached') },
      ],
      latest,
      { testid: 'sla-table', rowClass: (r) => (r.breached ? 'bad' : undefined), empty: 'No SLA window closed in this range (SLOs are declared in the collector config).' },
    ),
  ];
}

/** Time to the first streamed token of a generative call, from the record's attributes (ms), or null. */
export const firstTokenMs = (p) => (p.attributes?.[FIRST_CHUNK] === undefined ? null : Number(p.attributes[FIRST_CHUNK]));
const FIRST_CHUNK = 'inferlens.stream.time_to_first_chunk_ms';

export function predictionsTable(rows, { testid = 'predictions-table' } = {}) {
  // Generative calls also show their tokens and time to first token.
  const generative = rows.some((p) => p.inputTokens > 0 || p.outputTokens > 0 || firstTokenMs(p) !== null);
  return table(
    [
      { label: 'time', value: (p) => fmt.time(p.timestamp) },
      { label: 'prediction', value: (p) => h('a', { class: 'mono', href: link(['prediction', p.predictionId]), 'data-testid': 'prediction-link' }, p.predictionId.slice(0, 12)) },
      { label: 'version', value: (p) => p.version },
      { label: 'latency', num: true, value: (p) => fmt.ms(p.latencyMs) },
      { label: 'status', value: (p) => (p.status === 'error' ? h('span', { class: 'pill bad' }, p.errorType || 'error') : 'ok') },
      { label: 'features', value: (p) => kvInline({ ...p.numericFeatures, ...p.categoricalFeatures }) },
      { label: 'outputs', value: (p) => kvInline({ ...p.numericOutputs, ...p.categoricalOutputs }) },
      ...(generative
        ? [
            { label: 'tokens in / out', num: true, value: (p) => `${fmt.int(p.inputTokens)} / ${fmt.int(p.outputTokens)}` },
            { label: 'first token', num: true, value: (p) => fmt.ms(firstTokenMs(p)) },
          ]
        : []),
      { label: 'trace', value: (p) => (p.traceId ? h('a', { class: 'mono', href: link(['trace', p.traceId]), 'data-testid': 'trace-link' }, p.traceId.slice(0, 8)) : '–') },
    ],
    rows,
    { testid },
  );
}

/**
 * A model: traffic, its segments worst first, drift heatmap, quality and SLA over windows, recent
 * predictions; with `segment`, the drift and quality of that segment's rows.
 */
export async function modelView({ project, range }, model, version, segment) {
  const scoped = { project, from: range.from, to: range.to, model, version };
  // Windows that started up to a day before the range still describe it.
  const windows = { ...scoped, from: range.from - 86_400_000 };
  const [{ models }, series, drift, sla, quality, recent, { alerts }, { segments }] = await Promise.all([
    api('/api/v1/models', { project, from: range.from, to: range.to }),
    api('/api/v1/timeseries', scoped),
    api('/api/v1/drift', { ...windows, segment }),
    api('/api/v1/sla', windows),
    api('/api/v1/quality', { ...windows, segment }),
    api('/api/v1/predictions', { ...scoped, limit: 20 }),
    api('/api/v1/alerts'),
    api('/api/v1/segments', windows),
  ]);
  const versions = models.filter((m) => m.model === model);
  const mine = ofProject(alerts, project).filter((a) => a.labels.model === model && (!version || !a.labels.version || a.labels.version === version));
  const select = h(
    'select',
    { 'aria-label': 'version', onchange: (e) => (location.hash = modelHref(model, e.target.value || null, segment)) },
    h('option', { value: '', selected: !version }, 'all versions'),
    versions.map((m) => h('option', { value: m.version, selected: m.version === version }, m.version || '(none)')),
  );
  const shown = version ? versions.filter((m) => m.version === version) : versions;
  const count = shown.reduce((s, m) => s + m.predictions, 0);
  const errs = shown.reduce((s, m) => s + m.errors, 0);
  const driftVersions = [...new Set(drift.results.map((r) => r.version))].sort();
  const compare = versions.length >= 2 ? h('a', { href: link(['compare'], { model, a: versions[0].version, b: version && version !== versions[0].version ? version : versions[1].version }), 'data-testid': 'compare-link' }, 'compare versions →') : null;
  return [
    h('h1', { 'data-testid': 'model-title' }, model),
    h('div', { class: 'toolbar' },
      h('label', null, 'Version ', select),
      segments.length > 0 || segment ? segmentSelect(segments.map((s) => s.segment), segment, (s) => (location.hash = modelHref(model, version, s))) : null,
      h('a', { href: link([]) }, '← all models'),
      compare,
      h('span', { class: 'muted', 'data-testid': 'range-text', 'data-from': range.from, 'data-to': range.to }, `${fmt.time(range.from)} – ${fmt.time(range.to)}`),
    ),
    segmentNote(segment, 'the drift and quality below are of this segment’s rows; traffic, SLA and recent predictions are of all traffic.'),
    h('div', { class: 'cards' },
      card('predictions', fmt.int(count), 'card-predictions'),
      card('error rate', count > 0 ? fmt.pct(errs / count, 2) : '–', 'card-error-rate'),
      card('drifted columns (latest window)', fmt.int(latestBy(drift.results, (r) => `${r.version}\u0000${r.source}\u0000${r.feature}`).filter((r) => r.drifted && (r.source === 'feature' || r.source === 'output')).length), 'card-drifted'),
      card('firing alerts', fmt.int(mine.filter((a) => a.state === 'firing').length), 'card-firing'),
    ),
    mine.length > 0 ? h('details', { open: mine.length <= 4, class: 'alerts' }, h('summary', null, h('h2', null, `Active alerts (${mine.length})`)), alertsTable(mine)) : null,
    segmentsSection(model, version, segment, segments),
    h('h2', null, `Traffic (${series.stepSeconds} s steps)`),
    h('div', { class: 'charts traffic' },
      lineChart('predictions per step', versionLines(series, range, (p) => p.predictions), 'predictions', range),
      lineChart('latency p99', versionLines(series, range, (p) => p.latencyP99Ms), 'ms', range),
      lineChart('error rate', versionLines(series, range, (p) => (p.predictions > 0 ? p.errors / p.predictions : null)), 'share', range),
    ),
    driftSection(model, drift.results, driftVersions, range, segment),
    qualitySection(quality.results, range, segment),
    slaSection(sla.results, range),
    h('h2', null, 'Recent predictions'),
    predictionsTable(recent.predictions),
  ];
}
