import type { LogRow } from '../../store/schema/otel-logs.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { decodeLogsJson } from './internal/json-logs.js';
import { decodeLogsProtobuf } from './internal/protobuf-logs.js';
import type { OtlpEncoding } from './otlp-encoding.js';

/** One log record, as an `otel_logs` row and in the plain form the prediction and feedback routes read. */
export interface DecodedLogRecord {
  /**
   * The `otel_logs` row. Rows of one resource (scope) share one frozen
   * `ResourceAttributes` (`ScopeAttributes`) object: treat rows as read-only.
   */
  row: LogRow;
  /** The record's `event_name`, or else its `event.name` attribute (flattened), or `''`. */
  eventName: string;
  /**
   * The body as plain JS: string, boolean, number, `null` (no body), array,
   * object (kvlist); int64 values beyond `Number.MAX_SAFE_INTEGER` as decimal
   * strings, bytes as base64 strings.
   */
  body: unknown;
  /** The record's attributes, converted like `body`. */
  attributes: Record<string, unknown>;
}

/** What `decodeLogsRequest` returns. */
export interface DecodedLogsRequest {
  /** The valid log records, in request order. */
  logs: DecodedLogRecord[];
  /** Records dropped as invalid (OTLP `partial_success.rejected_log_records`). */
  rejected: number;
  /** Why, for the first few rejected records (at most 10), each naming the record's path in the request. */
  errors: string[];
}

/**
 * Decodes an OTLP `ExportLogsServiceRequest`. Rows are mapped as the OpenTelemetry
 * Collector's ClickHouse exporter maps them: `Timestamp` is `time_unix_nano`, or
 * `observed_time_unix_nano` when the former is 0; `Body` is a string body as is
 * and any other body flattened (JSON text for arrays and kvlists); `TraceFlags`
 * is `flags & 0xff`; all-zero trace and span ids become `''`.
 *
 * A record whose trace or span id has the wrong size, whose time or observed time is
 * outside `eventTimes` (0 means none; at or above 2^63 ns is always outside), or (in JSON)
 * with a field of the wrong type is rejected alone: counted in `rejected`, described in
 * `errors`. A record with neither time keeps `Timestamp` 0: the receiver observes it then.
 *
 * @param body The request body, already decompressed.
 * @param encoding `protobuf` for `application/x-protobuf`, `json` for `application/json`.
 * @param project Written to every row's `Project`.
 * @param eventTimes The times a record may carry. @default the store's range (1970 to 2262)
 * @throws {OtlpDecodeError} When the body cannot be decoded at all.
 *
 * @example
 * ```ts
 * for (const log of decodeLogsRequest(body, 'json', 'default').logs) {
 *   if (log.eventName === 'inferlens.prediction') handlePrediction(log.body, log.row);
 * }
 * ```
 */
export function decodeLogsRequest(
  body: Uint8Array,
  encoding: OtlpEncoding,
  project: string,
  eventTimes: EventTimeBounds = EventTimeBounds.REPRESENTABLE,
): DecodedLogsRequest {
  return encoding === 'protobuf' ? decodeLogsProtobuf(body, project, eventTimes) : decodeLogsJson(body, project, eventTimes);
}
