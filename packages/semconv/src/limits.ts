/**
 * Size limits applied to every prediction and feedback record. They keep one
 * record's cost bounded in memory, in ClickHouse `Map` columns and in the
 * per-minute aggregate states, and catch the usual mistakes early (a whole
 * document sent as a "categorical feature", a feature map keyed by user id).
 *
 * Lengths are counted in UTF-16 code units (JavaScript `string.length`).
 * A record that breaks a limit is rejected with a message naming the field and
 * the limit; nothing is truncated silently.
 */
export interface RecordLimits {
  /**
   * Most entries in `features`, counting entries whose value is `null`.
   * @default 500
   */
  readonly maxFeatures: number;
  /**
   * Most entries in `outputs`, counting entries whose value is `null`.
   * @default 100
   */
  readonly maxOutputs: number;
  /**
   * Most entries in `attributes`, counting entries whose value is `null`
   * (the OpenTelemetry SDK's default attribute count limit is also 128).
   * @default 128
   */
  readonly maxAttributes: number;
  /**
   * Longest key in `features`, `outputs` and `attributes`.
   * @default 256
   */
  readonly maxKeyLength: number;
  /**
   * Longest string value: a categorical feature or output, an attribute
   * value, a feedback label.
   * @default 4096
   */
  readonly maxStringLength: number;
  /**
   * Longest name-like field: `model`, `version`, `project`, `service`,
   * `environment`, `segment`, `errorType`.
   * @default 256
   */
  readonly maxNameLength: number;
  /**
   * Longest `predictionId` (a UUID is 36 characters, a ULID 26).
   * @default 128
   */
  readonly maxIdLength: number;
  /**
   * Most numbers in an `embedding`.
   * @default 4096
   */
  readonly maxEmbeddingLength?: number;
}

/**
 * The limits used when none are given.
 *
 * | limit             | value |
 * | ----------------- | ----- |
 * | `maxFeatures`     | 500   |
 * | `maxOutputs`      | 100   |
 * | `maxAttributes`   | 128   |
 * | `maxKeyLength`    | 256   |
 * | `maxStringLength` | 4096  |
 * | `maxNameLength`   | 256   |
 * | `maxIdLength`     | 128   |
 * | `maxEmbeddingLength` | 4096 |
 *
 * @example
 * ```ts
 * const limits: RecordLimits = { ...DEFAULT_RECORD_LIMITS, maxFeatures: 2000 };
 * ```
 */
export const DEFAULT_RECORD_LIMITS: RecordLimits = Object.freeze({
  maxFeatures: 500,
  maxOutputs: 100,
  maxAttributes: 128,
  maxKeyLength: 256,
  maxStringLength: 4096,
  maxNameLength: 256,
  maxIdLength: 128,
  maxEmbeddingLength: 4096,
});

/** Most numbers in an `embedding` when the limits do not say. */
export const DEFAULT_MAX_EMBEDDING_LENGTH = 4096;
