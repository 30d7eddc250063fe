import { DateTime64Millis, Float64, LowCardinalityString, Str, UInt64 } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';

/** `data_quality_results`: data-quality measures per drift window, column and metric. */
export const DATA_QUALITY_RESULTS = defineTable(
  'data_quality_results',
  {
    Project: column(LowCardinalityString),
    ModelName: column(LowCardinalityString),
    ModelVersion: column(LowCardinalityString),
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
    orderBy: '(Project, ModelName, ModelVersion, WindowStart, Source, Feature, Metric)',
  },
);

/** One row of `data_quality_results`. Times are Unix milliseconds. */
export type DataQualityResultRow = RowType<typeof DATA_QUALITY_RESULTS>;
