import type { Span } from '@opentelemetry/api';
import { hrTimeToMilliseconds, isTimeInputHrTime } from '@opentelemetry/core';

/**
 * Reading a call's timing from its own span instead of taking `performance.now()` twice.
 *
 * The OpenTelemetry SDK's spans (`ReadableSpan`) keep `startTime` (epoch, from `Date.now()`, so
 * whole milliseconds) and, once ended, `duration` (from `performance.now()`, sub-millisecond)
 * and `events[].time` (start time plus the monotonic time since the start). A span from
 * another tracer may have neither: the caller then falls back to its own clock.
 */

/** An `HrTime` (`[seconds, nanoseconds]`) in milliseconds, or -1 when `t` is not one. */
export function hrTimeMillis(t: unknown): number {
  return isTimeInputHrTime(t) && t[0] >= 0 && t[1] >= 0 ? hrTimeToMilliseconds(t) : -1;
}

/** The recording span's start time in epoch milliseconds, or -1 when it does not show one. */
export function spanStartMillis(span: Span): number {
  return span.isRecording() ? hrTimeMillis((span as { startTime?: unknown }).startTime) : -1;
}

/** An ended span's duration in milliseconds, or -1 when it does not show one. */
export function spanDurationMillis(span: Span): number {
  return hrTimeMillis((span as { duration?: unknown }).duration);
}

/** The time of the span's last event, if it is called `name`, in epoch milliseconds; else -1. */
export function lastEventMillis(span: Span, name: string): number {
  const events = (span as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0) return -1;
  const last: unknown = events[events.length - 1];
  if (typeof last !== 'object' || last === null || (last as { name?: unknown }).name !== name) return -1;
  return hrTimeMillis((last as { time?: unknown }).time);
}
