import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { HttpExporterOptions } from '../../HttpExporterOptions.js';
import { RetryableExportError } from '../../RetryableExportError.js';
import type { DeliveryResult } from '../export-outcome.js';
import { failedResult } from '../failed-result.js';
import { parseCollectorReply, rejectedWarning } from './collector-reply.js';
import { createExportTransport } from './create-transport.js';
import type { ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { resolveHttpSetup } from './http-export-setup.js';
import { RecordSerializer } from './RecordSerializer.js';
import { backoffDelay, type BackoffOptions } from './retry.js';

/**
 * The engine of `HttpPredictionExporter` and `HttpFeedbackExporter`, composed as
 * `@opentelemetry/otlp-exporter-base` composes its export delegate: a serializer (records to
 * NDJSON text, on the caller's thread), a transport (encoding and one HTTP attempt, in the
 * export worker or here, see `createExportTransport`), and the reading of the answer, here on
 * the caller's thread.
 *
 * One attempt per `export`: a retryable answer resolves `FAILED` with a `RetryableExportError`
 * that says how long to wait (the collector's `Retry-After`, else an exponential backoff with
 * jitter over this exporter's consecutive failures, either capped by `maxBackoffMillis`), and
 * the batch processor keeps the records queued and exports them again then.
 */
export class NdjsonExporter<T> {
  private stopped = false;
  /** Retryable answers since the last delivery. */
  private failures = 0;

  constructor(
    private readonly serializer: RecordSerializer,
    private readonly transport: ExportTransport<string>,
    private readonly timeoutMillis: number,
    private readonly backoff: BackoffOptions,
  ) {}

  /** Serializes and sends one batch; resolves with the result, never rejects. */
  async export(batch: readonly T[]): Promise<ExportResult> {
    if (this.stopped) return shutDown();
    try {
      const ndjson = await this.serializer.serialize(batch);
      if (this.stopped) return shutDown();
      return this.resultOf(await this.transport.send(ndjson, this.timeoutMillis));
    } catch (error) {
      return failedResult(error);
    }
  }

  /** Aborts a request in progress (in the worker too, then stops it); later exports fail at once. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.transport.shutdown();
  }

  /** The export's result: a success names the records the collector's reply refused; a retryable failure says when to try again. */
  private resultOf(response: ExportResponse): DeliveryResult {
    if (response.status === 'failure') return failedResult(response.error);
    if (response.status === 'retryable') {
      this.failures++;
      const { maxBackoffMillis } = this.backoff;
      const wait = Math.min(maxBackoffMillis, response.retryAfterMillis ?? backoffDelay(this.failures, this.backoff));
      return { code: ExportResultCode.FAILED, error: new RetryableExportError(response.error.message, { retryAfterMillis: wait, cause: response.error }) };
    }
    this.failures = 0;
    const reply = parseCollectorReply(response.reply);
    const reason = rejectedWarning(reply);
    return reason && reply ? { code: ExportResultCode.SUCCESS, rejected: reply.rejected, rejectedReason: reason } : { code: ExportResultCode.SUCCESS };
  }
}

/** The exporter for `path` (`/v1/predictions` or `/v1/feedback`) that `options` describe. Never throws. */
export function createNdjsonExporter<T>(path: string, options: HttpExporterOptions = {}): NdjsonExporter<T> {
  const setup = resolveHttpSetup(path, options);
  return new NdjsonExporter<T>(new RecordSerializer(setup.compression), createExportTransport(setup), setup.timeoutMillis, setup);
}

function shutDown(): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error('exporter is shut down') };
}
