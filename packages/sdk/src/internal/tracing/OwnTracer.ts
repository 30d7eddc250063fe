import { context as api, SpanKind, trace, TraceFlags, type Attributes, type AttributeValue, type Context, type Span, type SpanContext, type SpanOptions, type Tracer } from '@opentelemetry/api';
import { randomId, randomSpanId } from '../random-id.js';
import { SUPPRESS_TRACING_KEY } from '../suppress-tracing.js';
import { isValidSpanContext } from '../valid-span-context.js';
import type { FixedSpanAttributes } from './FixedSpanAttributes.js';
import { isAttributeValue, RecordingSpan, SPAN_LIMIT, type SpanSink } from './RecordingSpan.js';

const INVALID_CONTEXT: SpanContext = { traceId: '00000000000000000000000000000000', spanId: '0000000000000000', traceFlags: TraceFlags.NONE };

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
    const parent = options.root ? undefined : trace.getSpanContext(ctx);
    const hasParent = parent !== undefined && isValidSpanContext(parent.traceId, parent.spanId);
    const traceId = hasParent ? parent.traceId : randomId();
    if (hasParent && (parent.traceFlags & TraceFlags.SAMPLED) === 0) {
      return trace.wrapSpanContext({ traceId, spanId: randomSpanId(), traceFlags: TraceFlags.NONE, ...(parent.traceState ? { traceState: parent.traceState } : {}) });
    }
    // The start attributes become the span's own map: copied, checked, limited.
    const attributes: Attributes = {};
    let count = 0;
    let dropped = 0;
    const given = options.attributes;
    if (given) {
      for (const key in given) {
        const value = given[key];
        if (key.length === 0 || !isAttributeValue(value)) continue;
        if (count >= SPAN_LIMIT) dropped++;
        else {
          attributes[key] = value;
          count++;
        }
      }
    }
    const span = new RecordingSpan(
      this.sink,
      name,
      options.kind ?? SpanKind.INTERNAL,
      traceId,
      randomSpanId(),
      hasParent ? parent.spanId : undefined,
      hasParent ? parent.traceState : undefined,
      attributes,
      count,
      options.startTime,
    );
    span.droppedAttributes = dropped;
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
    const parent = trace.getSpanContext(ctx);
    const hasParent = parent !== undefined && isValidSpanContext(parent.traceId, parent.spanId);
    const traceId = hasParent ? parent.traceId : randomId();
    if (hasParent && (parent.traceFlags & TraceFlags.SAMPLED) === 0) {
      return trace.wrapSpanContext({ traceId, spanId: randomSpanId(), traceFlags: TraceFlags.NONE, ...(parent.traceState ? { traceState: parent.traceState } : {}) });
    }
    const own: Attributes = {};
    let count = 0;
    if (key !== undefined && value !== undefined && !fixed.keys.has(key)) {
      own[key] = value;
      count = 1;
    }
    const span = new RecordingSpan(this.sink, name, kind, traceId, randomSpanId(), hasParent ? parent.spanId : undefined, hasParent ? parent.traceState : undefined, own, count, undefined);
    span.fixed = fixed;
    span.droppedAttributes = fixed.dropped;
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
