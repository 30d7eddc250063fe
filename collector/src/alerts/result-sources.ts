/**
 * Where alert conditions read their values. Each job's result table gets one small
 * adapter: which columns are the labels of a series, which expressions are its metrics,
 * and which column is the window end. The engine reads the rows of one closed window
 * through it and turns each into a {@link Sample}. Adding a job's results to alerting is
 * one entry in {@link RESULT_SOURCES}.
 */

/** One series' values at one evaluation: labels identify it, metrics are what rules compare. */
export interface Sample {
  labels: Record<string, string>;
  metrics: Record<string, number | null>;
}

/** Adapter of one result table (`drift_results`, `sla_results`, `quality_results`, ...). */
export interface ResultTableSource {
  /** Name used in rules as `when.source`, and by jobs when they report a closed window. */
  name: string;
  /** The table the job writes. */
  table: string;
  /** Label name → column. `project`, `model` and `version` are required: windows are scoped by them. */
  labels: Record<string, string> & { project: string; model: string; version: string };
  /** Metric name → SQL expression over one row (a column, or e.g. `toFloat64(Breached)`). */
  metrics: Record<string, string>;
  /** Column holding the window end (DateTime64(3)). */
  windowEnd: string;
  /** Whether the table is a ReplacingMergeTree to read with FINAL. @default true */
  final?: boolean;
}

/**
 * Drift results: one series per model version and column, plus the data-set row
 * (`source: dataset`, `feature: '*'`) whose `statistic` is the share of drifted columns.
 */
export const DRIFT_SOURCE: ResultTableSource = {
  name: 'drift',
  table: 'drift_results',
  labels: { project: 'Project', model: 'ModelName', version: 'ModelVersion', source: 'Source', feature: 'Feature', method: 'Method' },
  metrics: { statistic: 'Statistic', drifted: 'toFloat64(Drifted)', p_value: 'PValue', threshold: 'Threshold', rows: 'toFloat64(CurrentRows)' },
  windowEnd: 'WindowEnd',
};

/**
 * SLA results: one series per SLO and model version. `breach` and `burn_rate_firing` are 0/1;
 * `latency_observed_ms` is the SLO's own percentile; percentiles are in milliseconds.
 */
export const SLA_SOURCE: ResultTableSource = {
  name: 'sla',
  table: 'sla_results',
  labels: { project: 'Project', model: 'ModelName', version: 'ModelVersion', slo: 'Slo', environment: 'Environment' },
  metrics: {
    breach: 'toFloat64(Breached)',
    burn_rate_firing: 'toFloat64(BurnRateFiring)',
    error_rate: 'ErrorRate',
    availability: 'Availability',
    latency_p50: 'LatencyP50',
    latency_p90: 'LatencyP90',
    latency_p95: 'LatencyP95',
    latency_p99: 'LatencyP99',
    latency_observed_ms: 'LatencyObservedMs',
    error_budget_remaining: 'ErrorBudgetRemaining',
    requests: 'Requests',
  },
  windowEnd: 'WindowEnd',
};

/**
 * Quality results: one series per model version and window, written when the window closes and
 * rewritten each time late feedback recomputes it. A metric the window cannot measure yet (no
 * labelled rows, no score output, no regression rows) is null, and a null leaves the alert as it
 * is (see `AlertEngine`): a fresh window without feedback neither fires nor resolves anything.
 * `label_coverage` is labelled / predictions (0 to 1); delays are in seconds.
 */
export const QUALITY_SOURCE: ResultTableSource = {
  name: 'quality',
  table: 'quality_results',
  labels: { project: 'Project', model: 'ModelName', version: 'ModelVersion' },
  metrics: {
    accuracy: 'Accuracy',
    macro_precision: 'MacroPrecision',
    macro_recall: 'MacroRecall',
    macro_f1: 'MacroF1',
    roc_auc: 'RocAuc',
    log_loss: 'LogLoss',
    mae: 'Mae',
    rmse: 'Rmse',
    mape: 'Mape',
    label_coverage: 'LabelCoverage',
    label_delay_p50_seconds: 'LabelDelayP50Seconds',
    label_delay_p90_seconds: 'LabelDelayP90Seconds',
    labelled: 'toFloat64(Labelled)',
    predictions: 'toFloat64(Predictions)',
  },
  windowEnd: 'WindowEnd',
};

/**
 * Every result table rules can read. A job adds its adapter here and calls
 * `app.alerts.onWindow({ source, project, model, version, windowEndMs })` after writing a window.
 */
export const RESULT_SOURCES: ResultTableSource[] = [DRIFT_SOURCE, SLA_SOURCE, QUALITY_SOURCE];

/** The traffic source: no table, a periodic query over `predictions` (see TrafficSource.ts). */
export const TRAFFIC_SOURCE_NAME = 'traffic';
/** Labels and metrics of the traffic source. */
export const TRAFFIC_LABELS = ['project', 'model'] as const;
export const TRAFFIC_METRICS = ['seconds_since_last_prediction'] as const;
