/** One day and one week in milliseconds. */
export const DAY_MS = 86_400_000;
export const WEEK_MS = 7 * DAY_MS;

/**
 * A fixed start time (a fixture's `t0`, a test's chosen instant) moved to the recent past by
 * whole weeks: it lands between `ageDays` and `ageDays + 7` days before now. Whole weeks keep
 * its time of day, its weekday and the alignment of every event-time window up to a day, so
 * results keyed to windows do not change; and the times stay within the collector's event-time
 * bounds (`limits.maxEventAgeSeconds`, 366 days by default) whatever day the test runs on.
 *
 * @example
 * const T0 = recentStart(Date.parse('2026-11-20T10:00:00Z')); // a Friday 10:00 UTC, two or three weeks ago
 */
export function recentStart(t0: number, ageDays = 10): number {
  const target = Date.now() - ageDays * DAY_MS;
  return t0 + Math.floor((target - t0) / WEEK_MS) * WEEK_MS;
}

/** Unix nanoseconds of epoch milliseconds, as the read API gives them: a decimal string. */
export function nanosOf(ms: number): string {
  return (BigInt(ms) * 1_000_000n).toString();
}
