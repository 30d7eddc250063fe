import type { ExportResult } from '@opentelemetry/core';
import type { PredictionRecord } from '@inferlens/semconv';
import type { HttpExporterOptions } from './HttpExporterOptions.js';
import { createNdjsonExporter, type NdjsonExporter } from './internal/export/NdjsonExporter.js';
import type { PredictionExporter } from './PredictionExporter.js';

/**
 * Exports prediction records to the collector's `POST /v1/predictions` as
 * gzip NDJSON, retrying network errors and 429/502/503/504 with exponential
 * backoff and jitter (honouring `Retry-After`), never 400. `createMonitor`
 * uses it unless given another exporter.
 *
 * @example
 * ```ts
 * const exporter = new HttpPredictionExporter({ endpoint: 'https://inferlens.internal:4318', headers: { authorization: 'Bearer …' } });
 * const monitor = createMonitor({ serviceName: 'checkout', exporter });
 * ```
 */
export class HttpPredictionExporter implements PredictionExporter {
  private readonly delegate: NdjsonExporter<PredictionRecord>;

  /** @param options see `HttpExporterOptions`; every field has a default. */
  constructor(options: HttpExporterOptions = {}) {
    this.delegate = createNdjsonExporter('/v1/predictions', options);
  }

  /**
   * Serializes the batch on the caller's thread, then compresses and posts it (in the
   * exporter's worker thread unless `thread: 'main'`), with retries. Resolves with the final
   * result; never rejects.
   */
  export(batch: readonly PredictionRecord[]): Promise<ExportResult> {
    return this.delegate.export(batch);
  }

  /** Aborts a request or retry wait in progress and stops the worker thread; later exports fail at once. */
  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}
