import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { HttpExporterOptions } from '../../HttpExporterOptions.js';
import { failedResult } from '../failed-result.js';
import { warn } from '../handle-error.js';
import { parseCollectorReply, rejectedWarning } from './collector-reply.js';
import { createExportTransport } from './create-transport.js';
import type { ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { resolveHttpSetup } from './http-export-setup.js';
import { RecordSerializer } from './RecordSerializer.js';

/**
 * The engine of `HttpPredictionExporter` and `HttpFeedbackExporter`, composed as
 * `@opentelemetry/otlp-exporter-base` composes its export delegate: a serializer (records to
 * NDJSON text, on the caller's thread), a transport (encoding, HTTP and retries, in the export
 * worker or here, see `createExportTransport`), and the reading of the collector's reply, here
 * on the caller's thread.
 */
export class NdjsonExporter<T> {
  private stopped = false;

  /** @param exportTimeoutMillis the time limit of one export, all attempts included */
  constructor(
    private readonly serializer: RecordSerializer,
    private readonly transport: ExportTransport<string>,
    private readonly exportTimeoutMillis: number,
  ) {}

  /** Serializes and sends one batch; resolves with the final result, never rejects. */
  async export(batch: readonly T[]): Promise<ExportResult> {
    if (this.stopped) return shutDown();
    try {
      const ndjson = await this.serializer.serialize(batch);
      if (this.stopped) return shutDown();
      return resultOf(await this.transport.send(ndjson, this.exportTimeoutMillis));
    } catch (error) {
      return failedResult(error);
    }
  }

  /** Aborts a request or a retry wait in progress (in the worker too, then stops it); later exports fail at once. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.transport.shutdown();
  }
}

/** The exporter for `path` (`/v1/predictions` or `/v1/feedback`) that `options` describe. Never throws. */
export function createNdjsonExporter<T>(path: string, options: HttpExporterOptions = {}): NdjsonExporter<T> {
  const setup = resolveHttpSetup(path, options);
  return new NdjsonExporter<T>(new RecordSerializer(setup.compression), createExportTransport(setup), setup.exportTimeoutMillis);
}

/** The export's result; a success whose reply names refused records says so, once per batch. */
function resultOf(response: ExportResponse): ExportResult {
  if (response.status !== 'success') return failedResult(response.error);
  const warning = rejectedWarning(parseCollectorReply(response.reply));
  if (warning) warn(warning);
  return { code: ExportResultCode.SUCCESS };
}

function shutDown(): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error('exporter is shut down') };
}
