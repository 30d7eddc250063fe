/**
 * Counts kept by a batch processor since it started. Every record handed to
 * the processor is in exactly one of them, so
 * `exported + dropped + failed + queued` is the number of records received.
 */
export interface ProcessorStats {
  /** Records the exporter reported as delivered. */
  readonly exported: number;
  /**
   * Records lost without being refused: pushed out of a full queue (by records
   * or bytes; typically while the collector was unreachable), too large,
   * invalid, or still undelivered when `shutdown()` ran out of time.
   */
  readonly dropped: number;
  /**
   * Records refused: the collector answered a 4xx other than 408 and 429, or
   * named them as rejected in its reply (a custom exporter: any `FAILED`
   * result without a `RetryableExportError`). Never records that were merely
   * not delivered yet.
   */
  readonly failed: number;
  /** Records waiting in the queue (retries included) or in the batch being exported right now. */
  readonly queued: number;
}
