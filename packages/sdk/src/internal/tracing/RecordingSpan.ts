import { SpanStatusCode, type Attributes, type AttributeValue, type Exception, type Link, type Span, type SpanContext, type SpanKind, type SpanStatus, type TimeInput, type TraceState } from '@opentelemetry/api';
import { warn } from '../handle-error.js';
import type { FixedSpanAttributes } from './FixedSpanAttributes.js';

/** Where a span goes when it ends (the SDK's own tracer provider's span queue). */
export interface SpanSink {
  onEnd(span: RecordingSpan): void;
}

/** An event of a `RecordingSpan`. */
export interface SpanEventData {
  readonly name: string;
  /** Epoch milliseconds, fractional. */
  readonly timeMs: number;
  readonly attributes: Attributes | undefined;
  readonly droppedAttributes: number;
}

/**
 * The limits of OpenTelemetry's default `SpanLimits`: at most 128 attributes a span, events a
 * span, links a span and attributes an event or link; values are not truncated.
 */
export const SPAN_LIMIT = 128;

const TIME_ORIGIN = performance.timeOrigin;
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * A span of the SDK's own tracer provider (see `OwnTracerProvider`): it records what the
 * OpenTelemetry SDK's span records — attributes (checked the same way, up to the same default
 * limits), events, links, status, exceptions, its start and end — and, once ended, hands itself
 * to its sink, which exports it later as OTLP. Times are epoch milliseconds from
 * `performance.timeOrigin + performance.now()`: sub-millisecond, and the duration monotonic.
 * After `end()` it ignores changes, as the OpenTelemetry SDK's span does.
 */
export class RecordingSpan implements Span {
  /** Epoch milliseconds of the start and (once ended) the end; -1 until then. */
  readonly startMs: number;
  endMs = -1;
  name: string;
  readonly attributes: Attributes;
  attributeCount: number;
  droppedAttributes = 0;
  events: SpanEventData[] | undefined = undefined;
  droppedEvents = 0;
  links: { context: SpanContext; attributes: Attributes | undefined; droppedAttributes: number }[] | undefined = undefined;
  droppedLinks = 0;
  status: SpanStatus = { code: SpanStatusCode.UNSET };
  /** The wrapper's fixed attributes, when it was started with them (`OwnTracer.startPlannedSpan`); `attributes` then holds only its own. */
  fixed: FixedSpanAttributes | undefined = undefined;
  /** True once one of the fixed attributes was set again: `attributes` then shadows it. */
  overridesFixed = false;
  /** Whether the parent's context came from another process (OTLP's span flags say so); undefined for a root span. */
  parentIsRemote: boolean | undefined = undefined;
  private readonly context: SpanContext;

  /**
   * @param attributes the start attributes; owned by the span from now on (not copied: the SDK
   *   passes a fresh object per call, checked for `isAttributeValue` by `startSpan`)
   */
  constructor(
    private readonly sink: SpanSink,
    name: string,
    readonly kind: SpanKind,
    readonly traceId: string,
    readonly spanId: string,
    readonly parentSpanId: string | undefined,
    readonly traceState: TraceState | undefined,
    attributes: Attributes,
    attributeCount: number,
    startTime: TimeInput | undefined,
  ) {
    this.name = name;
    this.attributes = attributes;
    this.attributeCount = attributeCount;
    this.startMs = startTime === undefined ? TIME_ORIGIN + performance.now() : timeInputMillis(startTime);
    this.context = traceState === undefined ? { traceId, spanId, traceFlags: 1 } : { traceId, spanId, traceFlags: 1, traceState };
  }

  spanContext(): SpanContext {
    return this.context;
  }

  setAttribute(key: string, value: AttributeValue): this {
    if (this.endMs >= 0) return this;
    if (typeof key !== 'string' || key.length === 0) {
      warn(`span attribute key ${JSON.stringify(key)} is not a non-empty string; left out`);
      return this;
    }
    if (!isAttributeValue(value)) {
      warn(`span attribute ${key}: ${String(value)} is not an attribute value; left out`);
      return this;
    }
    if (!hasOwn.call(this.attributes, key)) {
      const fixed = this.fixed;
      if (fixed !== undefined && fixed.keys.has(key)) this.overridesFixed = true;
      else if (this.attributeCount + (fixed?.count ?? 0) >= SPAN_LIMIT) {
        this.droppedAttributes++;
        return this;
      } else this.attributeCount++;
    }
    this.attributes[key] = value;
    return this;
  }

  /** Every attribute: the fixed ones (when started with them), then its own, which win. */
  allAttributes(): Attributes {
    return this.fixed === undefined ? this.attributes : Object.assign({}, this.fixed.attributes, this.attributes);
  }

