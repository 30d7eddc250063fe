import { ExportResultCode, type ExportResult } from '../../ExportResult.js';
import { RetryableExportError } from '../../RetryableExportError.js';
import type { DeliveryResult } from '../export-outcome.js';
import { failedResult } from '../failed-result.js';
import { isTransferable, recycleBuffer } from './ByteWriter.js';
import type { ExportResponse } from './ExportResponse.js';
import type { ExportTransport } from './ExportTransport.js';
import { backoffDelay, type BackoffOptions } from './retry.js';

/** Turns a batch into a request body (UTF-8, before compression), on the caller's thread, yielding to the event loop between chunks. */
export interface BodySerializer<T> {
  serialize(batch: readonly T[]): Promise<Uint8Array>;
}

/** What a 2xx reply says about the batch: how many of its items the receiver refused, and why. Undefined: nothing refused (or a reply it cannot read). */
export type ReplyReader = (reply: string) => { rejected: number; reason: string } | undefined;

/**
 * The engine of the SDK's HTTP exporters (`HttpPredictionExporter`, `HttpFeedbackExporter`, the
 * own tracer provider's span exporter), composed as `@opentelemetry/otlp-exporter-base`
 * composes its export delegate: a serializer (a batch to text, on the caller's thread), a
 * transport (encoding and one HTTP attempt, in the export worker or here, see
 * `createExportTransport`), and the reading of the answer, here on the caller's thread.
 *
 * One attempt per `export`: a retryable answer resolves `FAILED` with a `RetryableExportError`
 * that says how long to wait (the collector's `Retry-After`, else an exponential backoff with
 * jitter over this exporter's consecutive failures, either capped by `maxBackoffMillis`), and
 * the batch processor keeps the records queued and exports them again then.
 */
export class HttpExportDelegate<T> {
  private stopped = false;
  /** Retryable answers since the last delivery. */
  private failures = 0;

  constructor(
    private readonly serializer: BodySerializer<T>,
    private readonly transport: ExportTransport<Uint8Array>,
    private readonly timeoutMillis: number,
    private readonly backoff: BackoffOptions,
    private readonly readReply: ReplyReader,
  ) {}

  /** Serializes and sends one batch; resolves with the result, never rejects. */
  async export(batch: readonly T[]): Promise<ExportResult> {
    if (this.stopped) return shutDown();
    try {
      const body = await this.serializer.serialize(batch);
      if (this.stopped) return shutDown();
      const response = await this.transport.send(body, this.timeoutMillis);
      // Sent on this thread (not transferred to the worker, which gives it back itself): reuse the buffer.
      if (body.byteLength > 0 && isTransferable(body)) recycleBuffer(body.buffer as ArrayBuffer);
      return this.resultOf(response);
    } catch (error) {
      return failedResult(error);
    }
  }

  /** Aborts a request in progress (in the worker too, then stops it); later exports fail at once. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.transport.shutdown();
  }

  /** The export's result: a success names the items the receiver's reply refused; a retryable failure says when to try again. */
  private resultOf(response: ExportResponse): DeliveryResult {
    if (response.status === 'failure') return failedResult(response.error);
    if (response.status === 'retryable') {
      this.failures++;
      const { maxBackoffMillis } = this.backoff;
      const wait = Math.min(maxBackoffMillis, response.retryAfterMillis ?? backoffDelay(this.failures, this.backoff));
      return { code: ExportResultCode.FAILED, error: new RetryableExportError(response.error.message, { retryAfterMillis: wait, cause: response.error }) };
    }
    this.failures = 0;
    const refused = this.readReply(response.reply);
    return refused && refused.rejected > 0 ? { code: ExportResultCode.SUCCESS, rejected: refused.rejected, rejectedReason: refused.reason } : { code: ExportResultCode.SUCCESS };
  }
}

function shutDown(): ExportResult {
  return { code: ExportResultCode.FAILED, error: new Error('exporter is shut down') };
}
