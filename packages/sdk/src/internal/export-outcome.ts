import type { ExportResult } from '../ExportResult.js';

/**
 * The result of the SDK's HTTP exporters: a `SUCCESS` may say that the collector refused some
 * of the batch's records (its reply `{ accepted, rejected, errors }`); the batch processor then
 * counts those `failed` and the rest `exported`.
 */
export interface DeliveryResult extends ExportResult {
  /** Records of the batch the collector refused. */
  readonly rejected?: number;
  /** Why, in the collector's words (the first reasons). */
  readonly rejectedReason?: string;
}

/** The records of a batch of `n` that `result` says were refused, in `[0, n]`. */
export function rejectedOf(result: ExportResult, n: number): number {
  const rejected = (result as DeliveryResult).rejected;
  return typeof rejected === 'number' && rejected > 0 ? Math.min(n, Math.floor(rejected)) : 0;
}

/** What an export error says, as one line. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return error === undefined ? 'no reason given' : String(error);
}

/** True for an error an exporter wants retried (`RetryableExportError`, or any error with `retryable: true`). */
export function isRetryable(error: unknown): error is { retryable: true; retryAfterMillis?: number } {
  return typeof error === 'object' && error !== null && (error as { retryable?: unknown }).retryable === true;
}
