/**
 * A feature or output value on the wire.
 *
 * - a finite number is stored as a numeric value;
 * - a string is stored as a categorical value;
 * - a boolean is stored as the categorical value `'true'` or `'false'`;
 * - `null` means missing: the key is not stored.
 *
 * Nested objects and arrays are rejected: flatten them into keys such as
 * `address.country` or `embedding_0`.
 */
export type FeatureValue = number | string | boolean | null;

/**
 * A free attribute value on the wire. Numbers and booleans are stored as
 * their string form (`42`, `true`); `null` means the key is not stored.
 */
export type AttributeValue = string | number | boolean | null;

/** Outcome of an inference call. */
export type PredictionStatus = 'ok' | 'error';

/**
 * One model prediction, as sent to `POST /v1/predictions` (one JSON object
 * per NDJSON line, or an array of them) and as the body of an
 * `inferlens.prediction` log record.
 *
 * Field names are camelCase. Only `predictionId` and `model` are required.
 * For the optional fields, an absent key and `null` mean the same thing: use
 * the default. Unknown top-level fields are accepted and ignored, so newer
 * senders can talk to older collectors; fields inside `features`, `outputs`
 * and `attributes` are all kept.
 *
 * Limits on sizes come from `RecordLimits` (see `DEFAULT_RECORD_LIMITS`).
 *
 * @example
 * ```json
 * {"predictionId":"7f3c9a","model":"churn","version":"v3","timestamp":"2024-05-01T12:00:00.123Z",
 *  "latencyMs":12.5,"features":{"age":41,"plan":"pro","trial":false,"referrer":null},
 *  "outputs":{"score":0.82,"label":"churn"}}
 * ```
 */
export interface PredictionRecord {
  /**
   * Identifies the prediction; feedback refers to it. Unique per project.
   * A non-empty string of at most `maxIdLength` characters.
   */
  predictionId: string;
  /** Model name, non-empty, at most `maxNameLength` characters. */
  model: string;
  /** Model version. @default '' */
  version?: string | null;
  /**
   * When the prediction was made: an ISO-8601 / RFC 3339 string with a
   * timezone (`Z` or `±hh:mm`; up to 9 fraction digits are kept, more are
   * truncated), or Unix epoch milliseconds as a number (a fraction keeps
   * sub-millisecond precision). Must fall between 1970-01-01 and
   * 2262-04-11 (the range of nanoseconds in a signed 64-bit integer).
   * @default the time the collector received the record
   */
  timestamp?: string | number | null;
  /** Project the record belongs to; an empty string also means the default. @default 'default' */
  project?: string | null;
  /** Name of the service that called the model. @default '' */
  service?: string | null;
  /** Deployment environment, e.g. `production`. @default '' */
  environment?: string | null;
  /** A user-defined slice of traffic, e.g. a customer tier; drift, data quality and quality are also computed per segment. @default '' */
  segment?: string | null;
  /** Duration of the inference call in milliseconds, finite and `>= 0`. @default 0 */
  latencyMs?: number | null;
  /** Outcome of the call. @default 'ok' */
  status?: PredictionStatus | null;
  /** Class of error when `status` is `error`, e.g. `TimeoutError`. @default '' */
  errorType?: string | null;
  /** Model inputs, at most `maxFeatures` entries. See `FeatureValue`. @default {} */
  features?: Record<string, FeatureValue> | null;
  /** Model outputs (scores, labels), at most `maxOutputs` entries. Same rules as `features`. @default {} */
  outputs?: Record<string, FeatureValue> | null;
  /**
   * An embedding of the input (or output): finite numbers, at most `maxEmbeddingLength` (4096);
   * stored as 32-bit floats. Embedding drift compares windows with the reference. @default []
   */
  embedding?: readonly number[] | null;
  /** Prompt tokens of a generative model, a non-negative integer. @default 0 */
  inputTokens?: number | null;
  /** Completion tokens of a generative model, a non-negative integer. @default 0 */
  outputTokens?: number | null;
  /**
   * Probability with which this prediction was recorded, in `(0, 1]`;
   * aggregates weight the record by `1 / sampleRate`.
   * @default 1
   */
  sampleRate?: number | null;
  /** W3C trace id of the call's span: 32 hex characters, not all zero, or ''. Stored lowercase. @default '' */
  traceId?: string | null;
  /** W3C span id of the call's span: 16 hex characters, not all zero, or ''. Stored lowercase. @default '' */
  spanId?: string | null;
  /** Free attributes, at most `maxAttributes` entries, stored as strings. See `AttributeValue`. @default {} */
  attributes?: Record<string, AttributeValue> | null;
}

/**
 * A prediction record after validation: every default resolved, features
 * and outputs split by kind, the timestamp in nanoseconds.
 */
export interface NormalizedPrediction {
  /** See `PredictionRecord.predictionId`. */
  predictionId: string;
  /** See `PredictionRecord.model`. */
  model: string;
  /** Model version, '' when not given. */
  version: string;
  /** Event time in Unix nanoseconds, or `undefined` to use the time the record was received. */
  timeUnixNano: bigint | undefined;
  /** Project, `'default'` when not given. */
  project: string;
  /** Service name, '' when not given. */
  service: string;
  /** Environment, '' when not given. */
  environment: string;
  /** Segment, '' when not given. */
  segment: string;
  /** Latency in milliseconds, 0 when not given. */
  latencyMs: number;
  /** `'ok'` unless the record said `'error'`. */
  status: PredictionStatus;
  /** Error type, '' when not given. */
  errorType: string;
  /** Features whose value was a number. */
  numericFeatures: Record<string, number>;
  /** Features whose value was a string or a boolean (`'true'` / `'false'`). */
  categoricalFeatures: Record<string, string>;
  /** Outputs whose value was a number. */
  numericOutputs: Record<string, number>;
  /** Outputs whose value was a string or a boolean. */
  categoricalOutputs: Record<string, string>;
  /** The embedding, [] when not given. */
  embedding: number[];
  /** Input tokens, 0 when not given. */
  inputTokens: number;
  /** Output tokens, 0 when not given. */
  outputTokens: number;
  /** Sample rate in `(0, 1]`, 1 when not given. */
  sampleRate: number;
  /** Lowercase hex trace id, or ''. */
  traceId: string;
  /** Lowercase hex span id, or ''. */
  spanId: string;
  /** Attributes with every value as a string. */
  attributes: Record<string, string>;
}
