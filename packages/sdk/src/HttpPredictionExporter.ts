import type { PredictionRecord } from '@inferlens/semconv';
import type { HttpExporterOptions } from './HttpExporterOptions.js';
import { NdjsonHttpExporter } from './internal/NdjsonHttpExporter.js';
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
export class HttpPredictionExporter extends NdjsonHttpExporter<PredictionRecord> implements PredictionExporter {
  /** @param options see `HttpExporterOptions`; every field has a default. */
  constructor(options: HttpExporterOptions = {}) {
    super('/v1/predictions', options);
  }
}
