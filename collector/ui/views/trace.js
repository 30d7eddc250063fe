import { api } from '../lib/api.js';
import { fmt, h, kvInline, kvTable, table } from '../lib/dom.js';
import { link, setParams } from '../lib/state.js';

const NS = 1_000_000n;
/** Nanosecond strings to milliseconds relative to `t0` (bigint ns). */
const msSince = (t0, ns) => Number(BigInt(ns) - t0) / 1e6;
/** A span's duration in milliseconds. */
const durationMs = (s) => Number(s.durationNano) / 1e6;

/** Spans in tree order (parents before children, siblings by start), each with its depth. */
function treeOrder(spans) {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map();
  for (const s of spans) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(s);
  }
  const out = [];
  const walk = (parent, depth) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => (BigInt(a.startTimeUnixNano) < BigInt(b.startTimeUnixNano) ? -1 : 1))) {
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk('', 0);
  return out;
}

function waterfall(spans, selected) {
  const t0 = spans.reduce((m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m), BigInt(spans[0].startTimeUnixNano));
  const end = spans.reduce((m, s) => Math.max(m, msSince(t0, s.endTimeUnixNano)), 0);
  const total = Math.max(end, 0.001);
  return h('div', { class: 'waterfall', 'data-testid': 'waterfall' },
    h('div', { class: 'wf-head' }, h('span', null, 'span'), h('span', null, `0 – ${fmt.ms(total)}`), h('span', { class: 'wf-label' }, 'duration')),
    treeOrder(spans).map(({ span: s, depth }) => {
      const start = msSince(t0, s.startTimeUnixNano);
      const dur = durationMs(s);
      const error = s.status.code === 'Error';
      return h('a', { class: `wf-row${s.spanId === selected ? ' selected' : ''}${error ? ' error' : ''}`, href: link(['trace', s.traceId], { span: s.spanId }), 'data-span': s.spanId, 'data-testid': 'span-row' },
        h('span', { class: 'wf-name', style: `padding-left: ${0.2 + depth * 1.1}rem` }, s.name, h('span', { class: 'muted' }, ` ${s.serviceName}`)),
        h('span', { class: 'wf-track' },
          h('span', { class: 'wf-bar', style: `left: ${(start / total) * 100}%; width: max(2px, ${(dur / total) * 100}%)` }),
          s.events.map((e) => h('span', { class: 'wf-event', title: e.name, style: `left: ${(msSince(t0, e.timeUnixNano) / total) * 100}%` })),
        ),
        h('span', { class: 'wf-label', 'data-testid': 'span-duration' }, fmt.ms(dur)),
      );
    }),
  );
}

function spanDetails(s, t0) {
  return [
    h('h2', { 'data-testid': 'span-title' }, `${s.name}`),
    table(
      [
        { label: 'span id', value: (x) => h('span', { class: 'mono' }, x.spanId) },
        { label: 'kind', value: (x) => x.kind },
        { label: 'service', value: (x) => x.serviceName },
        { label: 'start', value: (x) => `${fmt.time(Number(BigInt(x.startTimeUnixNano) / NS))} (+${fmt.ms(msSince(t0, x.startTimeUnixNano))})` },
        { label: 'duration', num: true, value: (x) => fmt.ms(durationMs(x)) },
        { label: 'status', value: (x) => (x.status.code === 'Error' ? h('span', { class: 'pill bad' }, `error${x.status.message ? `: ${x.status.message}` : ''}`) : x.status.code) },
      ],
      [s],
      { testid: 'span-summary' },
    ),
    h('h3', null, 'Attributes'),
    kvTable(s.attributes, { testid: 'span-attributes' }),
    h('h3', null, 'Events'),
    table(
      [
        { label: 'at', num: true, value: (e) => `+${fmt.ms(msSince(t0, e.timeUnixNano))}` },
        { label: 'name', value: (e) => e.name },
        { label: 'attributes', value: (e) => kvInline(e.attributes) },
      ],
      s.events,
      { testid: 'span-events', empty: 'No events.' },
    ),
    h('h3', null, 'Resource'),
    kvTable(s.resourceAttributes, { testid: 'span-resource' }),
  ];
}

/** A trace: the span waterfall, one span's details, and the predictions recorded in it. */
export async function traceView({ project, params }, traceId) {
  const [trace, linked] = await Promise.all([
    api(`/api/v1/traces/${encodeURIComponent(traceId)}`),
    api(`/api/v1/traces/${encodeURIComponent(traceId)}/predictions`, { project }),
  ]);
  const spans = trace.spans;
  const selected = spans.find((s) => s.spanId === params.get('span')) ?? spans.find((s) => !s.parentSpanId) ?? spans[0];
  const t0 = spans.reduce((m, s) => (BigInt(s.startTimeUnixNano) < m ? BigInt(s.startTimeUnixNano) : m), BigInt(spans[0].startTimeUnixNano));
  const spanOf = new Map(spans.map((s) => [s.spanId, s]));
  return [
    h('h1', { 'data-testid': 'trace-title' }, 'Trace ', h('span', { class: 'mono' }, traceId)),
    h('p', { class: 'muted' }, `${spans.length} spans · started ${fmt.time(Number(t0 / NS))}`),
    waterfall(spans, selected.spanId),
    h('h2', null, `Predictions in this trace (${linked.predictions.length})`),
    table(
      [
        { label: 'prediction', value: (p) => h('a', { class: 'mono', href: link(['prediction', p.predictionId]), 'data-testid': 'trace-prediction-link' }, p.predictionId.slice(0, 12)) },
        { label: 'model', value: (p) => h('a', { href: link(['model', p.model], { version: p.version }) }, p.model) },
        { label: 'version', value: (p) => p.version },
        { label: 'span', value: (p) => (spanOf.has(p.spanId) ? h('a', { href: link(['trace', traceId], { span: p.spanId }) }, spanOf.get(p.spanId).name) : '–') },
        { label: 'status', value: (p) => (p.status === 'error' ? h('span', { class: 'pill bad' }, p.errorType || 'error') : 'ok') },
        { label: 'outputs', value: (p) => kvInline({ ...p.numericOutputs, ...p.categoricalOutputs }) },
        { label: 'truth', value: (p) => (p.feedback ? (p.feedback.label ?? fmt.value(p.feedback.value)) : h('span', { class: 'muted' }, 'not yet')) },
      ],
      linked.predictions,
      { testid: 'trace-predictions', empty: 'No prediction record carries this trace id.' },
    ),
    spanDetails(selected, t0),
    h('p', { class: 'muted' }, 'Click a span for its details.', ' ', h('button', { type: 'button', onclick: () => setParams({ span: null }) }, 'root span')),
  ];
}
