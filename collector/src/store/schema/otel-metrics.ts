import { ArrayOf, Bool, DateTimeSeconds, Float64, Int32, LowCardinalityString, Str, StringMapType, UInt32, UInt64Decimal } from './column-types.js';
import { attributeMapBlooms, bloom } from './indexes.js';
import { column, defineTable, nested, stamped, type ColumnMap, type RowType, type TableOptions } from './TableDefinition.js';

const Z = { codec: 'ZSTD(1)' };
const DELTA = { codec: 'Delta, ZSTD(1)' };

/*
 * The OpenTelemetry Collector ClickHouse exporter's five metrics tables, column for column
 * (opentelemetry-collector-contrib, exporter/clickhouseexporter/internal/sqltemplates/
 * metrics_{gauge,sum,histogram,exp_histogram,summary}_table.sql, the layout since v0.160: times
 * in whole seconds (`DateTime`), `MetricName` low-cardinality, a `minmax` index on `TimeUnix`,
 * series grouped by hour). Inferlens adds `Project` to each, and for the duplicate check
 * `IngestKey` and `IngestRow` (migration 23). One row per data point.
 */

/** The columns every metrics table starts with: resource, scope, metric and the point's attributes and times. */
const POINT = {
  ResourceAttributes: column(StringMapType, Z),
  ResourceSchemaUrl: column(Str, Z),
  ScopeName: column(Str, Z),
  ScopeVersion: column(Str, Z),
  ScopeAttributes: column(StringMapType, Z),
  ScopeDroppedAttrCount: column(UInt32, Z),
  ScopeSchemaUrl: column(Str, Z),
  ServiceName: column(LowCardinalityString, Z),
  MetricName: column(LowCardinalityString, Z),
  MetricDescription: column(Str, Z),
  MetricUnit: column(Str, Z),
  Attributes: column(StringMapType, Z),
  /** Whole Unix seconds (the data point's start time, truncated; 0 when it has none). */
  StartTimeUnix: column(DateTimeSeconds, DELTA),
  /** Whole Unix seconds (the data point's time, truncated). */
  TimeUnix: column(DateTimeSeconds, DELTA),
} as const;

/** `Exemplars Nested (...)`: exemplar times in whole seconds, values as doubles, ids in lowercase hex (`''` when none). */
const EXEMPLARS = {
  ExemplarsFilteredAttributes: nested('Exemplars', 'FilteredAttributes', ArrayOf.StringMap, { groupCodec: 'ZSTD(1)' }),
  ExemplarsTimeUnix: nested('Exemplars', 'TimeUnix', ArrayOf.DateTimeSeconds),
  ExemplarsValue: nested('Exemplars', 'Value', ArrayOf.Float64),
  ExemplarsSpanId: nested('Exemplars', 'SpanId', ArrayOf.Str),
  ExemplarsTraceId: nested('Exemplars', 'TraceId', ArrayOf.Str),
} as const;

/** `Project`, then the columns naming a point's request and its place in it, which each table ends with. */
const PROJECT = {
  Project: column(LowCardinalityString, { default: "'default'", codec: 'ZSTD(1)' }),
  /** The key of the request the point came in (`ingest/request-key.ts`; '' for points written otherwise); added by migration 23. */
  IngestKey: stamped(Str, '', Z),
  /** The point's number among its request's rows of this table, from 0 (see `RowIdentity.row`); added by migration 23. */
  IngestRow: stamped(UInt32, 0, Z),
} as const;

/** The columns both histogram tables end with, after their buckets; an absent min or max is 0. */
const HISTOGRAM_TAIL = {
  ...EXEMPLARS,
  Flags: column(UInt32, Z),
  Min: column(Float64, Z),
  Max: column(Float64, Z),
  /** OTLP's enum: 0 unspecified, 1 delta, 2 cumulative. */
  AggregationTemporality: column(Int32, Z),
  ...PROJECT,
} as const;

/** Keys, partitions and indexes, the same for the five tables. */
function layout<C extends ColumnMap>(): TableOptions<C> {
  return {
    engine: 'MergeTree',
    indexes: [
      ...attributeMapBlooms('res_attr', 'ResourceAttributes'),
      ...attributeMapBlooms('scope_attr', 'ScopeAttributes'),
      ...attributeMapBlooms('attr', 'Attributes'),
      'idx_time_minmax TimeUnix TYPE minmax GRANULARITY 1',
      // The duplicate check looks stored points up by request key (migration 23).
      bloom('idx_ingest_key', 'IngestKey', '0.001'),
    ],
    partitionBy: 'toDate(TimeUnix)',
    orderBy: '(ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix)',
    settings: 'index_granularity = 8192, ttl_only_drop_parts = 1',
    dayPartition: 'TimeUnix' as TableOptions<C>['dayPartition'],
    // A retried export stores no point twice (see RowIdentity): a data point has no id, and its
    // series and whole-second time do not tell a retry from a new point (a gauge read twice in a
    // second), so it is named by the request that brought it and its place among that request's
    // points of the table. A point without a time is rejected, so a retry finds its first attempt.
    // (Every table has these columns: PROJECT; the generic C cannot say so.)
    identity: { columns: ['Project', 'IngestKey', 'IngestRow'], time: 'TimeUnix', request: 'IngestKey', row: 'IngestRow' } as unknown as TableOptions<C>['identity'],
  };
}

