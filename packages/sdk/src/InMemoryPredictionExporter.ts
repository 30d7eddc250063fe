import type { PredictionRecord } from '@inferlens/semconv';
import { InMemoryRecordExporter } from './internal/InMemoryRecordExporter.js';
import type { PredictionExporter } from './PredictionExporter.js';

/**
 * Keeps exported prediction records in memory, for tests.
 *
 * @example
 * ```ts
 * const exporter = new InMemoryPredictionExporter();
 * const monitor = createMonitor({ serviceName: 'test', exporter });
 * await monitor.instrument(predict, { model: 'churn' })(input);
 * await monitor.forceFlush();
 * expect(exporter.getFinishedPredictions()).toHaveLength(1);
 * ```
 */
export class InMemoryPredictionExporter extends InMemoryRecordExporter<PredictionRecord> implements PredictionExporter {
  /** Prediction records exported so far, oldest first. */
  getFinishedPredictions(): PredictionRecord[] {
    return this.getFinishedRecords();
  }
}
