import { DateTime64Millis, Float64, LowCardinalityString, Str, UInt64 } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

/** `data_quality_results`: data-quality measures per drift window, column and metric. */
export const DATA_QUALITY_RESULTS = defineTable(
  'data_quality_results',
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
    Source: column(LowCardinalityString),
    Feature: column(LowCardinalityString),
    Metric: column(LowCardinalityString),
    Value: column(Float64),
    Count: column(UInt64),
    ReferenceId: column(Str),
    ComputedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  {
    engine: 'ReplacingMergeTree(ComputedAt)',
    partitionBy: 'toYYYYMM(WindowStart)',
    // Segment was added to the sorting key by migration 20, which keeps the primary key as it was.
    primaryKey: '(Project, ModelName, ModelVersion, WindowStart, Source, Feature, Metric)',
    orderBy: '(Project, ModelName, ModelVersion, WindowStart, Source, Feature, Metric, Segment)',
    shardingKey: 'cityHash64(Project, ModelName, ModelVersion, WindowStart, Source, Feature, Metric)',
  },
);

/** One row of `data_quality_results`. Times are Unix milliseconds. */
export type DataQualityResultRow = RowType<typeof DATA_QUALITY_RESULTS>;
