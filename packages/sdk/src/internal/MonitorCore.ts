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
  /** Validates and queues finished records; never throws. */
  emit(records: PredictionRecord[]): void;
  /** Counts a call left out by sampling. */
  countSampledOut(): void;
}
