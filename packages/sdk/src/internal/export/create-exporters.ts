import type { Attributes } from '@opentelemetry/api';
import type { HttpExporterOptions } from '../../HttpExporterOptions.js';
import { OtlpProtobufSpans } from '../tracing/otlp-protobuf.js';
import type { RecordingSpan } from '../tracing/RecordingSpan.js';
import { parseCollectorReply, rejectedWarning } from './collector-reply.js';
import { createExportTransport } from './create-transport.js';
import { HttpExportDelegate } from './HttpExportDelegate.js';
import { resolveHttpSetup } from './http-export-setup.js';
import { readPartialSuccess } from './otlp-reply.js';
import { RecordSerializer } from './RecordSerializer.js';

/** The exporter for `path` (`/v1/predictions` or `/v1/feedback`, gzip NDJSON) that `options` describe. Never throws. */
export function createNdjsonExporter<T>(path: string, options: HttpExporterOptions = {}): HttpExportDelegate<T> {
  const setup = resolveHttpSetup(path, options);
  return new HttpExportDelegate<T>(new RecordSerializer(setup.compression), createExportTransport(setup), setup.timeoutMillis, setup, readCollectorReply);
}

/**
 * The span exporter of the SDK's own tracer provider: OTLP/protobuf (as OpenTelemetry's default
 * exporter sends it) to `{endpoint}/v1/traces`, through the same transport, worker thread and
 * retry rules as the record exporters.
 */
export function createOtlpSpanExporter(options: HttpExporterOptions, resource: Attributes, scope: { name: string; version: string }): HttpExportDelegate<RecordingSpan> {
  const setup = resolveHttpSetup('/v1/traces', options, 'application/x-protobuf');
  return new HttpExportDelegate<RecordingSpan>(new OtlpProtobufSpans(resource, scope), createExportTransport(setup), setup.timeoutMillis, setup, readOtlpReply);
}

/** The collector's `{ accepted, rejected, errors }`. */
function readCollectorReply(text: string): { rejected: number; reason: string } | undefined {
  const reply = parseCollectorReply(text);
  const reason = rejectedWarning(reply);
  return reply && reason ? { rejected: reply.rejected, reason } : undefined;
}

/**
 * An `ExportTraceServiceResponse` in protobuf (as `HttpTransport` hands a protobuf reply on: one
 * character a byte): its `partial_success` when some spans were refused.
 */
export function readOtlpReply(reply: string): { rejected: number; reason: string } | undefined {
  const partial = readPartialSuccess(reply);
  if (partial === undefined || !(partial.rejected > 0)) return undefined;
  return { rejected: partial.rejected, reason: `collector rejected ${partial.rejected} spans: ${partial.message}` };
}
