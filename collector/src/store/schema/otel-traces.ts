import { ArrayOf, DateTime64Nanos, declaredOnly, LowCardinalityString, Str, StringMapType, UInt64Decimal } from './column-types.js';
import { defineView } from './ddl.js';
import { attributeMapBlooms, bloom } from './indexes.js';
import { alias, column, defineTable, filledByView, nested, type RowType } from './TableDefinition.js';

const Z = { codec: 'ZSTD(1)' };

/** `key=value` for each entry of an attribute map, as the exporter's `...AttributeItems` columns compute it. */
const items = (map: string) => `arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(${map}, 'Array(Tuple(String, String))'))`;

/**
 * `otel_traces`: the OpenTelemetry Collector ClickHouse exporter's table, column for column, with
 * its indexes and keys (opentelemetry-collector-contrib,
 * exporter/clickhouseexporter/internal/sqltemplates/traces_table.sql at 2bf6b9e, the variant for
 * servers without full-text indexes: bloom filters, which every ClickHouse we support has), so
 * Grafana's trace views and existing pipelines read it unchanged; Inferlens adds `Project`.
 *
 * `Project` is not in the keys: the exporter's keys serve the queries Grafana's plugin makes
 * (by service, span name and time), a trace is looked up by id through `otel_traces_trace_id_ts`
 * (its time range, then the `TraceId` bloom filter), and a project's spans are a filter on what
 * those select. Changing the keys of an existing table takes a rebuild (migration 19, `rebuild-table.ts`).
 */
export const OTEL_TRACES = defineTable(
  'otel_traces',
  {
    Timestamp: column(DateTime64Nanos, { codec: 'Delta(8), ZSTD(1)' }),
    TraceId: column(Str, Z),
    SpanId: column(Str, Z),
    ParentSpanId: column(Str, Z),
    TraceState: column(Str, Z),
    SpanName: column(LowCardinalityString, Z),
    /** `Unspecified`, `Internal`, `Server`, `Client`, `Producer` or `Consumer`. */
    SpanKind: column(LowCardinalityString, Z),
    ServiceName: column(LowCardinalityString, Z),
    ResourceAttributes: column(StringMapType, Z),
    ScopeName: column(Str, Z),
    ScopeVersion: column(Str, Z),
    SpanAttributes: column(StringMapType, Z),
    /** Nanoseconds. */
    Duration: column(UInt64Decimal, { codec: 'T64, ZSTD(1)' }),
    /** `Unset`, `Ok` or `Error`. */
    StatusCode: column(LowCardinalityString, Z),
    StatusMessage: column(Str, Z),
    EventsTimestamp: nested('Events', 'Timestamp', ArrayOf.DateTime64Nanos, { groupCodec: 'ZSTD(1)' }),
    EventsName: nested('Events', 'Name', ArrayOf.LowCardinalityString),
    EventsAttributes: nested('Events', 'Attributes', ArrayOf.StringMap),
    LinksTraceId: nested('Links', 'TraceId', ArrayOf.Str, { groupCodec: 'ZSTD(1)' }),
    LinksSpanId: nested('Links', 'SpanId', ArrayOf.Str),
    LinksTraceState: nested('Links', 'TraceState', ArrayOf.Str),
    LinksAttributes: nested('Links', 'Attributes', ArrayOf.StringMap),
    /** `key=value` per resource attribute, computed when read (`has(ResourceAttributeItems, 'host.name=a')`). */
    ResourceAttributeItems: alias(ArrayOf.Str, items('ResourceAttributes')),
    /** `key=value` per span attribute, computed when read. */
    SpanAttributeItems: alias(ArrayOf.Str, items('SpanAttributes')),
    Project: column(LowCardinalityString, { default: "'default'", codec: 'ZSTD(1)' }),
    /** The key of the export request the span came in (`ingest/request-key.ts`; '' for spans written otherwise); added by migration 16. */
    IngestKey: column(Str, Z),
  },
  {
    engine: 'MergeTree',
    indexes: [
      bloom('idx_trace_id', 'TraceId', '0.001'),
      ...attributeMapBlooms('res_attr', 'ResourceAttributes'),
      ...attributeMapBlooms('span_attr', 'SpanAttributes'),
      'idx_duration Duration TYPE minmax GRANULARITY 1',
      // Span lookups by id (migration 15 adds it to older tables).
      bloom('idx_span_id', 'SpanId', '0.001'),
      // The duplicate check looks stored spans up by request key (migration 16).
      bloom('idx_ingest_key', 'IngestKey', '0.001'),
      // Last, so that migration 15's `ADD INDEX idx_span_id ... AFTER idx_duration` still runs on older tables.
      'idx_lower_span_name lower(SpanName) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
    ],
    partitionBy: 'toDate(Timestamp)',
    primaryKey: '(ServiceName, SpanName, toDateTime(Timestamp))',
    orderBy: '(ServiceName, SpanName, toDateTime(Timestamp), Timestamp)',
    settings: 'index_granularity = 8192, ttl_only_drop_parts = 1',
    dayPartition: 'Timestamp',
    // A retried export stores no span twice (see RowIdentity): a span id names one span of a
    // trace of a project (two projects may send the same span; each stores its own).
    identity: { columns: ['Project', 'TraceId', 'SpanId'], time: 'Timestamp', request: 'IngestKey' },
  },
);

/** One row of `otel_traces`. Times are decimal Unix seconds with nine fraction digits; `Duration` a decimal string. */
export type SpanRow = RowType<typeof OTEL_TRACES>;

/** `otel_traces_trace_id_ts`: first and last time of each trace (the exporter's lookup table), filled by its view. */
export const OTEL_TRACES_TRACE_ID_TS = defineTable(
  'otel_traces_trace_id_ts',
  {
    TraceId: filledByView(Str, Z),
    Start: filledByView(declaredOnly('SimpleAggregateFunction(min, DateTime)'), Z),
    End: filledByView(declaredOnly('SimpleAggregateFunction(max, DateTime)'), Z),
  },
  { engine: 'AggregatingMergeTree', partitionBy: 'toStartOfWeek(Start)', orderBy: '(TraceId)', settings: 'index_granularity = 8192, ttl_only_drop_parts = 1' },
);

/** Fills `otel_traces_trace_id_ts` from `otel_traces`. */
export const OTEL_TRACES_TRACE_ID_TS_MV = defineView(
  'otel_traces_trace_id_ts_mv',
  OTEL_TRACES_TRACE_ID_TS,
  OTEL_TRACES,
  (source) => `SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM ${source}
WHERE TraceId != ''
GROUP BY TraceId`,
);
