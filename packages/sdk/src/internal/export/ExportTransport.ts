import type { ExportResponse } from './ExportResponse.js';

/**
 * Delivers one export body, like `IExporterTransport` of `@opentelemetry/otlp-exporter-base`.
 * `Body` is what it takes: the serialized body before compression (`EncodingTransport`,
 * `WorkerTransport`, which transfers it to the worker thread) or the request body as sent
 * (`HttpTransport`). Implementations are stacked by `create-transport.ts`.
 */
export interface ExportTransport<Body> {
  /**
   * Sends `body` once, within `timeoutMillis`; resolves with the outcome and never rejects.
   * Retrying is the batch processor's business (it keeps the records queued meanwhile).
   */
  send(body: Body, timeoutMillis: number): Promise<ExportResponse>;
  /** Aborts what is in flight (its `send` then resolves as failed); later sends fail at once. Never rejects. */
  shutdown(): Promise<void>;
}
