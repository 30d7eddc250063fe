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
    // Segment was added to the sorting key by migration 20, which keeps the primary key as it was.
    primaryKey: '(Project, ModelName, ModelVersion, WindowStart, Source, Feature)',
    orderBy: '(Project, ModelName, ModelVersion, WindowStart, Source, Feature, Segment)',
    shardingKey: 'cityHash64(Project, ModelName, ModelVersion, WindowStart, Source, Feature)',
  },
);

/** One row of `drift_results`. Times are Unix milliseconds. */
export type DriftResultRow = RowType<typeof DRIFT_RESULTS>;
