import { api } from '../lib/api.js';
import { fmt, h, table } from '../lib/dom.js';
import { setParams } from '../lib/state.js';

const VERDICT = { better: 'good', worse: 'bad', inconclusive: 'warn' };
const verdictPill = (v) => h('span', { class: `pill ${VERDICT[v] ?? 'warn'}`, 'data-verdict': v }, v);
const DIMENSION_LABELS = { latency: 'latency, median (ms)', errorRate: 'error rate', accuracy: 'accuracy', rocAuc: 'ROC AUC', logLoss: 'log loss', macroF1: 'macro F1', mae: 'MAE', rmse: 'RMSE', mape: 'MAPE' };

/** Two versions of a model over the range: each dimension's values, difference, interval, p-value and verdict. */
export async function compareView({ project, range, params }) {
  const { models } = await api('/api/v1/models', { project, from: range.from, to: range.to });
  const names = [...new Set(models.map((m) => m.model))].sort();
  const model = params.get('model') ?? names.find((n) => models.filter((m) => m.model === n).length >= 2) ?? names[0];
  const versions = models.filter((m) => m.model === model).map((m) => m.version);
  const a = params.get('a') ?? versions[0];
  const b = params.get('b') ?? versions.find((v) => v !== a);
  const alpha = params.get('alpha') ?? '0.05';
  const select = (label, value, options, key) =>
    h('label', null, `${label} `, h('select', { 'aria-label': key, onchange: (e) => setParams({ [key]: e.target.value }) }, options.map((o) => h('option', { value: o, selected: o === value }, o || '(none)'))));
  const form = h('div', { class: 'toolbar' },
    select('Model', model, names, 'model'),
    select('Baseline (a)', a, versions, 'a'),
    select('Candidate (b)', b, versions, 'b'),
    select('alpha', alpha, ['0.01', '0.05', '0.1'], 'alpha'),
  );
  const parse = (text) => Date.parse(`${text.trim().replace(' ', 'T')}Z`);
  const fromInput = h('input', { 'aria-label': 'from', value: fmt.time(range.from) });
  const toInput = h('input', { 'aria-label': 'to', value: fmt.time(range.to) });
  const rangeForm = h('form', {
    class: 'toolbar range-form',
    onsubmit: (e) => {
      e.preventDefault();
      const from = parse(fromInput.value);
      const to = parse(toInput.value);
      if (Number.isFinite(from) && Number.isFinite(to) && from < to) setParams({ from, to, range: null });
      else fromInput.setCustomValidity('from and to: UTC times as YYYY-MM-DD HH:MM:SS, from before to');
    },
  }, h('label', null, 'From ', fromInput), h('label', null, 'to ', toInput), h('button', { type: 'submit' }, 'Apply'));
  const head = [h('h1', null, 'Compare versions'), form, rangeForm];
  if (!model || a === undefined || b === undefined || a === b) return [...head, h('p', { class: 'empty', 'data-testid': 'compare-empty' }, 'Pick a model with two versions that have traffic in this range.')];
  const c = await api('/api/v1/compare', { project, model, a, b, from: Math.floor(range.from), to: Math.ceil(range.to), alpha });
  const dims = [
    ['latency', c.latency],
    ['errorRate', c.errorRate],
    ...Object.entries(c.quality ?? {}),
  ].filter(([, d]) => d);
  const value = (name, x) => (name === 'latency' ? fmt.ms(x) : name === 'errorRate' ? fmt.pct(x, 2) : fmt.num(x));
  const difference = (name, x) => (name === 'errorRate' ? fmt.pct(x, 2) : name === 'latency' ? fmt.ms(x) : fmt.num(x));
  return [
    ...head,
    h('p', { 'data-testid': 'compare-verdict' }, `${b} against ${a}: `, verdictPill(c.verdict), h('span', { class: 'muted' }, ` at alpha ${c.alpha}; intervals at ${Math.round((1 - c.alpha) * 100)} %`)),
    table(
      [
        { label: 'dimension', value: ([name]) => DIMENSION_LABELS[name] ?? name },
        { label: `a (${a})`, num: true, value: ([name, d]) => value(name, d.a) },
        { label: `b (${b})`, num: true, value: ([name, d]) => value(name, d.b) },
        { label: 'b − a', num: true, value: ([name, d]) => difference(name, d.difference) },
        { label: 'interval', num: true, value: ([name, d]) => (d.interval ? `[${difference(name, d.interval[0])}, ${difference(name, d.interval[1])}]` : '–') },
        { label: 'p-value', num: true, value: ([, d]) => fmt.p(d.pValue) },
        { label: 'method', value: ([, d]) => d.method },
        { label: 'rows (a / b)', num: true, value: ([, d]) => (d.rows ? `${fmt.int(d.rows.a)} / ${fmt.int(d.rows.b)}` : '–') },
        { label: 'verdict', value: ([, d]) => verdictPill(d.verdict) },
      ],
      dims,
      { testid: 'compare-table', rowProps: ([name]) => ({ 'data-dimension': name }) },
    ),
  ];
}
