import type { GenAiUsage, Features } from './InstrumentOptions.js';

/**
 * One prediction started by hand with `Monitor.startPrediction`. Call `end`
 * or `fail` exactly once; later calls are ignored.
 */
export interface PredictionHandle {
  /** The prediction id, for feedback and for your own logs. */
  readonly predictionId: string;
  /** Trace id of the prediction's span ('' when tracing is off). */
  readonly traceId: string;
  /** Span id of the prediction's span ('' when tracing is off). */
  readonly spanId: string;
  /** Ends the prediction successfully, with its outputs and, for generative models, its usage. */
  end(result?: { output?: Features; usage?: GenAiUsage }): void;
  /** Ends the prediction as failed: error status and exception event on the span, `status: 'error'` on the record. */
  fail(error: unknown): void;
}
