import type { Attributes } from '@opentelemetry/api';
import type { HttpExporterOptions } from '../../HttpExporterOptions.js';
import { OtlpJsonSpans } from '../tracing/otlp-json.js';
import type { RecordingSpan } from '../tracing/RecordingSpan.js';
import { parseCollectorReply, rejectedWarning } from './collector-reply.js';
import { createExportTransport } from './create-transport.js';
import { HttpExportDelegate } from './HttpExportDelegate.js';
import { resolveHttpSetup } from './http-export-setup.js';
import { RecordSerializer } from './RecordSerializer.js';

/** The exporter for `path` (`/v1/predictions` or `/v1/feedback`, gzip NDJSON) that `options` describe. Never throws. */
export function createNdjsonExporter<T>(path: string, options: HttpExporterOptions = {}): HttpExportDelegate<T> {
  const setup = resolveHttpSetup(path, options);
  return new HttpExportDelegate<T>(new RecordSerializer(setup.compression), createExportTransport(setup), setup.timeoutMillis, setup, readCollectorReply);
}

/**
 * The span exporter of the SDK's own tracer provider: OTLP/JSON (gzip) to `{endpoint}/v1/traces`,
 * through the same transport, worker thread and retry rules as the record exporters.
 */
export function createOtlpSpanExporter(options: HttpExporterOptions, resource: Attributes, scope: { name: string; version: string }): HttpExportDelegate<RecordingSpan> {
  const setup = resolveHttpSetup('/v1/traces', options, 'application/json');
  return new HttpExportDelegate<RecordingSpan>(new OtlpJsonSpans(resource, scope), createExportTransport(setup), setup.timeoutMillis, setup, readOtlpReply);
}

/** The collector's `{ accepted, rejected, errors }`. */
function readCollectorReply(text: string): { rejected: number; reason: string } | undefined {
  const reply = parseCollectorReply(text);
  const reason = rejectedWarning(reply);
  return reply && reason ? { rejected: reply.rejected, reason } : undefined;
}

/** An `ExportTraceServiceResponse`: `{"partialSuccess":{"rejectedSpans":"2","errorMessage":"…"}}` when some spans were refused. */
function readOtlpReply(text: string): { rejected: number; reason: string } | undefined {
  try {
    const partial = (JSON.parse(text) as { partialSuccess?: { rejectedSpans?: unknown; errorMessage?: unknown } } | null)?.partialSuccess;
    const rejected = Number(partial?.rejectedSpans ?? 0);
    if (!(rejected > 0)) return undefined;
    return { rejected, reason: `collector rejected ${rejected} spans: ${String(partial?.errorMessage ?? '')}` };
  } catch {
    return undefined;
  }
}
