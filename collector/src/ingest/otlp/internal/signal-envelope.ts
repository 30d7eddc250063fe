import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import type { Rejections } from './rejections.js';

/**
 * How an OTLP export request of one signal nests its records: request →
 * `Resource*` (resource, schema url) → `Scope*` (scope, schema url) → records.
 * The signals differ only in the names of the levels and in which scope fields
 * their rows keep; the envelope walkers (`protobuf-envelope.ts`,
 * `json-envelope.ts`) take one of these and the signal's record reader.
 */
export interface SignalEnvelope {
  /** The request message, for messages: `ExportTraceServiceRequest`. */
  request: string;
  /** The request's list of `Resource*` messages, as OTLP/JSON names it: `resourceSpans`. */
  resources: string;
  /** A `Resource*` message's list of `Scope*` messages: `scopeSpans`. */
  scopes: string;
  /** A `Scope*` message's list of records: `spans`. */
  records: string;
  /**
   * Whether `Scope*.schema_url` is read into `DecodedScope.schemaUrl` (and, in
   * JSON, type-checked): logs and metrics keep it (`ScopeSchemaUrl`); `otel_traces`
   * has no column for it, so trace decoding ignores the field, as it always has.
   */
  scopeSchemaUrl: boolean;
  /**
   * Whether `InstrumentationScope.dropped_attributes_count` is read into
   * `DecodedScope.droppedAttributesCount` (and, in JSON, type-checked): only the
   * `otel_metrics_*` tables keep it (`ScopeDroppedAttrCount`); spans and log
   * records skip the field, as they always have.
   */
  scopeDroppedAttributesCount: boolean;
}

/** `ExportTraceServiceRequest`: `resourceSpans[].scopeSpans[].spans[]`. */
export const TRACES_ENVELOPE: SignalEnvelope = Object.freeze({
  request: 'ExportTraceServiceRequest',
  resources: 'resourceSpans',
  scopes: 'scopeSpans',
  records: 'spans',
  scopeSchemaUrl: false,
  scopeDroppedAttributesCount: false,
});

/** `ExportLogsServiceRequest`: `resourceLogs[].scopeLogs[].logRecords[]`. */
export const LOGS_ENVELOPE: SignalEnvelope = Object.freeze({
  request: 'ExportLogsServiceRequest',
  resources: 'resourceLogs',
  scopes: 'scopeLogs',
  records: 'logRecords',
  scopeSchemaUrl: true,
  scopeDroppedAttributesCount: false,
});

/** `ExportMetricsServiceRequest`: `resourceMetrics[].scopeMetrics[].metrics[]`. */
export const METRICS_ENVELOPE: SignalEnvelope = Object.freeze({
  request: 'ExportMetricsServiceRequest',
  resources: 'resourceMetrics',
  scopes: 'scopeMetrics',
  records: 'metrics',
  scopeSchemaUrl: true,
  scopeDroppedAttributesCount: true,
});

/**
 * The record a walker hands to a signal's record reader: the resource and scope it
 * belongs to, and where to send what it rejects. A record may yield any number of
 * rows (a span one, a metric one per data point), which the reader keeps itself.
 * The walker moves one such object from record to record: a reader must not keep it.
 */
export interface RecordContext {
  readonly resource: DecodedResource;
  readonly scope: DecodedScope;
  /** Written to every row's `Project`. */
  readonly project: string;
  /**
   * Counts one rejected row (a span, a log record, a data point) and keeps why,
   * with the record's path in front (see {@link problemAt}).
   * @param problem Relative to the record: `traceId: ...`, `gauge.dataPoints[2].timeUnixNano: ...`,
   *   or, about the record as a whole, starting with `:` (`: no data`).
   */
  reject(problem: string): void;
}

/**
 * A problem relative to `path`, as one message: `spans[3]` and `traceId: ...` make
 * `spans[3].traceId: ...`; a problem starting with `:` is about `path` itself
 * (`metrics[2]` and `: no data` make `metrics[2]: no data`).
 */
export function problemAt(path: string, problem: string): string {
  return problem.startsWith(':') ? `${path}${problem}` : `${path}.${problem}`;
}

/** What an envelope walker of one-row records returns. */
export interface EnvelopeRecords<T> {
  /** The valid records, in request order. */
  records: T[];
  /** The records dropped as invalid, and why. */
  rejections: Rejections;
}
