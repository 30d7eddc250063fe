import type { ExponentialHistogramRow, GaugeRow, HistogramRow, SumRow, SummaryRow } from '../../store/schema/otel-metrics.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { decodeMetricsJson } from './internal/json-metrics.js';
import { decodeMetricsProtobuf } from './internal/protobuf-metrics.js';
import type { OtlpEncoding } from './otlp-encoding.js';

/** What `decodeMetricsRequest` returns: the rows of each `otel_metrics_*` table, in request order. */
export interface DecodedMetricsRequest {
  gauge: GaugeRow[];
  sum: SumRow[];
  histogram: HistogramRow[];
  exponentialHistogram: ExponentialHistogramRow[];
  summary: SummaryRow[];
  /** Data points dropped as invalid (OTLP `partial_success.rejected_data_points`). */
  rejected: number;
  /** Why, for the first few (at most 10), each naming the point's path in the request. */
  errors: string[];
}

/**
 * Decodes an OTLP `ExportMetricsServiceRequest` into `otel_metrics_*` rows, one per data point,
 * mapped as the OpenTelemetry Collector's ClickHouse exporter maps them: `StartTimeUnix` /
 * `TimeUnix` in whole seconds (truncated), `ServiceName` from the resource's `service.name`,
 * attributes flattened to strings as for spans, an `asInt` value stored as a double, an absent
 * histogram sum, min or max stored as 0, `AggregationTemporality` as OTLP's number (1 delta,
 * 2 cumulative), exemplar ids in lowercase hex (`''` when none or all zeros).
 *
 * A data point is rejected alone (counted in `rejected`, its path in `errors`) when it has no
 * time, a time outside `eventTimes`, a start or exemplar time past 2106 (the columns are
 * `DateTime`), an exemplar id of the wrong size, bucket counts that do not match its explicit
 * bounds (none, or one more than the bounds), a quantile outside [0, 1], or (in JSON) a field of
 * the wrong type. A metric with no name is rejected with its points; one with no data, or (in
 * JSON) of the wrong shape, counts as one rejected point.
 *
 * @param body The request body, already decompressed.
 * @param encoding `protobuf` for `application/x-protobuf`, `json` for `application/json`.
 * @param project Written to every row's `Project`.
 * @param eventTimes The times a point may carry (`timeUnixNano`). @default the store's range
 * @throws {OtlpDecodeError} When the body cannot be decoded at all.
 *
 * @example
 * ```ts
 * const { gauge, sum, rejected } = decodeMetricsRequest(body, 'json', 'default');
 * // sum[0].MetricName === 'http.requests', sum[0].AggregationTemporality === 2
 * ```
 */
export function decodeMetricsRequest(
  body: Uint8Array,
  encoding: OtlpEncoding,
  project: string,
  eventTimes: EventTimeBounds = EventTimeBounds.REPRESENTABLE,
): DecodedMetricsRequest {
  return encoding === 'protobuf' ? decodeMetricsProtobuf(body, project, eventTimes) : decodeMetricsJson(body, project, eventTimes);
}
