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
    /**
     * The segment the row is about: '' for the model version's whole traffic (the overall row),
     * else a value of the model's segment column (the prediction's `segment`, or the categorical
     * feature `segments.models` names), or `other` for the values beyond the window's top
     * `segments.maxValues`. No DEFAULT: ClickHouse adds only such a column to a sorting key.
     * Migration 20.
     */
    Segment: column(LowCardinalityString),
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
    // Segment was added to the sorting key by migration 20, which keeps the primary key as it was.
    primaryKey: '(Project, ModelName, ModelVersion, WindowStart)',
    orderBy: '(Project, ModelName, ModelVersion, WindowStart, Segment)',
    shardingKey: 'cityHash64(Project, ModelName, ModelVersion, WindowStart)',
  },
);

/** One row of `quality_results`. Times are Unix milliseconds. */
export type QualityResultRow = RowType<typeof QUALITY_RESULTS>;
