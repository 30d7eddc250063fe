import type { FeedbackRecord } from '@inferlens/semconv';
import type { FeedbackExporter } from './FeedbackExporter.js';
import { InMemoryRecordExporter } from './internal/InMemoryRecordExporter.js';

/** Keeps exported feedback records in memory, for tests. See `InMemoryPredictionExporter`. */
export class InMemoryFeedbackExporter extends InMemoryRecordExporter<FeedbackRecord> implements FeedbackExporter {
  /** Feedback records exported so far, oldest first. */
  getFinishedFeedback(): FeedbackRecord[] {
    return this.getFinishedRecords();
  }
}
