import { api } from '../lib/api.js';
import { fmt, h, kvTable, table } from '../lib/dom.js';
import { link } from '../lib/state.js';
import { firstTokenMs } from './model.js';

/** One prediction: its features and outputs as key/value tables, its truth, its trace. */
export async function predictionView({ project }, predictionId) {
  const [{ predictions }, truth] = await Promise.all([api('/api/v1/predictions', { project, predictionId, limit: 1 }), api('/api/v1/feedback', { project, predictionId })]);
  const feedback = truth.feedback[0] ?? null;
  const p = predictions[0];
  if (!p) return [h('h1', null, 'Prediction'), h('p', { class: 'error-box', 'data-testid': 'error' }, `No prediction ${predictionId} in project ${project}.`)];
  return [
    h('h1', { 'data-testid': 'prediction-title' }, 'Prediction ', h('span', { class: 'mono' }, p.predictionId)),
    h('div', { class: 'toolbar' },
      h('a', { href: link(['model', p.model], { version: p.version }) }, `← ${p.model} ${p.version}`),
      p.traceId ? h('a', { href: link(['trace', p.traceId], { span: p.spanId || null }), 'data-testid': 'prediction-trace-link' }, 'open its trace →') : h('span', { class: 'muted' }, 'no trace id'),
    ),
    table(
      [
        { label: 'time', value: (x) => fmt.time(x.timestamp) },
        { label: 'service', value: (x) => x.service },
        { label: 'environment', value: (x) => x.environment || '–' },
        { label: 'latency', num: true, value: (x) => fmt.ms(x.latencyMs) },
        { label: 'status', value: (x) => (x.status === 'error' ? h('span', { class: 'pill bad' }, x.errorType || 'error') : 'ok') },
        { label: 'tokens in / out', num: true, value: (x) => (x.inputTokens || x.outputTokens ? `${fmt.int(x.inputTokens)} / ${fmt.int(x.outputTokens)}` : '–') },
        { label: 'first token', num: true, value: (x) => fmt.ms(firstTokenMs(x)) },
        { label: 'truth', value: () => (feedback ? (feedback.label ?? fmt.value(feedback.value)) : 'not yet') },
      ],
      [p],
      { testid: 'prediction-summary' },
    ),
    h('div', { class: 'columns' },
      h('div', null, h('h2', null, 'Features'), kvTable({ ...p.numericFeatures, ...p.categoricalFeatures }, { testid: 'prediction-features' })),
      h('div', null, h('h2', null, 'Outputs'), kvTable({ ...p.numericOutputs, ...p.categoricalOutputs }, { testid: 'prediction-outputs' })),
      h('div', null, h('h2', null, 'Attributes'), kvTable(p.attributes, { testid: 'prediction-attributes' })),
    ),
    feedback ? [h('h2', null, 'Feedback'), kvTable({ truth: feedback.label ?? feedback.value, time: fmt.time(feedback.timestamp), received: fmt.time(feedback.receivedAt) }, { testid: 'prediction-feedback' })] : null,
  ];
}
