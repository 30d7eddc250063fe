import type { PredictionRecord } from '@inferlens/semconv';
import type { BatchProcessorConfig } from './BatchProcessorConfig.js';
import { BatchRecordProcessor } from './internal/BatchRecordProcessor.js';
import type { PredictionExporter } from './PredictionExporter.js';

/**
 * Queues prediction records and hands them to a `PredictionExporter` in
 * batches, by count, bytes and time, like OpenTelemetry's
 * `BatchSpanProcessor`. The queue is bounded by records and bytes; records
 * that do not fit are dropped and counted in `stats()`. `onEnd` never
 * throws and never exports on the caller's stack.
 *
 * `createMonitor` builds one from its `exporter` and `batch` options; use the
 * class directly to feed records you build yourself.
 *
 * @example
 * ```ts
 * const processor = new BatchPredictionProcessor(new HttpPredictionExporter(), { maxQueueSize: 10_000 });
 * processor.onEnd({ predictionId: 'p1', model: 'churn', latencyMs: 3.2 });
 * await processor.shutdown(5000);
 * ```
 */
export class BatchPredictionProcessor extends BatchRecordProcessor<PredictionRecord> {
  /**
   * @param exporter where batches go
   * @param config bounds and timing; see `BatchProcessorConfig` for the defaults
   */
  constructor(exporter: PredictionExporter, config: BatchProcessorConfig = {}) {
    super(exporter, config);
  }
}
