/**
 * Counts kept by a batch processor since it started. Every record handed to
 * the processor is in exactly one of them, so
 * `exported + dropped + failed + queued` is the number of records received.
 */
export interface ProcessorStats {
  /** Records the exporter reported as delivered. */
  readonly exported: number;
  /**
   * Records never handed to the exporter: the queue was full (by records or
   * bytes), the record was too large or invalid, or the processor was shut
   * down before they could be sent.
   */
  readonly dropped: number;
  /** Records in batches the exporter gave up on (after its retries). */
  readonly failed: number;
  /** Records waiting in the queue or in the batch being exported right now. */
  readonly queued: number;
}