/** `otel_metrics_gauge`: one row per gauge data point; an integer value is stored as a double. */
export const OTEL_METRICS_GAUGE = defineTable(
  'otel_metrics_gauge',
  { ...POINT, Value: column(Float64, Z), Flags: column(UInt32, Z), ...EXEMPLARS, ...PROJECT },
  layout(),
);

/** `otel_metrics_sum`: one row per sum data point. */
export const OTEL_METRICS_SUM = defineTable(
  'otel_metrics_sum',
  {
    ...POINT,
    Value: column(Float64, Z),
    Flags: column(UInt32, Z),
    ...EXEMPLARS,
    /** OTLP's enum: 0 unspecified, 1 delta, 2 cumulative. */
    AggregationTemporality: column(Int32, Z),
    IsMonotonic: column(Bool, DELTA),
    ...PROJECT,
  },
  layout(),
);

/** `otel_metrics_histogram`: one row per explicit-bucket histogram data point; an absent sum, min or max is 0. */
export const OTEL_METRICS_HISTOGRAM = defineTable(
  'otel_metrics_histogram',
  {
    ...POINT,
    Count: column(UInt64Decimal, DELTA),
    Sum: column(Float64, Z),
    BucketCounts: column(ArrayOf.UInt64Decimal, Z),
    ExplicitBounds: column(ArrayOf.Float64, Z),
    ...HISTOGRAM_TAIL,
  },
  layout(),
);

/** `otel_metrics_exponential_histogram`: one row per exponential histogram data point; an absent sum, min or max is 0. */
export const OTEL_METRICS_EXPONENTIAL_HISTOGRAM = defineTable(
  'otel_metrics_exponential_histogram',
  {
    ...POINT,
    Count: column(UInt64Decimal, DELTA),
    Sum: column(Float64, Z),
    Scale: column(Int32, Z),
    ZeroCount: column(UInt64Decimal, Z),
    PositiveOffset: column(Int32, Z),
    PositiveBucketCounts: column(ArrayOf.UInt64Decimal, Z),
    NegativeOffset: column(Int32, Z),
    NegativeBucketCounts: column(ArrayOf.UInt64Decimal, Z),
    ...HISTOGRAM_TAIL,
  },
  layout(),
);

/** `otel_metrics_summary`: one row per summary data point. */
export const OTEL_METRICS_SUMMARY = defineTable(
  'otel_metrics_summary',
  {
    ...POINT,
    Count: column(UInt64Decimal, DELTA),
    Sum: column(Float64, Z),
    ValueAtQuantilesQuantile: nested('ValueAtQuantiles', 'Quantile', ArrayOf.Float64, { groupCodec: 'ZSTD(1)' }),
    ValueAtQuantilesValue: nested('ValueAtQuantiles', 'Value', ArrayOf.Float64),
    Flags: column(UInt32, Z),
    ...PROJECT,
  },
  layout(),
);

/** One row of `otel_metrics_gauge`. */
export type GaugeRow = RowType<typeof OTEL_METRICS_GAUGE>;
/** One row of `otel_metrics_sum`. */
export type SumRow = RowType<typeof OTEL_METRICS_SUM>;
/** One row of `otel_metrics_histogram`. */
export type HistogramRow = RowType<typeof OTEL_METRICS_HISTOGRAM>;
/** One row of `otel_metrics_exponential_histogram`. */
export type ExponentialHistogramRow = RowType<typeof OTEL_METRICS_EXPONENTIAL_HISTOGRAM>;
/** One row of `otel_metrics_summary`. */
export type SummaryRow = RowType<typeof OTEL_METRICS_SUMMARY>;

/** The five tables, in the order the migration creates them. */
export const OTEL_METRICS_TABLES = [OTEL_METRICS_GAUGE, OTEL_METRICS_SUM, OTEL_METRICS_HISTOGRAM, OTEL_METRICS_EXPONENTIAL_HISTOGRAM, OTEL_METRICS_SUMMARY] as const;
