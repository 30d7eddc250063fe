import { DateTime64Millis, DateTime64Nanos, LowCardinalityString, NullableFloat64, Str, StringMapType } from './column-types.js';
import { column, defineTable, generated, type RowType } from './TableDefinition.js';
import { PREDICTION_SHARDING_KEY } from './predictions.js';

const Z = { codec: 'ZSTD(1)' };

/**
 * `feedback`: delayed ground truth keyed by prediction id. A ReplacingMergeTree on
 * `(Project, PredictionId)`, so a correction sent later replaces the earlier label once parts
 * merge (read with `FINAL` or `argMax(..., ReceivedAt)` for an exact answer).
 */
export const FEEDBACK = defineTable(
  'feedback',
  {
    Timestamp: column(DateTime64Nanos, { codec: 'Delta(8), ZSTD(1)' }),
    PredictionId: column(Str, Z),
    Project: column(LowCardinalityString),
    ModelName: column(LowCardinalityString),
    ModelVersion: column(LowCardinalityString),
    /** Categorical ground truth; empty when the feedback is numeric. */
    Label: column(Str, Z),
    /** Numeric ground truth; null when the feedback is categorical. */
    Value: column(NullableFloat64),
    Attributes: column(StringMapType, Z),
    ReceivedAt: generated(DateTime64Millis, 'now64(3)'),
  },
  { engine: 'ReplacingMergeTree(ReceivedAt)', orderBy: '(Project, PredictionId)', shardingKey: PREDICTION_SHARDING_KEY },
);

/** One row of `feedback` as inserted. */
export type FeedbackRow = RowType<typeof FEEDBACK>;
