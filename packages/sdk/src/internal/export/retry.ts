/**
 * Statuses worth another attempt: 408 (the collector timed the request out), 429 (too many
 * requests) and every 5xx (unavailable, overloaded, failing). Every other status is a refusal.
 * OpenTelemetry's OTLP exporters retry 429, 502, 503 and 504; the collector's own answers
 * under load and on store failures are 503 with `Retry-After`, and a 500 from a proxy or a
 * collector restarting says nothing about the records.
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status <= 599);
}

/** Backoff settings of one exporter. */
export interface BackoffOptions {
  /** First wait in milliseconds. */
  initialBackoffMillis: number;
  /** Longest wait in milliseconds. */
  maxBackoffMillis: number;
}

/**
 * Wait before retry number `attempt` (1 for the first retry): exponential,
 * doubling from `initialBackoffMillis` up to `maxBackoffMillis`, with "equal
 * jitter" (half fixed, half random) so that many senders recovering from the
 * same outage do not retry in lockstep.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(options.maxBackoffMillis, options.initialBackoffMillis * 2 ** Math.max(0, Math.min(attempt, 40) - 1));
  return base / 2 + random() * (base / 2);
}

/**
 * Parses a `Retry-After` header: delay-seconds or an HTTP date. Returns
 * milliseconds, or `undefined` when absent or unreadable.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
