import type { FeedbackRecord } from '@inferlens/semconv';
import type { FeedbackExporter } from './FeedbackExporter.js';
import type { HttpExporterOptions } from './HttpExporterOptions.js';
import { NdjsonHttpExporter } from './internal/NdjsonHttpExporter.js';

/**
 * Exports feedback records to the collector's `POST /v1/feedback`; the same
 * transport and retry rules as `HttpPredictionExporter`.
 */
export class HttpFeedbackExporter extends NdjsonHttpExporter<FeedbackRecord> implements FeedbackExporter {
  /** @param options see `HttpExporterOptions`; every field has a default. */
  constructor(options: HttpExporterOptions = {}) {
    super('/v1/feedback', options);
  }
}
