// Test data is placed relative to the wall clock, never at a fixed date: a fixed date meets the
// collector's event-time bounds, lookbacks and idle timeouts some day and breaks the suite then.

/** One day and one week in milliseconds. */
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

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

/**
 * A fixed instant (a test's chosen time of day) moved to the recent past by whole weeks: it lands
 * between `ageDays` and `ageDays + 7` days before now, keeping its time of day, its weekday and
 * every window alignment up to a day, within the collector's event-time bounds whatever day the
 * test runs on.
 *
 * @example
 * const T1 = recentWeekOf(Date.parse('2026-11-20T10:00:00.123Z')); // a Friday 10:00:00.123 UTC, 10 to 17 days ago
 */
export function recentWeekOf(t0: number, ageDays = 10): number {
  const target = Date.now() - ageDays * DAY_MS;
  return t0 + Math.floor((target - t0) / WEEK_MS) * WEEK_MS;
}

/** Unix nanoseconds of epoch milliseconds, as the read API gives them: a decimal string. */
export function nanosOf(ms: number): string {
  return (BigInt(ms) * 1_000_000n).toString();
}
