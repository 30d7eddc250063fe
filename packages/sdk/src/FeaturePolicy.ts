/**
 * What of the extracted features and outputs may leave the process. Applied
 * to every record before it is queued; features and outputs are never put on
 * spans. Keys are matched exactly.
 *
 * Order: `allow` (when given, only these keys stay), then `deny`, then `redact`.
 *
 * @example
 * ```ts
 * createMonitor({
 *   serviceName: 'scoring',
 *   features: { deny: ['ssn'], redact: { email: 'hash', phone: 'drop' }, hashKey: process.env.INFERLENS_HASH_KEY },
 * });
 * ```
 */
export interface FeaturePolicy {
  /** When given, only these keys are kept. @default undefined (every key) */
  allow?: readonly string[];
  /** Keys that are removed. @default [] */
  deny?: readonly string[];
  /**
   * Per key: `'drop'` removes the value, `'hash'` replaces it with the first
   * 32 hex characters of its SHA-256 (HMAC-SHA-256 when `hashKey` is set), so
   * equal values still compare equal and drift on them can be computed.
   * @default {}
   */
  redact?: Readonly<Record<string, 'drop' | 'hash'>>;
  /**
   * Secret key for `'hash'`. Without it, low-entropy values (emails, phone
   * numbers) can be recovered by hashing guesses: set one in production.
   * @default undefined (plain SHA-256)
   */
  hashKey?: string;
  /** Apply the policy to outputs as well as to features. @default true */
  applyToOutputs?: boolean;
}
