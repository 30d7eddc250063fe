import type { ExportResult } from './ExportResult.js';
import type { FeedbackRecord } from '@inferlens/semconv';
import type { FeedbackExporter } from './FeedbackExporter.js';
import type { HttpExporterOptions } from './HttpExporterOptions.js';
import { createNdjsonExporter } from './internal/export/create-exporters.js';
import type { HttpExportDelegate } from './internal/export/HttpExportDelegate.js';

/**
 * Exports feedback records to the collector's `POST /v1/feedback`; the same
 * transport, and the same rules for what is retried, as `HttpPredictionExporter`.
 */
export class HttpFeedbackExporter implements FeedbackExporter {
  private readonly delegate: HttpExportDelegate<FeedbackRecord>;

  /** @param options see `HttpExporterOptions`; every field has a default. */
  constructor(options: HttpExporterOptions = {}) {
    this.delegate = createNdjsonExporter('/v1/feedback', options);
  }

  /** Exports one batch as `HttpPredictionExporter.export` does; never rejects. */
  export(batch: readonly FeedbackRecord[]): Promise<ExportResult> {
    return this.delegate.export(batch);
  }

  /** Aborts a request in progress and stops the worker thread; later exports fail at once. */
  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}
