import type { AttributeValue } from './prediction-record.js';

/**
 * Ground truth for an earlier prediction, as sent to `POST /v1/feedback`
 * (NDJSON or a JSON array) and as the body of an `inferlens.feedback` log
 * record. It may arrive long after the prediction; the quality jobs join the
 * two on `project` and `predictionId`.
 *
 * Exactly one of `label` (categorical truth) or `value` (numeric truth) is
 * required. As for predictions, an absent key and `null` mean the same thing,
 * and unknown top-level fields are accepted and ignored.
 *
 * @example
 * ```json
 * {"predictionId":"7f3c9a","label":"churned","timestamp":1714565000000}
 * {"predictionId":"a81d02","value":149.5}
 * ```
 */
export interface FeedbackRecord {
  /** Id of the prediction this feedback is about; a non-empty string of at most `maxIdLength` characters. */
  predictionId: string;
  /**
   * Categorical ground truth: a non-empty string of at most
   * `maxStringLength` characters. A finite number or a boolean is accepted
   * and stored as its string form (`1`, `true`).
   */
  label?: string | number | boolean | null;
  /** Numeric ground truth: a finite number. */
  value?: number | null;
  /** When the truth became known. Same forms as `PredictionRecord.timestamp`. @default receive time */
  timestamp?: string | number | null;
  /** Project of the prediction; an empty string also means the default. @default 'default' */
  project?: string | null;
  /** Model name of the prediction, when the sender knows it. @default '' */
  model?: string | null;
  /** Model version of the prediction, when the sender knows it. @default '' */
  version?: string | null;
  /** Free attributes, stored as strings. See `AttributeValue`. @default {} */
  attributes?: Record<string, AttributeValue> | null;
}

/** A feedback record after validation, every default resolved. */
export interface NormalizedFeedback {
  /** See `FeedbackRecord.predictionId`. */
  predictionId: string;
  /** Categorical truth as a string, or `undefined` when the feedback is numeric. */
  label: string | undefined;
  /** Numeric truth, or `undefined` when the feedback is categorical. */
  value: number | undefined;
  /** Event time in Unix nanoseconds, or `undefined` to use the time the record was received. */
  timeUnixNano: bigint | undefined;
  /** Project, `'default'` when not given. */
  project: string;
  /** Model name, '' when not given. */
  model: string;
  /** Model version, '' when not given. */
  version: string;
  /** Attributes with every value as a string. */
  attributes: Record<string, string>;
}
