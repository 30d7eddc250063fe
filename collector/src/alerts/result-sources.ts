/**
 * Where alert conditions read their values: the rows a job has just computed for one closed
 * window, handed over by the job (`Alerting.onWindow`), never read back from its table. Each
 * job's result rows get one small adapter: which fields are the labels of a series, which are its
 * metrics, and which is the window end. The engine turns each row into a {@link Sample} through
 * it. Adding a job's results to alerting is one entry in {@link RESULT_SOURCES}.
 */
import type { DriftResultRow } from '../store/schema/drift-results.js';
import type { QualityResultRow } from '../store/schema/quality-results.js';
import type { SlaResultRow } from '../store/schema/sla-results.js';

/** One series' values at one evaluation: labels identify it, metrics are what rules compare. */
export interface Sample {
  labels: Record<string, string>;
  metrics: Record<string, number | null>;
}

/** Adapter of one job's result rows (`drift_results`, `sla_results`, `quality_results`, ...). */
export interface ResultSource<R = never> {
  /** Name used in rules as `when.source`, and by jobs when they report a closed window. */
  name: string;
  /** Label name → the row's value. `project`, `model` and `version` are required: windows are scoped by them. */
  labels: Record<string, (row: R) => string> & { project: (row: R) => string; model: (row: R) => string; version: (row: R) => string };
  /**
   * Metric name → the row's value. Null, NaN and ±Infinity are "not measured" (a rule's alert
   * stays as it is), as they were when the engine read them back from the table.
   */
  metrics: Record<string, (row: R) => number | null>;
  /** The row's window end, Unix ms. */
  windowEnd: (row: R) => number;
  /** The metric holding a p-value, which `fdr` rules control over a window's series. */
  pValueMetric?: string;
}

const flag = (b: boolean): number => (b ? 1 : 0);

/**
 * Drift results: one series per model version, segment and column, plus the data-set row
 * (`source: dataset`, `feature: '*'`) whose `statistic` is the share of drifted columns, and the
 * multivariate row (`source: multivariate`). `segment` is '' for the whole window (an alert's
 * labels leave it out, as every empty label), else the segment (docs/drift.md#segments): a rule
 * sees every segment unless it matches `segment`. `test_p_value` is what `fdr` rules control,
 * over the matching series of the window, segments included.
 */
export const DRIFT_SOURCE: ResultSource<DriftResultRow> = {
  name: 'drift',
  labels: { project: (r) => r.Project, model: (r) => r.ModelName, version: (r) => r.ModelVersion, segment: (r) => r.Segment, source: (r) => r.Source, feature: (r) => r.Feature, method: (r) => r.Method },
  metrics: {
    statistic: (r) => r.Statistic,
    drifted: (r) => flag(r.Drifted),
    p_value: (r) => r.PValue,
    test_p_value: testPValue,
    threshold: (r) => r.Threshold,
    rows: (r) => r.CurrentRows,
  },
  windowEnd: (r) => r.WindowEnd,
  pValueMetric: 'test_p_value',
};

/**
 * A column's test p-value: the deciding method's when it is a test, else the test of its kind
 * computed beside the distance (KS for numbers, chi-square for categories); null for rows without
 * one (the data-set and multivariate rows).
 */
function testPValue(r: DriftResultRow): number | null {
  if (r.PValue !== null) return r.PValue;
  if (r.Source !== 'feature' && r.Source !== 'output') return null;
  try {
    const m = JSON.parse(r.Metrics) as { ks?: { pValue?: unknown }; chiSquare?: { pValue?: unknown } };
    const p = m.ks?.pValue ?? m.chiSquare?.pValue;
    return typeof p === 'number' ? p : null;
  } catch {
    return null;
  }
}

/** A metric of the window's CBPE estimate (`Estimated` JSON), or null when not estimated. */
function estimatedOf(r: QualityResultRow, metric: string): number | null {
  if (!r.Estimated) return null;
  try {
    const v = (JSON.parse(r.Estimated) as Record<string, { value?: unknown } | undefined>)[metric]?.value;
    return typeof v === 'number' ? v : null;
  } catch {
    return null;
  }
}

/**
 * SLA results: one series per SLO and model version. `breach` and `burn_rate_firing` are 0/1;
 * `latency_observed_ms` is the SLO's own percentile; percentiles are in milliseconds.
 */
