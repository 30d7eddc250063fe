import { bloom } from './indexes.js';
import { DateTime64Millis, DateTime64Nanos, declaredOnly, Float32ArrayType, Float64, LowCardinalityString, NumberMapType, Str, StringMapType, UInt32, wireType } from './column-types.js';
import { defineView } from './ddl.js';
import { column, defineTable, generated, type ColumnDefinition, type RowType } from './TableDefinition.js';

const Z = { codec: 'ZSTD(1)' };
const name = column(LowCardinalityString);

/**
 * The `Distributed` sharding key of `predictions` and `feedback` on a cluster: a prediction and
 * its feedback land on the same shard, so the quality join (predictions with their newest
 * feedback) can stay on one shard, and the rows `feedback`'s ReplacingMergeTree merges by
 * `(Project, PredictionId)` meet.
 */
export const PREDICTION_SHARDING_KEY = 'cityHash64(Project, PredictionId)';

/**
 * `predictions`: one row per model call, typed columns for what the jobs aggregate and maps for
 * features, outputs and free attributes. `ReceivedAt` is the arrival time (the engine's clock).
 */
export const PREDICTIONS = defineTable(
  'predictions',
  {
    Timestamp: column(DateTime64Nanos, { codec: 'Delta(8), ZSTD(1)' }),
    PredictionId: column(Str, Z),
    TraceId: column(Str, Z),
    SpanId: column(Str, Z),
    Project: name,
    ServiceName: name,
    ModelName: name,
    ModelVersion: name,
    Environment: name,
    Segment: name,
    LatencyMs: column(Float64, Z),
    /** `ok` or `error`. */
    Status: name,
    ErrorType: name,
    NumericFeatures: column(NumberMapType, Z),
    CategoricalFeatures: column(StringMapType, Z),
    NumericOutputs: column(NumberMapType, Z),
    CategoricalOutputs: column(StringMapType, Z),
    InputTokens: column(UInt32),
    OutputTokens: column(UInt32),
    SampleRate: column(Float64, { default: '1' }),
    Attributes: column(StringMapType, Z),
    ReceivedAt: generated(DateTime64Millis, 'now64(3)'),
    /** The record's `embedding` ([] without one); added by migration 12. */
    Embedding: column(Float32ArrayType, Z),
    /** The key of the request the row came in (`ingest/request-key.ts`; '' for rows written otherwise); added by migration 16. */
    IngestKey: column(Str, Z),
  },
  {
    engine: 'MergeTree',
    indexes: [bloom('idx_prediction_id', 'PredictionId', '0.001'), bloom('idx_trace_id', 'TraceId', '0.001'), bloom('idx_ingest_key', 'IngestKey', '0.001')],
    partitionBy: 'toDate(Timestamp)',
    orderBy: '(Project, ModelName, ModelVersion, Timestamp)',
    dayPartition: 'Timestamp',
    // A retried request stores nothing twice (see RowIdentity): a prediction id names one prediction of a project.
    identity: { columns: ['Project', 'PredictionId'], time: 'Timestamp', request: 'IngestKey' },
    // On a cluster a prediction and its feedback land on the same shard (FEEDBACK has the same key).
    shardingKey: PREDICTION_SHARDING_KEY,
  },
);

/** One row of `predictions` as inserted. Times are decimal Unix seconds with nine fraction digits. */
export type PredictionRow = RowType<typeof PREDICTIONS>;

/** Columns `predictions` got after `predictions_ingest` was frozen: the ingest table and its view leave them out (their default). */
const AFTER_INGEST = new Set(['Embedding', 'IngestKey']);

/** A column of a table the collector no longer writes. */
const unwritten = (sql: string): ColumnDefinition => ({ type: declaredOnly(sql), inserted: false, external: true });

/** `Attributes` → `AttributeKeys`, `AttributeValues`. */
const splitNames = (field: string) => [`${field.replace(/s$/, '')}Keys`, `${field.replace(/s$/, '')}Values`] as const;

/**
 * `predictions_ingest`, derived from `predictions`: the same inserted columns with plain types,
 * each map as parallel key and value arrays, in a `Null` table whose view fills `predictions`.
 * Servers took JSON rows through it until every insert became RowBinary; it stays (migrations
 * only add), and nothing writes it any more.
 */
export const PREDICTIONS_INGEST = defineTable(
  'predictions_ingest',
  Object.fromEntries(
    Object.entries(PREDICTIONS.definitions)
      .filter(([field, c]) => c.inserted && !AFTER_INGEST.has(field))
      .flatMap(([field, c]): Array<[string, ColumnDefinition]> => {
        const plain = wireType(c.type.sql);
        const map = /^Map\((.*), (\w+)\)$/.exec(plain);
        if (!map) return [[field, unwritten(plain)]];
        const [keys, values] = splitNames(field);
        return [[keys, unwritten(`Array(${map[1]})`)], [values, unwritten(`Array(${map[2]})`)]];
      }),
  ),
  { engine: 'Null', shardingKey: PREDICTION_SHARDING_KEY },
);

/** Fills `predictions` from `predictions_ingest`, each map from its two arrays. */
export const PREDICTIONS_INGEST_MV = defineView('predictions_ingest_mv', PREDICTIONS, PREDICTIONS_INGEST, (source) => {
  const items = Object.entries(PREDICTIONS.definitions)
    .filter(([field, c]) => c.inserted && !AFTER_INGEST.has(field))
    .map(([field, c]) => (/^Map\(/.test(c.type.sql) ? `mapFromArrays(${splitNames(field).join(', ')}) AS ${field}` : field));
  return `SELECT ${items.join(', ')}\nFROM ${source}`;
});
