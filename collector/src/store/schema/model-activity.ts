import { declaredOnly, LowCardinalityString } from './column-types.js';
import { defineView } from './ddl.js';
import { PREDICTIONS } from './predictions.js';
import { defineTable, filledByView } from './TableDefinition.js';

/**
 * `model_activity`: one row per model version (after merges), its first and last event time and
 * last arrival time, kept by a view over `predictions`. The traffic alert source reads arrival
 * times here, and the jobs list their streams here, instead of scanning `predictions`.
 */
export const MODEL_ACTIVITY = defineTable(
  'model_activity',
  {
    Project: filledByView(LowCardinalityString),
    ModelName: filledByView(LowCardinalityString),
    ModelVersion: filledByView(LowCardinalityString),
    FirstTimestamp: filledByView(declaredOnly('SimpleAggregateFunction(min, DateTime64(9))')),
    LastTimestamp: filledByView(declaredOnly('SimpleAggregateFunction(max, DateTime64(9))')),
    LastReceivedAt: filledByView(declaredOnly('SimpleAggregateFunction(max, DateTime64(3))')),
  },
  { engine: 'AggregatingMergeTree', orderBy: '(Project, ModelName, ModelVersion)' },
);

/** Fills `model_activity` from `predictions`; min/max are idempotent, so its backfill may run twice. */
export const MODEL_ACTIVITY_MV = defineView(
  'model_activity_mv',
  MODEL_ACTIVITY,
  PREDICTIONS,
  (source) => `SELECT Project, ModelName, ModelVersion, min(Timestamp) AS FirstTimestamp, max(Timestamp) AS LastTimestamp, max(ReceivedAt) AS LastReceivedAt
FROM ${source} GROUP BY Project, ModelName, ModelVersion`,
);
