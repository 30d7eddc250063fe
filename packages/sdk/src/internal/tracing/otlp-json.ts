import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ByteWriter } from '../export/ByteWriter.js';
import type { RecordingSpan } from './RecordingSpan.js';

/** Spans encoded per turn of the event loop: a 512-span batch does not hold the loop in one stretch. */
export const SPANS_PER_TURN = 64;

/**
 * An `ExportTraceServiceRequest` in OTLP/JSON (the protobuf JSON mapping OTLP/HTTP specifies:
 * hex trace and span ids, 64-bit integers as decimal strings, enums as numbers), written as text
 * directly: one resource and one instrumentation scope, whose JSON is given once.
 */
export class OtlpJsonSpans {
  private readonly prefix: string;

  /**
   * @param resource the resource's attributes
   * @param scope the instrumentation scope's name and version
   */
  constructor(resource: Attributes, scope: { name: string; version: string }) {
    this.prefix =
      `{"resourceSpans":[{"resource":{"attributes":${attributesJson(resource)}},"scopeSpans":[{"scope":{"name":${JSON.stringify(scope.name)},` +
      `"version":${JSON.stringify(scope.version)}},"spans":[`;
  }

  /** The request body (UTF-8) of a batch of ended spans, `SPANS_PER_TURN` spans a turn of the event loop. */
  async serialize(spans: readonly RecordingSpan[]): Promise<Uint8Array> {
    const out = new ByteWriter(spans.length * 1024 + this.prefix.length + 16);
    out.write(this.prefix);
    for (let i = 0; i < spans.length; i++) {
      if (i > 0) {
        if (i % SPANS_PER_TURN === 0) await nextTurn();
        out.writeByte(COMMA);
      }
      out.write(spanJson(spans[i]));
    }
    out.write(']}]}]}');
    return out.finish();
  }
}

const COMMA = 0x2c;

/** One span as an OTLP/JSON `Span`. */
export function spanJson(s: RecordingSpan): string {
  let out = `{"traceId":"${s.traceId}","spanId":"${s.spanId}"`;
  if (s.parentSpanId !== undefined) out += `,"parentSpanId":"${s.parentSpanId}"`;
  const traceState = s.traceState?.serialize();
  if (traceState) out += `,"traceState":${JSON.stringify(traceState)}`;
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  out += `,"name":${JSON.stringify(s.name)},"kind":${s.kind + 1},"startTimeUnixNano":"${unixNanos(s.startMs)}","endTimeUnixNano":"${unixNanos(s.endMs)}"`;
  out += `,"attributes":${spanAttributesJson(s)}`;
  if (s.droppedAttributes > 0) out += `,"droppedAttributesCount":${s.droppedAttributes}`;
  if (s.events) {
    out += ',"events":[';
    for (let i = 0; i < s.events.length; i++) {
      const e = s.events[i];
      out += `${i > 0 ? ',' : ''}{"timeUnixNano":"${unixNanos(e.timeMs)}","name":${JSON.stringify(e.name)},"attributes":${attributesJson(e.attributes)}`;
      out += e.droppedAttributes > 0 ? `,"droppedAttributesCount":${e.droppedAttributes}}` : '}';
    }
    out += ']';
  }
  if (s.droppedEvents > 0) out += `,"droppedEventsCount":${s.droppedEvents}`;
  if (s.links) {
    out += ',"links":[';
    for (let i = 0; i < s.links.length; i++) {
      const l = s.links[i];
      const state = l.context.traceState?.serialize();
      out += `${i > 0 ? ',' : ''}{"traceId":${JSON.stringify(l.context.traceId)},"spanId":${JSON.stringify(l.context.spanId)}`;
      if (state) out += `,"traceState":${JSON.stringify(state)}`;
      out += `,"attributes":${attributesJson(l.attributes)}`;
      out += l.droppedAttributes > 0 ? `,"droppedAttributesCount":${l.droppedAttributes}}` : '}';
    }
    out += ']';
  }
  if (s.droppedLinks > 0) out += `,"droppedLinksCount":${s.droppedLinks}`;
  const { code, message } = s.status;
  if (code !== 0) out += message ? `,"status":{"code":${code},"message":${JSON.stringify(message)}}` : `,"status":{"code":${code}}`;
  return out + '}';
}

/** A list of OTLP `KeyValue`s. */
export function attributesJson(attributes: Attributes | undefined): string {
  return `[${attributesBody(attributes)}]`;
}

/** OTLP `KeyValue`s, comma-separated, without the brackets. */
export function attributesBody(attributes: Attributes | undefined): string {
  let out = '';
  if (attributes) {
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      out += `${out.length > 0 ? ',' : ''}{"key":${JSON.stringify(key)},"value":${anyValueJson(value)}}`;
    }
  }
  return out;
}

/** The attributes of a span: its fixed ones (serialized once per wrapper) and its own. */
function spanAttributesJson(s: RecordingSpan): string {
  const fixed = s.fixed;
  if (fixed === undefined) return attributesJson(s.attributes);
  // One of the fixed attributes was set again (e.g. the outcome of a failed call): merged, the slow way.
  if (s.overridesFixed) return attributesJson(s.allAttributes());
  const own = attributesBody(s.attributes);
  if (own.length === 0) return `[${fixed.json}]`;
  return fixed.json.length === 0 ? `[${own}]` : `[${fixed.json},${own}]`;
}

/** An OTLP `AnyValue`: integers as `intValue` (a decimal string), other numbers as `doubleValue`, as OpenTelemetry JS encodes them. */
function anyValueJson(v: AttributeValue | null | undefined): string {
  switch (typeof v) {
    case 'string':
      return `{"stringValue":${JSON.stringify(v)}}`;
    case 'boolean':
      return v ? '{"boolValue":true}' : '{"boolValue":false}';
    case 'number':
      if (Number.isSafeInteger(v)) return `{"intValue":"${v}"}`;
      // JSON has no NaN or Infinity: the protobuf JSON mapping writes them as strings.
      return Number.isFinite(v) ? `{"doubleValue":${v}}` : `{"doubleValue":"${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'}"}`;
    default:
      if (Array.isArray(v)) return `{"arrayValue":{"values":[${v.map((x) => (x === null || x === undefined ? '{}' : anyValueJson(x))).join(',')}]}}`;
      return '{}';
  }
}

/**
 * Fractional epoch milliseconds as a decimal string of nanoseconds, exactly from the two parts
 * (a double holds epoch nanoseconds only to about 256 ns).
 */
export function unixNanos(ms: number): string {
  let whole = Math.floor(ms);
  let sub = Math.round((ms - whole) * 1e6);
  if (sub >= 1e6) {
    whole += 1;
    sub -= 1e6;
  }
  return whole === 0 ? String(sub) : `${whole}${String(sub).padStart(6, '0')}`;
}
