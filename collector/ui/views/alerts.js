import { api } from '../lib/api.js';
import { fmt, h, table } from '../lib/dom.js';
import { alertsTable, ofProject } from './common.js';

/** Pending and firing alerts, and the transitions in the range. */
export async function alertsView({ project, range }) {
  const [all, history] = await Promise.all([api('/api/v1/alerts'), api('/api/v1/alerts/history', { from: range.from, to: range.to, limit: 10000 })]);
  const alerts = ofProject(all.alerts, project);
  const transitions = ofProject([...history.events].reverse(), project);
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
