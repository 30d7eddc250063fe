import { compareDatasets } from '@inferlens/stats';
import { describe, expect, it } from 'vitest';
import { buildDriftReport } from './drift-report.js';
import { formatJson, formatNumber, formatTable } from './format-report.js';

const files = { reference: { file: 'ref.csv', rows: 40 }, current: { file: 'cur.csv', rows: 40 } };
const range = <T,>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

function report() {
  const result = compareDatasets(
    { x: range(40, (i) => i), plan: range(40, (i) => (i % 2 ? 'a' : 'b')), empty: range(40, () => null) },
    { x: range(40, (i) => i + 30), plan: range(40, (i) => (i % 4 ? 'a' : 'c')), empty: range(40, () => null) },
  );
  return { result, report: buildDriftReport(result, files) };
}

describe('buildDriftReport', () => {
  it('carries the numbers of @inferlens/stats unchanged, every metric, with NaN as null', () => {
    const { result, report: r } = report();
    const [x, plan, empty] = r.features;
    const rx = result.features.x;
    expect(x).toMatchObject({ name: 'x', kind: 'numerical', method: 'ks', drifted: true, status: 'ok' });
    if (x.kind !== 'numerical' || rx.kind !== 'numerical') throw new Error('kind');
    expect(x.metrics).toEqual({
      psi: rx.metrics.psi,
      ks: { statistic: rx.metrics.ks.statistic, pValue: rx.metrics.ks.pValue },
      wasserstein: { raw: rx.metrics.wasserstein.distance, normalized: rx.metrics.wasserstein.normalized },
      jensenShannon: rx.metrics.jensenShannon,
      hellinger: rx.metrics.hellinger,
    });
    expect(plan).toMatchObject({ kind: 'categorical', method: 'chi-square', metrics: { unseenCategories: ['c'] } });
    if (plan.kind !== 'categorical') throw new Error('kind');
    expect(Object.keys(plan.metrics.chiSquare)).toEqual(['statistic', 'dof', 'pValue']);
    expect(plan.metrics.unseenShare).toBe(0.25);
    expect(empty).toMatchObject({ status: 'empty-reference', drifted: false, score: null, metrics: { psi: null } });
    expect(r.dataset).toEqual({ comparedCount: 2, driftedCount: 2, driftedShare: 1, driftShare: 0.5, drifted: true });
    expect(JSON.parse(formatJson(r))).toEqual(r);
  });
});

describe('formatTable', () => {
  it('prints one aligned row per feature and a data set line', () => {
    const text = formatTable(report().report);
    const lines = text.split('\n');
    expect(lines[0]).toBe('reference: ref.csv (40 rows)   current: cur.csv (40 rows)');
    expect(lines[2]).toMatch(/^feature\s+kind\s+n ref\s+n cur\s+method\s+statistic\s+p-value\s+drift when\s+drift\s+other metrics$/);
    const rows = lines.slice(4, 7);
    // A KS test: its D statistic and its p-value, each under its own name.
    const x = report().report.features[0]!;
    if (x.kind !== 'numerical') throw new Error('x is numerical');
    const cells = rows[0]!.split(/\s{2,}/);
    expect(cells.slice(0, 5)).toEqual(['x', 'numerical', '40', '40', 'ks']);
    expect(cells[5]).toBe(formatNumber(x.metrics.ks.statistic));
    expect(cells[6]).toBe(formatNumber(x.metrics.ks.pValue));
    expect(cells[7]).toBe('p-value < 0.05');
    expect(cells[8]).toBe('DRIFT');
    expect(cells[9]).toMatch(/^ks\.p=/);
    expect(rows[1]).toMatch(/^plan\s+categorical .* chi2\.p=\S+ psi=\S+ js=\S+ hell=\S+ unseen=25%$/);
    expect(rows[2]).toMatch(/^empty .* empty-reference/);
    // Columns line up: every row has the method column at the same offset.
    const at = lines[2].indexOf('method');
    for (const r of rows) expect(r.slice(at, at + 2)).toMatch(/ks|ch|wa|je/);
    expect(text).toContain('2 of 2 features drifted (100%); data set drift: yes (at 50% of features or more)');
  });

  it('formats numbers compactly', () => {
    expect([formatNumber(null), formatNumber(0), formatNumber(0.123456), formatNumber(1.5e-24), formatNumber(12345.6)]).toEqual([
      '-',
      '0',
      '0.1235',
      '1.50e-24',
      '12350',
    ]);
  });
});
