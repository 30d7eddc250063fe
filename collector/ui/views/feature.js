import { api } from '../lib/api.js';
import { barChart, COLORS, lineChart } from '../lib/charts.js';
import { fmt, h, pill, table } from '../lib/dom.js';
import { setParams } from '../lib/state.js';
import { modelHref, segmentNote, segmentSelect, TEST_METHODS as TESTS } from './common.js';

const seconds = (iso) => Date.parse(iso) / 1000;

/** Reference and window side by side, on one scale (shares of each side's values). */
function distributionCharts(d) {
  const dist = d.distribution;
  const share = (counts, total) => counts.map((c) => (total > 0 ? c / total : 0));
  if (dist.kind === 'numeric') {
    const ref = share(dist.reference.counts, dist.reference.count);
    const cur = share(dist.current.counts, dist.current.count);
    const max = Math.max(1e-12, ...ref, ...cur);
    const n = dist.edges.length - 1;
    const label = (i) => `${fmt.value(dist.edges[i])} – ${fmt.value(dist.edges[i + 1])}`;
    const xLabels = [[0, fmt.value(dist.edges[0])], [n / 2, fmt.value(dist.edges[Math.floor(n / 2)])], [n, fmt.value(dist.edges[n])]];
    return [
      barChart(`reference (${fmt.int(dist.reference.count)} values)`, ref.map((s, i) => ({ label: label(i), value: dist.reference.counts[i], share: s })), { max, color: COLORS[7], testid: 'dist-reference', xLabels }),
      barChart(`window (${fmt.int(dist.current.count)} values)`, cur.map((s, i) => ({ label: label(i), value: dist.current.counts[i], share: s })), { max, color: COLORS[1], testid: 'dist-current', xLabels }),
    ];
  }
  const cats = [...dist.categories, ...(dist.reference.otherCount + dist.current.otherCount > 0 ? ['(other)'] : [])];
  const side = (s) => [...s.counts, ...(cats.length > dist.categories.length ? [s.otherCount] : [])];
  const ref = side(dist.reference);
  const cur = side(dist.current);
  const max = Math.max(1e-12, ...share(ref, dist.reference.count), ...share(cur, dist.current.count));
  const bars = (counts, total) => counts.map((c, i) => ({ label: cats[i], value: c, share: total > 0 ? c / total : 0 }));
  return [
    barChart(`reference (${fmt.int(dist.reference.count)} values)`, bars(ref, dist.reference.count), { max, color: COLORS[7], testid: 'dist-reference', xLabels: cats.map((c, i) => [i + 0.5, c]) }),
    barChart(`window (${fmt.int(dist.current.count)} values)`, bars(cur, dist.current.count), { max, color: COLORS[1], testid: 'dist-current', xLabels: cats.map((c, i) => [i + 0.5, c]) }),
  ];
}

function summaryTable(d) {
  const dist = d.distribution;
  const rows = [
    { side: 'reference', rows: d.reference.rows, missing: d.reference.missing, ...dist.reference },
    { side: 'window', rows: d.current.rows, missing: d.current.missing, ...dist.current },
  ];
  const numeric = dist.kind === 'numeric';
  return table(
    [
      { label: '', value: (r) => r.side },
      { label: 'rows', num: true, value: (r) => fmt.int(r.rows) },
      { label: 'missing', num: true, value: (r) => fmt.int(r.missing) },
      ...(numeric
        ? [
            { label: 'mean', num: true, value: (r) => fmt.num(r.mean) },
            { label: 'sd', num: true, value: (r) => fmt.num(r.sd) },
            { label: 'min', num: true, value: (r) => fmt.value(r.min ?? '–') },
            { label: 'max', num: true, value: (r) => fmt.value(r.max ?? '–') },
          ]
        : dist.categories.slice(0, 8).map((c, i) => ({ label: c, num: true, value: (r) => (r.count > 0 ? fmt.pct(r.counts[i] / r.count) : '–') }))),
    ],
    rows,
    { testid: 'distribution-summary' },
  );
}

/**
 * One column of one model version: its reference and a window's distribution side by side, its
 * drift statistic over the windows against the threshold, and its data-quality measures; with a
 * `segment`, that segment's statistic and measures.
 */
