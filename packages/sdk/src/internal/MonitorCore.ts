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
   * Checks, sizes and queues a finished record (or drops and counts it); never throws.
   * `fixedBytes` (from the wrapper's plan, see `fixedRecordBytes`): its fixed fields were
   * validated once, so the cheap per-call checks are enough; -1: it gets the full
   * `validatePrediction` and is serialized to be sized. `idBytes`: the JSON size of
   * `predictionId` when the SDK generated it (`randomId`), else -1; `featuresBytes` /
   * `outputsBytes`: the maps' sizes as the redactor measured them, else -1.
   */
  emit(record: PredictionRecord, fixedBytes: number, idBytes: number, featuresBytes: number, outputsBytes: number): void;
  /** Counts a call left out by sampling. */
  countSampledOut(): void;
}
