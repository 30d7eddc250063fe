/**
 * OTLP/HTTP payload decoding: `ExportTraceServiceRequest`,
 * `ExportLogsServiceRequest` and `ExportMetricsServiceRequest` bodies (protobuf or JSON) to store rows. Pure: no
 * HTTP, no database.
 */
export { decodeLogsRequest } from './decode-logs-request.js';
export type { DecodedLogRecord, DecodedLogsRequest } from './decode-logs-request.js';
export { decodeMetricsRequest } from './decode-metrics-request.js';
export type { DecodedMetricsRequest } from './decode-metrics-request.js';
export { decodeTraceRequest } from './decode-trace-request.js';
export type { DecodedTraceRequest } from './decode-trace-request.js';
export { transcodeTracesProtobuf } from './internal/protobuf-traces-rowbinary.js';
export type { TranscodedTraceRequest } from './internal/protobuf-traces-rowbinary.js';
export { OtlpDecodeError } from './otlp-decode-error.js';
export type { OtlpEncoding } from './otlp-encoding.js';
