import type { ExportResult } from './ExportResult.js';
import type { PredictionRecord } from '@inferlens/semconv';

/**
 * Sends batches of prediction records somewhere: the collector
 * (`HttpPredictionExporter`), memory (`InMemoryPredictionExporter`), or your
 * own backend. Named and shaped like OpenTelemetry's `SpanExporter`, but
 * `export` returns a promise instead of taking a callback.
 *
 * The processor calls `export` with one batch at a time and never on the
 * caller's path. An exporter resolves (never rejects) with the result of its
 * attempt: `SUCCESS`; `FAILED` with a `RetryableExportError` when the backend
 * may take the batch later (the processor keeps it queued and calls `export`
 * again after a backoff); any other `FAILED` when the backend refused it
 * (counted `failed`). A rejection is treated as a refusal.
 *
 * @example
 * ```ts
 * import { ExportResultCode, type PredictionExporter } from '@inferlens/sdk';
 *
 * const consoleExporter: PredictionExporter = {
 *   async export(batch) {
 *     for (const r of batch) console.log(r.predictionId, r.model, r.latencyMs);
 *     return { code: ExportResultCode.SUCCESS };
 *   },
 *   async shutdown() {},
 * };
 * ```
 */
export interface PredictionExporter {
  /** Exports one batch. Resolves with `SUCCESS` once the backend accepted it, `FAILED` otherwise (with a `RetryableExportError` to have it retried). */
  export(batch: readonly PredictionRecord[]): Promise<ExportResult>;
  /** Sends anything the exporter buffers itself. Optional. */
  forceFlush?(): Promise<void>;
  /** Stops the exporter: aborts exports in progress; later exports fail. */
  shutdown(): Promise<void>;
}
