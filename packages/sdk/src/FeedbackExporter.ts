import type { ExportResult } from './ExportResult.js';
import type { FeedbackRecord } from '@inferlens/semconv';

/**
 * Sends batches of feedback (ground truth) records. The same contract as
 * `PredictionExporter`, for `FeedbackRecord`s.
 */
export interface FeedbackExporter {
  /** Exports one batch. Resolves with `SUCCESS` once the backend accepted it, `FAILED` otherwise (with a `RetryableExportError` to have it retried). */
  export(batch: readonly FeedbackRecord[]): Promise<ExportResult>;
  /** Sends anything the exporter buffers itself. Optional. */
  forceFlush?(): Promise<void>;
  /** Stops the exporter: aborts exports in progress; later exports fail. */
  shutdown(): Promise<void>;
}
