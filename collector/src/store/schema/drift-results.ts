import { Bool8, DateTime64Millis, Float64, LowCardinalityString, NullableFloat64, Str, UInt64 } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

/**
 * `drift_results`: per model version, closed window, source and column (plus the data-set row,
 * `Source = 'dataset'`, `Feature = '*'`). A recomputed window replaces its rows.
 */
export const DRIFT_RESULTS = defineTable(
  'drift_results',
  {
    Project: column(LowCardinalityString),
    ModelName: column(LowCardinalityString),
    ModelVersion: column(LowCardinalityString),
    WindowStart: column(DateTime64Millis),
    WindowEnd: column(DateTime64Millis),
    /** `feature`, `output` or `dataset`. */
    Source: column(LowCardinalityString),
    Feature: column(LowCardinalityString),
    Kind: column(LowCardinalityString),
    Method: column(LowCardinalityString),
    Statistic: column(Float64),
    PValue: column(NullableFloat64),
    Threshold: column(Float64),
    Drifted: column(Bool8),
    Status: column(LowCardinalityString),
    ReferenceRows: column(UInt64),
    CurrentRows: column(UInt64),
    /** Every metric of the column, as JSON. */
    Metrics: column(Str, { codec: 'ZSTD(1)' }),
    ReferenceId: column(Str),
    ComputedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  {
    engine: 'ReplacingMergeTree(ComputedAt)',
    partitionBy: 'toYYYYMM(WindowStart)',
    orderBy: '(Project, ModelName, ModelVersion, WindowStart, Source, Feature)',
  },
);

/** One row of `drift_results`. Times are Unix milliseconds. */
export type DriftResultRow = RowType<typeof DRIFT_RESULTS>;
