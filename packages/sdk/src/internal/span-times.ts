import type { Span } from '@opentelemetry/api';
import { RecordingSpan } from './tracing/RecordingSpan.js';

/**
 * Reading a call's timing from its own span instead of taking `performance.now()` twice.
 *
 * The SDK's own spans (`RecordingSpan`) keep their start and end in epoch milliseconds. The
 * OpenTelemetry SDK's spans (`ReadableSpan`, the host's provider) keep `startTime` (epoch, an
 * `HrTime`) and, once ended, `duration` (from `performance.now()`, sub-millisecond) and
 * `events[].time` (start time plus the monotonic time since the start). A span from another
 * tracer may have neither: the caller then falls back to its own clock.
 */

/** An `HrTime` (`[seconds, nanoseconds]`) in milliseconds, or -1 when `t` is not one. */
export function hrTimeMillis(t: unknown): number {
  if (!Array.isArray(t) || t.length !== 2) return -1;
  const [seconds, nanos] = t as unknown[];
  return typeof seconds === 'number' && typeof nanos === 'number' && seconds >= 0 && nanos >= 0 ? seconds * 1000 + nanos / 1e6 : -1;
}

/** The recording span's start time in epoch milliseconds, or -1 when it does not show one. */
export function spanStartMillis(span: Span): number {
  if (span instanceof RecordingSpan) return span.endMs < 0 ? span.startMs : -1;
  return span.isRecording() ? hrTimeMillis((span as { startTime?: unknown }).startTime) : -1;
}

/** An ended span's duration in milliseconds, or -1 when it does not show one. */
export function spanDurationMillis(span: Span): number {
  if (span instanceof RecordingSpan) return span.endMs < 0 ? -1 : span.endMs - span.startMs;
  return hrTimeMillis((span as { duration?: unknown }).duration);
}

/** The time of the span's last event, if it is called `name`, in epoch milliseconds; else -1. */
export function lastEventMillis(span: Span, name: string): number {
  if (span instanceof RecordingSpan) {
    const last = span.events?.[span.events.length - 1];
    return last?.name === name ? last.timeMs : -1;
  }
  const events = (span as { events?: unknown }).events;
  if (!Array.isArray(events) || events.length === 0) return -1;
  const last: unknown = events[events.length - 1];
  if (typeof last !== 'object' || last === null || (last as { name?: unknown }).name !== name) return -1;
  return hrTimeMillis((last as { time?: unknown }).time);
}

/**
 * Milliseconds rounded to the nanosecond: a record's latency. Nothing is lost (a span's times,
 * epoch milliseconds in a double, are no finer than about 0.24 µs), and a number on this grid is
 * written as JSON without V8's double-to-shortest-text conversion, which costs about 0.3 µs for
 * the differences of two epoch times (see `millisJson` in `export/record-json.ts`).
 */
export function toNanosecond(ms: number): number {
  return Math.round(ms * 1e6) / 1e6;
}
