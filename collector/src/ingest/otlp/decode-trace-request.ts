import type { SpanRow } from '../../store/schema/otel-traces.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { decodeTracesJson } from './internal/json-traces.js';
import { decodeTracesProtobuf } from './internal/protobuf-traces.js';
import type { OtlpEncoding } from './otlp-encoding.js';

/** What `decodeTraceRequest` returns. */
export interface DecodedTraceRequest {
  /**
   * One `otel_traces` row per valid span, in request order. Rows of one resource
   * share one frozen `ResourceAttributes` object: treat rows as read-only.
   */
  spans: SpanRow[];
  /** Spans dropped as invalid (OTLP `partial_success.rejected_spans`). */
  rejected: number;
  /** Why, for the first few rejected spans (at most 10), each naming the span's path in the request. */
  errors: string[];
}

/**
 * Decodes an OTLP `ExportTraceServiceRequest` into `otel_traces` rows, mapped as
 * the OpenTelemetry Collector's ClickHouse exporter maps them: `Timestamp` is the
 * start time, `Duration` is end minus start in nanoseconds (`"0"` when negative),
 * ids are lowercase hex, `SpanKind` / `StatusCode` are `Server`, `Error`, ...,
 * `ServiceName` is the resource's `service.name`, and attribute values are
 * flattened to strings (arrays and kvlists as JSON text, bytes as base64).
 *
 * A span with a missing, wrongly sized or all-zero trace or span id, a parent or
 * link id of the wrong size, a start, end or event time outside `eventTimes` (an end
 * or event time of 0 means none; a time at or above 2^63 ns is always outside), or (in
 * JSON) a field of the wrong type is rejected alone: counted in `rejected`, described
 * in `errors`, and the other spans are kept.
 *
 * @param body The request body, already decompressed.
 * @param encoding `protobuf` for `application/x-protobuf`, `json` for `application/json`.
 * @param project Written to every row's `Project`.
 * @param eventTimes The times a span may carry. @default the store's range (1970 to 2262)
 * @throws {OtlpDecodeError} When the body cannot be decoded at all (truncated or
 *   malformed protobuf, invalid JSON, a JSON document that is not an export request).
 *
 * @example
 * ```ts
 * const { spans, rejected, errors } = decodeTraceRequest(body, 'protobuf', 'default');
 * // spans[0].Timestamp === '1700000000.123456789', spans[0].SpanKind === 'Server'
 * ```
 */
export function decodeTraceRequest(
  body: Uint8Array,
  encoding: OtlpEncoding,
  project: string,
  eventTimes: EventTimeBounds = EventTimeBounds.REPRESENTABLE,
): DecodedTraceRequest {
  return encoding === 'protobuf' ? decodeTracesProtobuf(body, project, eventTimes) : decodeTracesJson(body, project, eventTimes);
}