  setAttributes(attributes: Attributes): this {
    for (const key in attributes) {
      const value = attributes[key];
      if (value !== undefined) this.setAttribute(key, value);
    }
    return this;
  }

  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    if (this.endMs >= 0) return this;
    if ((this.events?.length ?? 0) >= SPAN_LIMIT) {
      this.droppedEvents++;
      return this;
    }
    let attributes: Attributes | undefined;
    if (isTimeInput(attributesOrTime)) time = attributesOrTime;
    else attributes = attributesOrTime;
    const { attributes: kept, dropped } = limitAttributes(attributes);
    (this.events ??= []).push({ name: String(name), timeMs: time === undefined ? TIME_ORIGIN + performance.now() : timeInputMillis(time), attributes: attributes && kept, droppedAttributes: dropped });
    return this;
  }

  addLink(link: Link): this {
    if (this.endMs >= 0 || !link?.context) return this;
    if ((this.links?.length ?? 0) >= SPAN_LIMIT) {
      this.droppedLinks++;
      return this;
    }
    const { attributes: kept, dropped } = limitAttributes(link.attributes);
    (this.links ??= []).push({ context: link.context, attributes: link.attributes && kept, droppedAttributes: dropped });
    return this;
  }

  addLinks(links: Link[]): this {
    for (const link of links) this.addLink(link);
    return this;
  }

  /** As the OpenTelemetry SDK: `OK` is final, `UNSET` changes nothing. */
  setStatus(status: SpanStatus): this {
    if (this.endMs >= 0 || this.status.code === SpanStatusCode.OK || status.code === SpanStatusCode.UNSET) return this;
    this.status = status.code === SpanStatusCode.ERROR && typeof status.message === 'string' ? { code: status.code, message: status.message } : { code: status.code };
    return this;
  }

  updateName(name: string): this {
    if (this.endMs < 0) this.name = name;
    return this;
  }

  end(endTime?: TimeInput): void {
    if (this.endMs >= 0) {
      warn(`span ${this.name} (${this.spanId}) ended twice; the second end() is ignored`);
      return;
    }
    const end = endTime === undefined ? TIME_ORIGIN + performance.now() : timeInputMillis(endTime);
    this.endMs = Math.max(end, this.startMs);
    this.sink.onEnd(this);
  }

  /** True until it ended, as the OpenTelemetry SDK's span. */
  isRecording(): boolean {
    return this.endMs < 0;
  }

  /** An `exception` event with `exception.type`, `exception.message`, `exception.stacktrace`, as the OpenTelemetry SDK records it. */
  recordException(exception: Exception, time?: TimeInput): void {
    const attributes: Attributes = {};
    if (typeof exception === 'string') attributes['exception.message'] = exception;
    else if (exception) {
      const e = exception as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
      if (e.code !== undefined && e.code !== null) attributes['exception.type'] = String(e.code);
      else if (typeof e.name === 'string') attributes['exception.type'] = e.name;
      if (typeof e.message === 'string') attributes['exception.message'] = e.message;
      if (typeof e.stack === 'string') attributes['exception.stacktrace'] = e.stack;
    }
    if (attributes['exception.type'] === undefined && attributes['exception.message'] === undefined) {
      warn(`span ${this.name}: recordException got neither a type nor a message; left out`);
      return;
    }
    this.addEvent('exception', attributes, time);
  }

  /** An upper-bound estimate of its encoded size in bytes (for the queue's byte bound; generous for OTLP/protobuf): fixed fields plus the text it holds. */
  estimateBytes(): number {
    let bytes = 400 + this.name.length * 2 + (this.fixed?.bytes ?? 0);
    for (const key in this.attributes) bytes += 48 + key.length + valueBytes(this.attributes[key]);
    if (this.events) for (const e of this.events) bytes += 96 + e.name.length + attributesBytes(e.attributes);
    if (this.links) for (const l of this.links) bytes += 160 + attributesBytes(l.attributes);
    if (this.status.message) bytes += 2 * this.status.message.length;
    return bytes;
  }
}

/** OpenTelemetry's rule: a string, number or boolean, or an array of one of those types (nulls allowed). */
/** Checks and copies an attribute map: the valid attributes of `given` (non-empty key, an attribute value), at most `SPAN_LIMIT` of them, and how many were left out beyond the limit. */
export function limitAttributes(given: Attributes | undefined): { attributes: Attributes; count: number; dropped: number } {
  const attributes: Attributes = {};
  let count = 0;
  let dropped = 0;
  for (const key in given) {
    const value = given[key];
    if (key.length === 0 || !isAttributeValue(value)) continue;
    if (count >= SPAN_LIMIT) dropped++;
    else {
      attributes[key] = value;
      count++;
    }
  }
  return { attributes, count, dropped };
}

export function isAttributeValue(value: unknown): value is AttributeValue {
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return true;
  if (!Array.isArray(value)) return false;
  let type: string | undefined;
  for (const item of value) {
    if (item === null || item === undefined) continue;
    const it = typeof item;
    if (it !== 'string' && it !== 'number' && it !== 'boolean') return false;
    if (type === undefined) type = it;
    else if (it !== type) return false;
  }
  return true;
}

function isTimeInput(v: unknown): v is TimeInput {
  return typeof v === 'number' || v instanceof Date || (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number');
}

/**
 * A `TimeInput` in epoch milliseconds: an `HrTime` (`[seconds, nanoseconds]` since the epoch), a
 * `Date`, or a number, read as the OpenTelemetry SDK reads it: epoch milliseconds, unless it is
 * smaller than `performance.now()` could be for an epoch time (then it is a `performance.now()`
 * reading).
 */
export function timeInputMillis(t: TimeInput): number {
  if (typeof t === 'number') return t < 1e12 ? TIME_ORIGIN + t : t;
  if (t instanceof Date) return t.getTime();
  return t[0] * 1000 + t[1] / 1e6;
}

function valueBytes(v: AttributeValue | undefined): number {
  if (typeof v === 'string') return 2 * v.length + 24;
  if (Array.isArray(v)) {
    let n = 24;
    for (const x of v) n += typeof x === 'string' ? 2 * x.length + 24 : 32;
    return n;
  }
  return 32;
}

function attributesBytes(a: Attributes | undefined): number {
  let n = 0;
  if (a) for (const key in a) n += 48 + key.length + valueBytes(a[key]);
  return n;
}
