import type { Tracer } from '@opentelemetry/api';
import type { PredictionRecord } from '@inferlens/semconv';
import type { Redactor } from './redact.js';

/** What a call in progress needs from its monitor. */
export interface MonitorCore {
  readonly tracer: Tracer;
  /** In `(0, 1]`. */
  readonly sampleRate: number;
  readonly redact: Redactor;
  readonly service: string;
  readonly project: string | undefined;
  readonly environment: string | undefined;
  /** False once shut down: wrappers then pass calls straight through. */
  isActive(): boolean;
  /**
   * Queues a finished record (or drops and counts it); never throws. `bytes`: an upper bound of
   * its NDJSON line from `sdkRecordBytes`, when the call checked and sized it the cheap way (its
   * fixed fields were validated once, with the wrapper's plan); without it, the record gets the
   * full `validatePrediction` and is serialized to be sized.
   */
  emit(record: PredictionRecord, bytes?: number): void;
  /** Counts a call left out by sampling. */
  countSampledOut(): void;
}
