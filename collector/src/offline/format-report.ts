import type { DriftReport, FeatureReport, MultivariateReport } from './drift-report.js';

/** The table's closing line on the multivariate comparison. */
function multivariateLine(m: MultivariateReport): string {
  const verdict = m.status === 'ok' ? (m.drifted ? 'DRIFT' : 'no') : m.status;
  return (
    `multivariate (PCA reconstruction, ${m.components} components, ${percent(m.explainedVariance)} of the variance): ` +
    `mean error ${formatNumber(m.statistic)}, drift outside [${formatNumber(m.lower)}, ${formatNumber(m.upper)}]: ${verdict}`
  );
}

/** Output formats of `inferlens drift`. */
export type ReportFormat = 'json' | 'table';

/** The report as pretty-printed JSON, with a final newline. */
export function formatJson(report: DriftReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

/** A number in at most 4 significant digits; small p-values in exponent form; null as "-". */
export function formatNumber(x: number | null): string {
  if (x === null) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

const percent = (x: number | null) => (x === null ? '-' : `${Number((x * 100).toFixed(1))}%`);

function otherMetrics(f: FeatureReport): string {
  const parts: [string, number | null][] =
    f.kind === 'numerical'
      ? [
          ['ks.p', f.metrics.ks.pValue],
          ['wass', f.metrics.wasserstein.normalized],
          ['psi', f.metrics.psi],
          ['js', f.metrics.jensenShannon],
          ['hell', f.metrics.hellinger],
        ]
      : [
          ['chi2.p', f.metrics.chiSquare.pValue],
          ['psi', f.metrics.psi],
          ['js', f.metrics.jensenShannon],
          ['hell', f.metrics.hellinger],
          ['unseen', f.metrics.unseenShare],
        ];
  return parts.map(([k, v]) => `${k}=${k === 'unseen' ? percent(v) : formatNumber(v)}`).join(' ');
}

/** Methods whose decision is a test's p-value (`score` is the p-value, drift when below the threshold). */
const TESTS = new Set(['ks', 'chi-square', 'two-proportion-z']);

/** The test statistic or distance of the deciding method (for a test, the statistic, not its p-value). */
function statisticOf(f: FeatureReport): number | null {
  if (f.method === 'ks' && f.kind === 'numerical') return f.metrics.ks.statistic;
  if (f.method === 'chi-square' && f.kind === 'categorical') return f.metrics.chiSquare.statistic;
  if (f.method === 'two-proportion-z' && f.kind === 'categorical') return f.metrics.twoProportion.z;
  return f.score;
}

/**
 * The report as an aligned text table for people: one row per feature (kind, counts, the
 * deciding method with its statistic and, for a test, its p-value, the rule that decides, the
 * verdict, then every other metric), and a closing line on the data set. Each column is named
 * after what it holds: a KS test shows its D statistic under `statistic` and its p-value under
 * `p-value`; a distance (Wasserstein, Jensen–Shannon, ...) has no p-value.
 */
export function formatTable(report: DriftReport): string {
  const head = ['feature', 'kind', 'n ref', 'n cur', 'method', 'statistic', 'p-value', 'drift when', 'drift', 'other metrics'];
  const rows = report.features.map((f) => {
    const test = TESTS.has(f.method);
    return [
      f.name,
      // A numeric column with a handful of values is compared as categories; say both.
      f.lowCardinality ? `${f.kind} (${f.lowCardinality.referenceValues} values)` : f.kind,
      String(f.reference.count),
      String(f.current.count),
      f.method,
      formatNumber(statisticOf(f)),
      test ? formatNumber(f.score) : '-',
      `${test ? 'p-value <' : 'statistic >='} ${formatNumber(f.threshold)}`,
      f.status === 'ok' ? (f.drifted ? 'DRIFT' : 'no') : f.status,
      otherMetrics(f),
    ];
  });
  const numeric = new Set([2, 3, 5, 6]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : numeric.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const d = report.dataset;
  return [
    `reference: ${report.reference.file} (${report.reference.rows} rows)   current: ${report.current.file} (${report.current.rows} rows)`,
    '',
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${d.driftedCount} of ${d.comparedCount} features drifted (${percent(d.driftedShare)}); ` +
      `data set drift: ${d.drifted ? 'yes' : 'no'} (at ${percent(d.driftShare)} of features or more)`,
    ...(report.multivariate ? [multivariateLine(report.multivariate)] : []),
    '',
  ].join('\n');
}
