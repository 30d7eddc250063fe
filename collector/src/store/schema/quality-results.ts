import { DateTime64Millis, Float64, LowCardinalityString, NullableFloat64, Str, UInt64 } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

const maybe = column(NullableFloat64);

/** `quality_results`: one row per model version and closed window, rewritten when late feedback lands for the window. */
export const QUALITY_RESULTS = defineTable(
  'quality_results',
  {
    Project: column(LowCardinalityString),
    ModelName: column(LowCardinalityString),
    ModelVersion: column(LowCardinalityString),
    WindowStart: column(DateTime64Millis),
    WindowEnd: column(DateTime64Millis),
    Predictions: column(UInt64),
    Labelled: column(UInt64),
    LabelCoverage: column(Float64),
    LabelDelayP50Seconds: maybe,
    LabelDelayP90Seconds: maybe,
    LabelDelayMaxSeconds: maybe,
    ClassifiedRows: column(UInt64),
    Accuracy: maybe,
    MacroPrecision: maybe,
    MacroRecall: maybe,
    MacroF1: maybe,
    /** Per-class metrics, as JSON. */
    Classes: column(Str, { codec: 'ZSTD(1)' }),
    ScoredRows: column(UInt64),
    RocAuc: maybe,
    LogLoss: maybe,
    RegressionRows: column(UInt64),
    Mae: maybe,
    Rmse: maybe,
    Mape: maybe,
    /** Newest `ReceivedAt` of the feedback counted; a newer one for the window triggers a recomputation. */
    MaxFeedbackReceivedAt: column(DateTime64Millis),
    /**
     * Performance estimated before labels (CBPE), as JSON: `{ referenceId, referenceRows, rows,
     * accuracy, precision, recall, f1, rocAuc }`, each metric `{ value, lower, upper }`; '' when
     * not estimated (no pinned reference with labelled, scored rows of both classes). Migration 10.
     */
    Estimated: column(Str, { codec: 'ZSTD(1)', default: "''" }),
    ComputedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  {
    engine: 'ReplacingMergeTree(ComputedAt)',
    partitionBy: 'toYYYYMM(WindowStart)',
    orderBy: '(Project, ModelName, ModelVersion, WindowStart)',
  },
);

/** One row of `quality_results`. Times are Unix milliseconds. */
export type QualityResultRow = RowType<typeof QUALITY_RESULTS>;
