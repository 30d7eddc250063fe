import type { ExportResult } from './ExportResult.js';
import type { PredictionRecord } from '@inferlens/semconv';
import type { HttpExporterOptions } from './HttpExporterOptions.js';
import { createNdjsonExporter } from './internal/export/create-exporters.js';
import type { HttpExportDelegate } from './internal/export/HttpExportDelegate.js';
import type { PredictionExporter } from './PredictionExporter.js';

/**
 * Exports prediction records to the collector's `POST /v1/predictions` as
 * gzip NDJSON, one attempt per `export`. When the collector is unreachable,
 * times out or answers 408, 429 or 5xx, the result is a `RetryableExportError`
 * saying how long to wait (`Retry-After`, else exponential backoff with
 * jitter), and the batch processor keeps the records queued and sends them
 * again until they are delivered; any other 4xx is a refusal (`failed`).
 * Records the collector's reply names as rejected count `failed` too.
 * `createMonitor` uses it unless given another exporter.
 *
 * @example
 * ```ts
 * const exporter = new HttpPredictionExporter({ endpoint: 'https://inferlens.internal:4318', headers: { authorization: 'Bearer …' } });
 * const monitor = createMonitor({ serviceName: 'checkout', exporter });
 * ```
 */
export class HttpPredictionExporter implements PredictionExporter {
  private readonly delegate: HttpExportDelegate<PredictionRecord>;

  /** @param options see `HttpExporterOptions`; every field has a default. */
  constructor(options: HttpExporterOptions = {}) {
    this.delegate = createNdjsonExporter('/v1/predictions', options);
  }

  /**
   * Serializes the batch on the caller's thread, then compresses and posts it once (in the
   * exporter's worker thread unless `thread: 'main'`). Resolves with the result; never rejects.
   */
  export(batch: readonly PredictionRecord[]): Promise<ExportResult> {
    return this.delegate.export(batch);
  }

  /** Aborts a request in progress and stops the worker thread; later exports fail at once. */
  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}
