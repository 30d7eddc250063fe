import { DateTime64Nanos, declaredOnly, LowCardinalityString, Str, StringMapType, UInt32, UInt8 } from './column-types.js';
import { attributeMapBlooms, bloom } from './indexes.js';
import { column, defineTable, generated, stamped, type RowType } from './TableDefinition.js';

const Z = { codec: 'ZSTD(1)' };

/**
 * `otel_logs`: the OpenTelemetry Collector ClickHouse exporter's logs table, column for column
 * with its indexes and keys, as its template (logs_table.sql) made it up to v0.150.0, for log
 * records that are not predictions or feedback; Inferlens adds `Project`, and for the duplicate
 * check `IngestKey` and `IngestRow` (migration 23).
 *
 * v0.151.0 (opentelemetry-collector-contrib PR 47720) changed the template for new tables only:
 * no `TimestampTime`, `PARTITION BY toDate(Timestamp)`, `ORDER BY (toStartOfFiveMinutes(Timestamp),
 * ServiceName, Timestamp)`, eight `__otel_materialized_*` columns of Kubernetes resource
 * attributes, and `idx_lower_body` on `lower(Body)` instead of `idx_body`. The exporter leaves the
 * tables it made before alone, and Grafana's plugin reads both layouts (OTel 1.29.0 with
 * `TimestampTime`, 1.30.0 without); Inferlens keeps this one, and its provisioning pins the
 * plugin's `logs.otelVersion` to 1.29.0 (docs/grafana.md).
 */
export const OTEL_LOGS = defineTable(
  'otel_logs',
  {
    Timestamp: column(DateTime64Nanos, { codec: 'Delta(8), ZSTD(1)' }),
    TimestampTime: generated(declaredOnly('DateTime'), 'toDateTime(Timestamp)'),
    TraceId: column(Str, Z),
    SpanId: column(Str, Z),
    TraceFlags: column(UInt8),
    SeverityText: column(LowCardinalityString, Z),
    SeverityNumber: column(UInt8),
    ServiceName: column(LowCardinalityString, Z),
    Body: column(Str, Z),
    ResourceSchemaUrl: column(LowCardinalityString, Z),
    ResourceAttributes: column(StringMapType, Z),
    ScopeSchemaUrl: column(LowCardinalityString, Z),
    ScopeName: column(Str, Z),
    ScopeVersion: column(LowCardinalityString, Z),
    ScopeAttributes: column(StringMapType, Z),
    LogAttributes: column(StringMapType, Z),
    EventName: column(Str, Z),
    Project: column(LowCardinalityString, { default: "'default'", codec: 'ZSTD(1)' }),
    /** The key of the request the record came in (`ingest/request-key.ts`; '' for records written otherwise); added by migration 23. */
    IngestKey: stamped(Str, '', Z),
    /** The record's number among its request's `otel_logs` rows, from 0 (see `RowIdentity.row`); added by migration 23. */
    IngestRow: stamped(UInt32, 0, Z),
  },
  {
    engine: 'MergeTree',
    indexes: [
      bloom('idx_trace_id', 'TraceId', '0.001'),
      ...attributeMapBlooms('res_attr', 'ResourceAttributes'),
      // Migration 18 adds these two to older tables.
      ...attributeMapBlooms('scope_attr', 'ScopeAttributes'),
      ...attributeMapBlooms('log_attr', 'LogAttributes'),
      'idx_body Body TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8',
      // The duplicate check looks stored records up by request key (migration 23).
      bloom('idx_ingest_key', 'IngestKey', '0.001'),
    ],
    partitionBy: 'toDate(TimestampTime)',
    primaryKey: '(ServiceName, TimestampTime)',
    orderBy: '(ServiceName, TimestampTime, Timestamp)',
    settings: 'index_granularity = 8192, ttl_only_drop_parts = 1',
    // The engine's `toDate(TimestampTime)` is the day of `Timestamp`.
    dayPartition: 'Timestamp',
    // A retried export stores no record twice (see RowIdentity): a log record has no id, so it is
    // named by the request that brought it and its place among that request's records.
    // The keys use TimestampTime: the lookup bounds its day too, so it reads the partitions of
    // the insert's days only.
    identity: { columns: ['Project', 'IngestKey', 'IngestRow'], time: 'Timestamp', request: 'IngestKey', row: 'IngestRow', seconds: 'TimestampTime' },
  },
);

/** One row of `otel_logs`. */
export type LogRow = RowType<typeof OTEL_LOGS>;
