import { api } from '../lib/api.js';
import { card, fmt, h, table } from '../lib/dom.js';
import { link } from '../lib/state.js';
import { alertPills, modelHref, ofProject } from './common.js';

/** The record count, and the re-weighted call count when records were sampled. */
function sampled(m) {
  const estimated = Math.round(m.estimatedPredictions);
  return estimated > m.predictions ? `${fmt.int(m.predictions)} (≈ ${fmt.int(estimated)} calls, sampled)` : fmt.int(m.predictions);
}

/** Every model version with traffic in the range. */
export async function modelsView({ project, range }) {
  const [{ models }, all] = await Promise.all([api('/api/v1/models', { project, from: range.from, to: range.to }), api('/api/v1/alerts')]);
  const firing = ofProject(all.alerts, project).filter((a) => a.state === 'firing');
  const total = models.reduce((s, m) => s + m.predictions, 0);
  const errors = models.reduce((s, m) => s + m.errors, 0);
  const versionsOf = (model) => models.filter((m) => m.model === model).map((m) => m.version);
  return [
    h('h1', null, 'Models'),
    h('p', { class: 'muted', 'data-testid': 'range-text', 'data-from': range.from, 'data-to': range.to }, `${fmt.time(range.from)} – ${fmt.time(range.to)}`),
    h('div', { class: 'cards' },
      card('model versions', fmt.int(models.length), 'card-versions'),
      card('predictions', fmt.int(total), 'card-predictions'),
      card('error rate', total > 0 ? fmt.pct(errors / total, 2) : '–', 'card-error-rate'),
      card('firing alerts', fmt.int(firing.length), 'card-firing'),
    ),
    h('h2', null, 'Traffic by model version'),
    table(
      [
        { label: 'model', value: (m) => h('a', { href: modelHref(m.model), 'data-testid': 'model-link' }, m.model) },
        { label: 'version', value: (m) => h('a', { href: modelHref(m.model, m.version) }, m.version || '(none)') },
        { label: 'predictions', num: true, value: (m) => sampled(m) },
        { label: 'error rate', num: true, value: (m) => fmt.pct(m.errorRate, 2) },
        { label: 'p50', num: true, value: (m) => fmt.ms(m.latencyMs.p50) },
        { label: 'p95', num: true, value: (m) => fmt.ms(m.latencyMs.p95) },
        { label: 'p99', num: true, value: (m) => fmt.ms(m.latencyMs.p99) },
        { label: 'last prediction', value: (m) => fmt.time(m.lastPrediction) },
        { label: 'alerts', value: (m) => alertPills(firing.filter((a) => a.labels.model === m.model && (!a.labels.version || a.labels.version === m.version))) },
        {
          label: '',
          value: (m) => {
            const others = versionsOf(m.model).filter((v) => v !== m.version);
            return others.length > 0 && versionsOf(m.model)[0] !== m.version ? h('a', { href: link(['compare'], { model: m.model, a: versionsOf(m.model)[0], b: m.version }) }, `compare with ${versionsOf(m.model)[0]}`) : '';
          },
        },
      ],
      models,
      { testid: 'models-table', empty: 'No predictions in this range. Instrument a service with @inferlens/sdk, or POST NDJSON to /v1/predictions.' },
    ),
  ];
}
