import type { AttributeValue } from '@inferlens/semconv';
import type { Features, InferenceKind } from './InstrumentOptions.js';

/** Options of `Monitor.startPrediction`. */
export interface StartPredictionOptions {
  /** Model name. Required. */
  model: string;
  /** Model version. @default '' */
  version?: string;
  /** Kind of call; `batch` is not available in the manual form. @default 'predict' */
  kind?: Exclude<InferenceKind, 'batch'>;
  /** Logged features. @default {} */
  features?: Features;
  /** An embedding of the input (finite numbers, at most 4096), for embedding drift. @default none */
  embedding?: readonly number[];
  /** Slice of traffic; the collector computes drift and quality per segment too. @default '' */
  segment?: string;
  /** Extra attributes for the span and the record. @default {} */
  attributes?: Record<string, AttributeValue>;
  /** Prediction id to use. @default 128 random bits (CSPRNG) as 32 lowercase hex digits */
  predictionId?: string;
}
