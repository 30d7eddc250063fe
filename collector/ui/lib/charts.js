// Charts: uPlot line charts on a UTC time axis, SVG bars for distributions, an HTML heatmap.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { fmt, h, svg } from './dom.js';

export const COLORS = ['#3056d3', '#e04f16', '#079455', '#7a5af8', '#dd2590', '#0e9384', '#ca8504', '#475467'];
const utc = (ts) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

/** A time axis tick in the UI's format: `HH:MM` (UTC), with the date when the range spans days. */
function timeTick(t, range) {
  const s = fmt.time(t * 1000);
  return range.to - range.from > 86_400_000 ? `${s.slice(5, 10)} ${s.slice(11, 16)}` : s.slice(11, 16);
}

/** Width of a chart when `perRow` share a row of the main area. */
function chartWidth(perRow) {
  const view = document.getElementById('view');
  const content = view.clientWidth - 40; // main's padding
  const n = perRow === 1 ? 1 : view.clientWidth >= 1300 ? perRow : view.clientWidth >= 880 ? Math.min(2, perRow) : 1;
  return Math.max(300, Math.floor((content - 14 * (n - 1)) / n) - 20); // gaps; the box's padding and border
}

/**
 * A uPlot line chart over `range` ({from, to} in ms): `lines` are `{ label, points: [[unixSeconds,
 * value], ...], dash? }`; `threshold`, when given, is drawn dashed. Options: `wide` (whole row),
 * `log` (logarithmic y, for p-values), `testid`.
 */
/**
 * The smallest value a logarithmic chart draws: below about 1e-22, uPlot's (1.6.32) log axis
 * loses its ticks to rounding and its tick loop runs until a RangeError (no chart), so smaller
 * p-values, common in a drifted window, are drawn at this floor.
 */
export const LOG_FLOOR = 1e-20;

export function lineChart(title, lines, unit, range, { threshold, wide = false, log = false, testid } = {}) {
  const times = [...new Set(lines.flatMap((l) => l.points.map((p) => p[0])))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const data = [times];
  for (const l of lines) {
    const ys = new Array(times.length).fill(null);
    for (const [t, y] of l.points) ys[index.get(t)] = log && y !== null ? Math.max(y, LOG_FLOOR) : y;
    data.push(ys);
  }
  const series = [{ value: (_u, t) => (t === null ? '--' : fmt.time(t * 1000)) }, ...lines.map((l, i) => ({ label: l.label, stroke: l.color ?? COLORS[i % COLORS.length], width: 1.5, dash: l.dash, points: { show: times.length < 60 } }))];
  if (threshold !== undefined) {
    data.push(times.map(() => threshold));
    series.push({ label: 'threshold', stroke: '#98a2b3', width: 1, dash: [6, 4], points: { show: false } });
  }
  const box = h('div', { class: `chart${wide ? ' wide' : ''}`, 'data-testid': testid ?? `chart-${title}` }, h('h3', null, title));
  if (times.length === 0) {
    box.append(h('p', { class: 'empty' }, 'No data in this range.'));
    return box;
  }
  const plot = new uPlot(
    {
      width: chartWidth(wide ? 1 : 3),
      height: 220,
      series,
      tzDate: utc,
      axes: [{ values: (_u, splits) => splits.map((t) => (t === null ? '' : timeTick(t, range))) }, { label: unit, size: 64, values: log ? (_u, vals) => vals.map((v) => (v === null ? '' : Number(v).toExponential(0))) : undefined }],
      scales: { x: { time: true, range: () => [range.from / 1000, range.to / 1000] }, y: log ? { distr: 3 } : {} },
    },
    data,
  );
  box.append(plot.root);
  box.uplot = plot; // destroyed when the view is replaced (uPlot keeps window listeners until then)
  return box;
}

/** Destroys the uPlot charts under `nodes`. */
export function destroyCharts(nodes) {
  for (const node of nodes) {
    if (!(node instanceof Element)) continue;
    for (const el of [node, ...node.querySelectorAll('.chart')]) el.uplot?.destroy();
  }
}

/**
 * Vertical bars as SVG: `bars` are `{ label, value, share }` (share in [0, 1] sets the height),
 * drawn in `color`, with the largest share at full height.
 */
export function barChart(title, bars, { color = COLORS[0], max, testid, xLabels } = {}) {
  const W = 420;
  const H = 180;
  const top = max ?? Math.max(1e-12, ...bars.map((b) => b.share));
  const bw = W / Math.max(1, bars.length);
  const box = h('div', { class: 'chart bars', 'data-testid': testid }, h('h3', null, title));
  const plot = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H + 34}`, width: W, height: H + 34, role: 'img', 'aria-label': title },
    bars.map((b, i) => {
      const height = (b.share / top) * H;
      return svg(
        'rect',
        { x: i * bw + 1, y: H - height, width: Math.max(1, bw - 2), height, fill: color, 'data-value': b.value },
        svg('title', null, `${b.label}: ${fmt.int(b.value)} (${fmt.pct(b.share)})`),
      );
    }),
    svg('line', { x1: 0, y1: H + 0.5, x2: W, y2: H + 0.5, stroke: '#98a2b3' }),
    (xLabels ?? []).map(([i, text]) => svg('text', { x: Math.min(W - 2, Math.max(2, i * bw)), y: H + 14, 'font-size': 11, fill: '#667085', 'text-anchor': i === 0 ? 'start' : i >= bars.length ? 'end' : 'middle' }, text)),
  );
  box.append(plot);
  return box;
}

/**
 * A heatmap as an HTML grid: one row per `rows` entry, one column per `columns` entry (times in
 * ms); `cell(row, column)` returns `{ level, title, href, drifted }` or undefined (no value).
 * `level` ≥ 1 is drawn as alarm, below 1 in shades of neutral.
 */
export function heatmap(rows, columns, cell, { testid, rowLabel = (r) => r } = {}) {
  const shade = (level) => {
    if (level >= 1) return `rgba(196, 50, 10, ${Math.min(1, 0.45 + 0.25 * Math.log2(level + 1))})`;
    return `rgba(48, 86, 211, ${0.06 + 0.4 * Math.max(0, level)})`;
  };
  return h(
    'div',
    { class: 'heatmap', 'data-testid': testid, style: `grid-template-columns: minmax(9rem, max-content) repeat(${columns.length}, minmax(14px, 1fr))` },
    h('div', { class: 'corner' }),
    columns.map((c, i) => h('div', { class: 'col-head', title: fmt.time(c) }, i === 0 || i === columns.length - 1 || i % Math.ceil(columns.length / 6) === 0 ? fmt.time(c).slice(11, 16) : '')),
    rows.map((r) => [
      h('div', { class: 'row-head' }, rowLabel(r)),
      columns.map((c) => {
        const v = cell(r, c);
        if (!v) return h('div', { class: 'cell none', title: 'no result' });
        return h('a', { class: `cell${v.drifted ? ' drifted' : ''}`, href: v.href, title: v.title, style: `background: ${shade(v.level)}`, 'data-row': typeof r === 'string' ? r : undefined, 'data-window': new Date(c).toISOString(), 'data-drifted': v.drifted ? '1' : '0' });
      }),
    ]),
  );
}
