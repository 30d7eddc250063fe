import { context as api, SpanKind, trace, TraceFlags, type Attributes, type AttributeValue, type Context, type Span, type SpanContext, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { randomId, randomSpanId } from '../random-id.js';
import { SUPPRESS_TRACING_KEY } from '../suppress-tracing.js';
import { isValidSpanContext } from '../valid-span-context.js';
import type { FixedSpanAttributes } from './FixedSpanAttributes.js';
import { limitAttributes, RecordingSpan, type SpanSink } from './RecordingSpan.js';

const INVALID_CONTEXT: SpanContext = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: TraceFlags.NONE };

/**
 * Where a new span goes under the parent `parent` (if any): a recorded span in the parent's
 * trace, or a new trace when there is no valid parent; or, when the parent says it is not
 * sampled, the non-recording span to hand out instead (`ParentBased(AlwaysOn)`).
 */
function placeSpan(parent: SpanContext | undefined): { traceId: string; parent: SpanContext | undefined } | Span {
  if (parent === undefined || !isValidSpanContext(parent.traceId, parent.spanId)) return { traceId: randomId(), parent: undefined };
  if ((parent.traceFlags & TraceFlags.SAMPLED) === 0) {
    return trace.wrapSpanContext({ traceId: parent.traceId, spanId: randomSpanId(), traceFlags: TraceFlags.NONE, ...(parent.traceState ? { traceState: parent.traceState } : {}) });
  }
  return { traceId: parent.traceId, parent };
}

/**
 * The tracer of the SDK's own tracer provider, with the OpenTelemetry SDK's defaults: the
 * `ParentBased(AlwaysOn)` sampler (a span is recorded unless its parent says it is not sampled;
 * then it is a non-recording span in the parent's trace), random 128/64-bit ids, the default
 * span limits; `suppressTracing` is honoured.
 */
export class OwnTracer implements Tracer {
  constructor(private readonly sink: SpanSink) {}

  startSpan(name: string, options: SpanOptions = {}, ctx: Context = api.active()): Span {
    if (ctx.getValue(SUPPRESS_TRACING_KEY) === true) return trace.wrapSpanContext(INVALID_CONTEXT);
    const place = placeSpan(options.root ? undefined : trace.getSpanContext(ctx));
    if (!('parent' in place)) return place;
    const { traceId, parent } = place;
    // The start attributes become the span's own map: copied, checked, limited.
    const { attributes, count, dropped } = limitAttributes(options.attributes);
    const span = new RecordingSpan(
      this.sink,
      name,
      options.kind ?? SpanKind.INTERNAL,
      traceId,
      randomSpanId(),
      parent?.spanId,
      parent?.traceState,
      attributes,
      count,
      options.startTime,
    );
    span.droppedAttributes = dropped;
    span.parentIsRemote = parent?.isRemote;
    if (options.links) span.addLinks(options.links);
    return span;
  }

  /**
   * `startSpan` for a wrapper's call: the span keeps a reference to the wrapper's fixed
   * attributes instead of a copy, plus `key` = `value` of its own when given (the prediction id),
   * under the same sampling rules. Nothing is copied or checked per call.
   */
  startPlannedSpan(name: string, kind: SpanKind, fixed: FixedSpanAttributes, ctx: Context, key: string | undefined, value: AttributeValue | undefined): Span {
    if (ctx.getValue(SUPPRESS_TRACING_KEY) === true) return trace.wrapSpanContext(INVALID_CONTEXT);
    const place = placeSpan(trace.getSpanContext(ctx));
    if (!('parent' in place)) return place;
    const { traceId, parent } = place;
    const own: Attributes = {};
    let count = 0;
    if (key !== undefined && value !== undefined && !fixed.keys.has(key)) {
      own[key] = value;
      count = 1;
    }
    const span = new RecordingSpan(this.sink, name, kind, traceId, randomSpanId(), parent?.spanId, parent?.traceState, own, count, undefined);
    span.fixed = fixed;
    span.droppedAttributes = fixed.dropped;
    span.parentIsRemote = parent?.isRemote;
    return span;
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a?: SpanOptions | F, b?: Context | F, c?: F): ReturnType<F> {
    let options: SpanOptions = {};
    let ctx: Context = api.active();
    let fn: F;
    if (typeof a === 'function') fn = a;
    else if (typeof b === 'function') {
      options = a ?? {};
      fn = b;
    } else {
      options = a ?? {};
      ctx = b ?? ctx;
      fn = c as F;
    }
    const span = this.startSpan(name, options, ctx);
    return api.with(trace.setSpan(ctx, span), fn as (span: Span) => ReturnType<F>, undefined, span);
  }
}
