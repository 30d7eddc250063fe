// The demo's compressed clock, and a tracer provider that stamps spans with it.
//
// The replay maps the data set's days onto the recent past: event time starts `lagMs` behind
// the wall clock and runs `speed` times faster than it until it has caught up (less a small
// margin), then keeps pace with the wall clock. Event time therefore never runs ahead of the
// wall clock, as the collector requires of real traffic.
//
// `@inferlens/sdk` takes a prediction's time and latency from its OpenTelemetry span (start time
// and duration). A span from the provider below starts at the replay clock's time and then runs
// on real time (its end, events and exceptions are its start plus the real time elapsed), so
// records carry compressed-clock timestamps and real latencies, and traces line up with them.
// A span started inside one of ours starts at its parent's start plus the real time since, so a
// trace's waterfall shows real offsets, not offsets sped up by the replay.
import { context, trace } from '@opentelemetry/api';

/** Epoch milliseconds (fractional) as an OpenTelemetry `HrTime`. */
function hrTime(ms) {
  const seconds = Math.floor(ms / 1000);
  const nanos = Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6));
  return [seconds, nanos];
}

/** A `TimeInput` the caller gave (epoch ms, `Date` or `HrTime`) in epoch ms. */
function millis(t) {
  if (t instanceof Date) return t.getTime();
  if (Array.isArray(t)) return t[0] * 1000 + t[1] / 1e6;
  return Number(t);
}

/** Event time of the replay: `speed` times the wall clock's pace until it catches up. */
export class ReplayClock {
  /**
   * @param {object} options
   * @param {number} options.startMs event time at the start (epoch ms), at or before the wall clock
   * @param {number} options.speed how much faster than the wall clock event time runs until it catches up
   * @param {number} [options.marginMs] how far behind the wall clock event time stays once caught up (default 1000)
   */
  constructor({ startMs, speed, marginMs = 1000 }) {
    this.startMs = startMs;
    this.speed = speed;
    this.marginMs = marginMs;
    this.wallStart = performance.now();
  }

  /** Event time now, epoch ms. */
  now() {
    const compressed = this.startMs + this.speed * (performance.now() - this.wallStart);
    return Math.min(compressed, Date.now() - this.marginMs);
  }

  /** Real milliseconds until event time reaches `eventMs` (0 if it has). */
  wallDelayUntil(eventMs) {
    const behind = eventMs - this.now();
    if (behind <= 0) return 0;
    // While compressed, event time gains `speed` ms per real ms; once caught up, one.
    const caughtUp = this.startMs + this.speed * (performance.now() - this.wallStart) >= Date.now() - this.marginMs;
    return caughtUp ? behind : behind / this.speed;
  }
}

/** When each span of ours started: replay-clock ms and `performance.now()`. */
const starts = new WeakMap();

/** A span of `tracer` that started at `startMs` on the replay clock and runs on real time after. */
function spanOnClock(span, startMs) {
  const startPerf = performance.now();
  const at = () => hrTime(startMs + (performance.now() - startPerf));
  const proxy = new Proxy(span, {
    get(target, property) {
      if (property === 'end') return (endTime) => target.end(endTime ?? at());
      if (property === 'addEvent') {
        return (name, attributesOrTime, time) => {
          // addEvent(name, time) and addEvent(name, attributes, time) are both allowed.
          const timeFirst = Array.isArray(attributesOrTime) || typeof attributesOrTime === 'number' || attributesOrTime instanceof Date;
          if (timeFirst) return target.addEvent(name, attributesOrTime), proxy;
          target.addEvent(name, attributesOrTime, time ?? at());
          return proxy;
        };
      }
      if (property === 'recordException') return (exception, time) => target.recordException(exception, time ?? at());
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  starts.set(proxy, { startMs, startPerf });
  return proxy;
}

/**
 * Wraps an OpenTelemetry tracer provider so that every span starts at `clock.now()`.
 * @param {import('@opentelemetry/api').TracerProvider} provider
 * @param {ReplayClock} clock
 * @returns {import('@opentelemetry/api').TracerProvider}
 */
export function replayTracerProvider(provider, clock) {
  return {
    getTracer(name, version, options) {
      const tracer = provider.getTracer(name, version, options);
      const onClock = {
        startSpan(spanName, spanOptions = {}, ctx = context.active()) {
          const parent = starts.get(trace.getSpan(ctx));
          const startMs =
            spanOptions.startTime !== undefined ? millis(spanOptions.startTime) : parent ? parent.startMs + (performance.now() - parent.startPerf) : clock.now();
          return spanOnClock(tracer.startSpan(spanName, { ...spanOptions, startTime: hrTime(startMs) }, ctx), startMs);
        },
        startActiveSpan(spanName, ...args) {
          const fn = args.pop();
          const [spanOptions = {}, ctx = context.active()] = args;
          const span = onClock.startSpan(spanName, spanOptions, ctx);
          return context.with(trace.setSpan(ctx, span), fn, undefined, span);
        },
      };
      return onClock;
    },
  };
}
