// Test data is placed relative to the wall clock, never at a fixed date: a fixed date meets the
// collector's event-time bounds, lookbacks and idle timeouts some day and breaks the suite then.

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/**
 * A start time for replayed traffic: `backMs` before now, rounded down to a multiple of `alignMs`
 * (a window length), so window boundaries fall where a fixture expects them.
 * @default backMs one day: after the latest label delay of the fixtures (about 10 h), well inside the
 * collector's event-time bounds.
 */
export function recentStart(alignMs: number, backMs = DAY_MS): number {
  return Math.floor((Date.now() - backMs) / alignMs) * alignMs;
}

/**
 * Idle timeout (seconds) for tests that check what the watermark alone closes: far beyond the
 * test data's age, so no window closes by the wall clock while the test runs.
 */
export const NO_IDLE_CLOSE_SECONDS = String(30 * 86_400);
