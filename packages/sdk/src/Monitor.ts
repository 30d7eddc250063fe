import type { AttributeValue } from '@inferlens/semconv';
import type { InstrumentOptions } from './InstrumentOptions.js';
import type { PredictionHandle } from './PredictionHandle.js';
import type { ProcessorStats } from './ProcessorStats.js';
import type { StartPredictionOptions } from './StartPredictionOptions.js';

/** Counts of a monitor: predictions at the top level, feedback under `feedback`. */
export interface MonitorStats extends ProcessorStats {
  /** Calls that produced no record because of `sampleRate`. */
  readonly sampledOut: number;
  /** Counts of the feedback queue. */
  readonly feedback: ProcessorStats;
  /**
   * Counts of the span queue of the SDK's own tracer provider (all zero when the spans go to the
   * host's provider or to `tracerProvider`, which keep their own).
   */
  readonly spans: ProcessorStats;
}

/** Ground truth for `Monitor.feedback`: exactly one of `label` or `value`. */
export type FeedbackInput = ({ label: string; value?: never } | { value: number; label?: never }) & {
  /** Model name, when known. @default '' */
  model?: string;
  /** Model version, when known. @default '' */
  version?: string;
  /** Free attributes. @default {} */
  attributes?: Record<string, AttributeValue>;
  /** When the truth became known. @default now */
  timestamp?: Date | number;
};

/**
 * The SDK's entry point, created by `createMonitor`. Every method is safe to
 * call at any time: none throws, and after `shutdown()` wrappers pass calls
 * straight through.
 */
export interface Monitor {
  /**
   * Wraps `fn` so that each call becomes a span and a prediction record. The
   * wrapper has exactly the type of `fn`, returns exactly what `fn` returns
   * (the same promise object for custom thenables, the chunks one by one for
   * streams) and throws exactly what `fn` throws.
   *
   * @example
   * ```ts
   * const predict = monitor.instrument(model.predict.bind(model), {
   *   model: 'churn', version: 'v3',
   *   features: ([customer]) => ({ age: customer.age, plan: customer.plan }),
   *   output: (score) => ({ score }),
   * });
   * const score = await predict(customer);
   * ```
   */
  instrument<F extends (...args: any[]) => any>(fn: F, options: InstrumentOptions<F>): F;
  /**
   * Starts a prediction by hand, for code that cannot be wrapped as one function.
   *
   * @example
   * ```ts
   * const p = monitor.startPrediction({ model: 'fraud', features: { amount: 120.5 } });
   * try { const score = await score(tx); p.end({ output: { score } }); } catch (e) { p.fail(e); throw e; }
   * respond({ predictionId: p.predictionId });
   * ```
   */
  startPrediction(options: StartPredictionOptions): PredictionHandle;
  /**
   * Queues ground truth for an earlier prediction; sent in batches to `POST /v1/feedback`.
   *
   * @example
   * ```ts
   * monitor.feedback(predictionId, { label: 'churned' });
   * monitor.feedback(otherId, { value: 149.5 });
   * ```
   */
  feedback(predictionId: string, input: FeedbackInput): void;
  /** Exports everything queued now (records, feedback, spans of an own provider). Never rejects. */
  forceFlush(): Promise<void>;
  /**
   * Flushes within `shutdownTimeoutMillis`, stops the exporters (and an own
   * tracer provider) and returns; what could not be sent is counted as
   * dropped. Later calls pass straight through. Never rejects.
   */
  shutdown(): Promise<void>;
  /** Counts so far; `exported + dropped + failed + queued` is every record produced. */
  stats(): MonitorStats;
}