export const SLA_SOURCE: ResultSource<SlaResultRow> = {
  name: 'sla',
  labels: { project: (r) => r.Project, model: (r) => r.ModelName, version: (r) => r.ModelVersion, slo: (r) => r.Slo, environment: (r) => r.Environment },
  metrics: {
    breach: (r) => flag(r.Breached),
    burn_rate_firing: (r) => flag(r.BurnRateFiring),
    error_rate: (r) => r.ErrorRate,
    availability: (r) => r.Availability,
    latency_p50: (r) => r.LatencyP50,
    latency_p90: (r) => r.LatencyP90,
    latency_p95: (r) => r.LatencyP95,
    latency_p99: (r) => r.LatencyP99,
    latency_observed_ms: (r) => r.LatencyObservedMs,
    error_budget_remaining: (r) => r.ErrorBudgetRemaining,
    requests: (r) => r.Requests,
  },
  windowEnd: (r) => r.WindowEnd,
};

/**
 * Quality results: one series per model version and segment (`segment` as for drift), written when the window closes and
 * rewritten each time late feedback recomputes it. A metric the window cannot measure yet (no
 * labelled rows, no score output, no regression rows) is null, and a null leaves the alert as it
 * is (see `AlertEngine`): a fresh window without feedback neither fires nor resolves anything.
 * `label_coverage` is labelled / predictions (0 to 1); delays are in seconds.
 */
export const QUALITY_SOURCE: ResultSource<QualityResultRow> = {
  name: 'quality',
  labels: { project: (r) => r.Project, model: (r) => r.ModelName, version: (r) => r.ModelVersion, segment: (r) => r.Segment },
  metrics: {
    accuracy: (r) => r.Accuracy,
    macro_precision: (r) => r.MacroPrecision,
    macro_recall: (r) => r.MacroRecall,
    macro_f1: (r) => r.MacroF1,
    roc_auc: (r) => r.RocAuc,
    log_loss: (r) => r.LogLoss,
    mae: (r) => r.Mae,
    rmse: (r) => r.Rmse,
    mape: (r) => r.Mape,
    label_coverage: (r) => r.LabelCoverage,
    label_delay_p50_seconds: (r) => r.LabelDelayP50Seconds,
    label_delay_p90_seconds: (r) => r.LabelDelayP90Seconds,
    labelled: (r) => r.Labelled,
    predictions: (r) => r.Predictions,
    estimated_accuracy: (r) => estimatedOf(r, 'accuracy'),
    estimated_precision: (r) => estimatedOf(r, 'precision'),
    estimated_recall: (r) => estimatedOf(r, 'recall'),
    estimated_f1: (r) => estimatedOf(r, 'f1'),
    estimated_roc_auc: (r) => estimatedOf(r, 'rocAuc'),
  },
  windowEnd: (r) => r.WindowEnd,
};

/**
 * Every job's results rules can read. A job adds its adapter here and calls
 * `app.alerts.onWindow({ source, project, model, version, windowEndMs, rows })` after writing a window.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- adapters of different row types
export const RESULT_SOURCES: ReadonlyArray<ResultSource<any>> = [DRIFT_SOURCE, SLA_SOURCE, QUALITY_SOURCE];

/**
 * The samples of `rows` for `source`: one per row, labels as strings, metrics finite or null.
 * Rows outside the window (`windowEndMs`) or the scope (labels the report names) are left out.
 */
export function samplesOf<R>(source: ResultSource<R>, rows: readonly R[], windowEndMs: number, scope: Record<string, string>): Sample[] {
  const labelNames = Object.entries(source.labels);
  const metricNames = Object.entries(source.metrics);
  const samples: Sample[] = [];
  for (const row of rows) {
    if (source.windowEnd(row) !== windowEndMs) continue;
    const labels = Object.fromEntries(labelNames.map(([name, of]) => [name, String(of(row))]));
    if (!Object.entries(scope).every(([k, v]) => labels[k] === undefined || labels[k] === v)) continue;
    const metrics = Object.fromEntries(
      metricNames.map(([name, of]) => {
        const v = of(row);
        return [name, v === null || !Number.isFinite(v) ? null : v];
      }),
    );
    samples.push({ labels, metrics });
  }
  return samples;
}

/** The traffic source: no job, a periodic read of `model_activity` (see `AlertEngine.evaluateTraffic`). */
export const TRAFFIC_SOURCE_NAME = 'traffic';
/** Labels and metrics of the traffic source. */
export const TRAFFIC_LABELS = ['project', 'model'] as const;
export const TRAFFIC_METRICS = ['seconds_since_last_prediction'] as const;