export async function featureView({ project, range, params }, model, source, feature) {
  const windowsFrom = range.from - 86_400_000;
  const segment = params.get('segment') || undefined;
  const [all, { segments }] = await Promise.all([
    api('/api/v1/drift', { project, model, segment, feature, source, from: windowsFrom, to: range.to }),
    api('/api/v1/segments', { project, model, from: windowsFrom, to: range.to }),
  ]);
  const versions = [...new Set(all.results.map((r) => r.version))].sort();
  const version = params.get('version') ?? versions[0];
  const results = all.results.filter((r) => r.version === version);
  const head = [
    h('h1', { 'data-testid': 'feature-title' }, `${source === 'output' ? 'output ' : ''}${feature}`),
    h('div', { class: 'toolbar' },
      h('a', { href: modelHref(model, version, segment), 'data-testid': 'model-back-link' }, `← ${model}`),
      h('label', null, 'Version ', h('select', { 'aria-label': 'version', onchange: (e) => setParams({ version: e.target.value, window: null }) }, versions.map((v) => h('option', { value: v, selected: v === version }, v || '(none)')))),
      segments.length > 0 || segment ? segmentSelect(segments.filter((s) => s.version === version || version === undefined).map((s) => s.segment), segment, (s) => setParams({ segment: s, window: null })) : null,
    ),
    segmentNote(segment, 'the window’s distribution, the drift statistic and the data-quality measures are of this segment’s rows.'),
  ];
  if (results.length === 0) return [...head, h('p', { class: 'empty', 'data-testid': 'feature-empty' }, segment ? 'No drift window of this column and segment closed in this range.' : 'No drift window of this column closed in this range.')];
  const windowParam = Number(params.get('window'));
  const chosen = results.find((r) => Date.parse(r.windowStart) === windowParam) ?? results.at(-1);
  const [dist, dq] = await Promise.all([
    api('/api/v1/distributions', { project, model, version, feature, source, segment, from: Date.parse(chosen.windowStart), to: Date.parse(chosen.windowEnd) }),
    api('/api/v1/data-quality', { project, model, version, segment, feature, from: windowsFrom, to: range.to }),
  ]);
  const test = TESTS.has(chosen.method);
  const windowSelect = h(
    'select',
    { 'aria-label': 'window', onchange: (e) => setParams({ window: e.target.value }) },
    [...results].reverse().map((r) => h('option', { value: Date.parse(r.windowStart), selected: r === chosen }, `${fmt.time(r.windowStart)}${r.drifted ? ' · drifted' : ''}`)),
  );
  const dqRows = dq.results.filter((r) => r.source === source);
  const dqLines = [...new Set(dqRows.map((r) => r.metric))].sort().map((metric) => ({ label: metric, points: dqRows.filter((r) => r.metric === metric).map((r) => [seconds(r.windowStart), r.value]) }));
  return [
    ...head,
    h('div', { class: 'toolbar' }, h('label', null, 'Window ', windowSelect), h('span', { class: 'muted' }, `${fmt.time(chosen.windowStart)} – ${fmt.time(chosen.windowEnd)}`)),
    table(
      [
        { label: 'method', value: (r) => r.method },
        { label: 'statistic', num: true, value: (r) => fmt.num(r.statistic) },
        { label: 'p-value', num: true, value: (r) => fmt.p(r.pValue) },
        { label: 'drift when', num: true, value: (r) => (test ? `p < ${r.threshold}` : `≥ ${fmt.num(r.threshold)}`) },
        { label: 'rows (ref / window)', num: true, value: (r) => `${fmt.int(r.referenceRows)} / ${fmt.int(r.currentRows)}` },
        { label: 'drift', value: (r) => pill(!r.drifted, 'no', 'drifted') },
      ],
      [chosen],
      { testid: 'feature-window', rowClass: (r) => (r.drifted ? 'bad' : undefined) },
    ),
    h('h2', { 'data-testid': 'distributions-heading' }, segment ? `Reference and window of segment ${segment}` : 'Reference and window'),
    segment ? h('p', { class: 'muted', 'data-testid': 'reference-side' }, dist.reference.segment ? 'The reference side is the reference’s rows of this segment.' : 'The reference side is the whole reference: it has no rows of this segment (an uploaded data set has no segment), as the drift job compared them.') : null,
    h('div', { class: 'charts side-by-side' }, distributionCharts(dist)),
    summaryTable(dist),
    h('h2', null, test ? 'p-value per window (log scale, p-values below 1e-20 drawn at 1e-20; drift below the threshold)' : 'Statistic per window'),
    h('div', { class: 'charts' },
      lineChart(`${chosen.method} per window`, [{ label: test ? 'p-value' : chosen.method, points: results.map((r) => [seconds(r.windowStart), test ? r.pValue : r.statistic]) }], test ? 'p-value' : 'statistic', range, {
        threshold: chosen.threshold,
        log: test,
        wide: true,
        testid: 'chart-drift-statistic',
      }),
    ),
    h('h2', null, 'Data quality per window'),
    h('div', { class: 'charts' }, lineChart('data-quality measures', dqLines, 'share', range, { wide: true, testid: 'chart-data-quality' })),
    h('p', { class: 'muted' }, h('a', { href: modelHref(model, version, segment) }, `all columns of ${model} ${version}${segment ? ` in segment ${segment}` : ''}`)),
  ];
}
