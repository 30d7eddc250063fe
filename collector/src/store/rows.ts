/**
 * Row shapes handed to the store, one interface per table. Field names are the
 * ClickHouse column names (OpenTelemetry exporter casing), so a row can be
 * serialised without a mapping table.
 *
 * Time columns of type DateTime64(9) are carried as a decimal string of Unix
 * seconds with nine fraction digits (`"1700000000.123456789"`): exact to the
 * nanosecond, no float rounding, and parsed natively by ClickHouse.
 * UInt64 columns are carried as decimal strings for the same reason.
 */

/** A string map column: `Map(LowCardinality(String), String)`. */
export type StringMap = Record<string, string>;
/** A numeric map column: `Map(LowCardinality(String), Float64)`. */
export type NumberMap = Record<string, number>;

/** One row of `otel_traces` (the OpenTelemetry Collector ClickHouse exporter's table). */
export interface SpanRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  /** `Unspecified`, `Internal`, `Server`, `Client`, `Producer` or `Consumer`. */
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: StringMap;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: StringMap;
  /** Nanoseconds, decimal string (UInt64). */
  Duration: string;
  /** `Unset`, `Ok` or `Error`. */
  StatusCode: string;
  StatusMessage: string;
  EventsTimestamp: string[];
  EventsName: string[];
  EventsAttributes: StringMap[];
  LinksTraceId: string[];
  LinksSpanId: string[];
  LinksTraceState: string[];
  LinksAttributes: StringMap[];
  Project: string;
}

/** One row of `otel_logs`. */
export interface LogRow {
  Timestamp: string;
  TraceId: string;
  SpanId: string;
  TraceFlags: number;
  SeverityText: string;
  SeverityNumber: number;
  ServiceName: string;
  Body: string;
  ResourceSchemaUrl: string;
  ResourceAttributes: StringMap;
  ScopeSchemaUrl: string;
  ScopeName: string;
  ScopeVersion: string;
  ScopeAttributes: StringMap;
  LogAttributes: StringMap;
  EventName: string;
  Project: string;
}

/** One row of `predictions`. */
export interface PredictionRow {
  Timestamp: string;
  PredictionId: string;
  TraceId: string;
  SpanId: string;
  Project: string;
  ServiceName: string;
  ModelName: string;
  ModelVersion: string;
  Environment: string;
  Segment: string;
  LatencyMs: number;
  /** `ok` or `error`. */
  Status: string;
  ErrorType: string;
  NumericFeatures: NumberMap;
  CategoricalFeatures: StringMap;
  NumericOutputs: NumberMap;
  CategoricalOutputs: StringMap;
  InputTokens: number;
  OutputTokens: number;
  SampleRate: number;
  Attributes: StringMap;
}

/** One row of `feedback`. */
export interface FeedbackRow {
  Timestamp: string;
  PredictionId: string;
  Project: string;
  ModelName: string;
  ModelVersion: string;
  /** Categorical ground truth; empty when the feedback is numeric. */
  Label: string;
  /** Numeric ground truth; `null` when the feedback is categorical. */
  Value: number | null;
  Attributes: StringMap;
}

/** One row of `inferlens_readiness_probe`: a write that tells whether the store takes inserts. */
export interface ReadinessProbeRow {
  /** Always 0: the table keeps one row. */
  Id: number;
  ProbedAt: string;
}
