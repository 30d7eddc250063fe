/**
 * The error of an export that may succeed later: the backend was unreachable, slow, or busy
 * (for the HTTP exporters: network errors, timeouts, HTTP 408, 429 and 5xx). An exporter that
 * resolves `{ code: ExportResultCode.FAILED, error: new RetryableExportError(…) }` keeps its
 * batch queued: the batch processor puts the records back at the head of its queue and exports
 * them again after a backoff, until they are delivered or pushed out by the queue's bounds
 * (counted `dropped`). Any other `FAILED` result counts the batch as `failed` (refused).
 *
 * @example
 * ```ts
 * const exporter: PredictionExporter = {
 *   async export(batch) {
 *     try {
 *       await kafka.send(batch);
 *       return { code: ExportResultCode.SUCCESS };
 *     } catch (error) {
 *       return { code: ExportResultCode.FAILED, error: new RetryableExportError('broker unreachable', { cause: error }) };
 *     }
 *   },
 *   async shutdown() {},
 * };
 * ```
 */
export class RetryableExportError extends Error {
  override readonly name = 'RetryableExportError';
  /** Always true: what the batch processor checks (so that an error from another copy of the SDK counts too). */
  readonly retryable = true as const;
  /** How long to wait before the next attempt, when the exporter knows (e.g. from `Retry-After`); else the processor's own backoff applies. */
  readonly retryAfterMillis: number | undefined;

  /**
   * @param message what went wrong
   * @param options `retryAfterMillis`: the wait before the next attempt; `cause`: the underlying error
   */
  constructor(message: string, options: { retryAfterMillis?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryAfterMillis = options.retryAfterMillis;
  }
}
