import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ProtobufWriter } from '../export/ProtobufWriter.js';
import type { RecordingSpan } from './RecordingSpan.js';

/** Spans encoded per turn of the event loop: a 512-span batch does not hold the loop in one stretch. */
export const SPANS_PER_TURN = 64;

/** `SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE_MASK` and `SPAN_FLAGS_CONTEXT_IS_REMOTE_MASK` of OTLP's `SpanFlags`. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

/**
 * An `ExportTraceServiceRequest` in OTLP/protobuf, written straight to bytes: one resource and
 * one instrumentation scope, encoded once. The encoding is that of OpenTelemetry JS's own
 * exporter (`ProtobufTraceSerializer` of `@opentelemetry/otlp-transformer`), byte for byte
 * (checked in `otlp-protobuf.test.ts`): the same fields in the same order, the same defaults
 * written, integers in the int64 range as `int_value`, other numbers as `double_value`.
 */
export class OtlpProtobufSpans {
  /** `resource` (field 1 of `ResourceSpans`), tag included. */
  private readonly resource: Uint8Array;
  /** `scope` (field 1 of `ScopeSpans`), tag included. */
  private readonly scope: Uint8Array;

  /**
   * @param resource the resource's attributes
   * @param scope the instrumentation scope's name and version
   */
  constructor(resource: Attributes, scope: { name: string; version: string }) {
    this.resource = encodeOnce((w) => {
      w.tag(1, 2);
      const at = w.begin();
      writeAttributes(w, resource, 1);
      w.tag(2, 0);
      w.varint32(0);
      w.end(at);
    });
    this.scope = encodeOnce((w) => {
      w.tag(1, 2);
      const at = w.begin();
      w.tag(1, 2);
      w.string(scope.name);
      if (scope.version) {
        w.tag(2, 2);
        w.string(scope.version);
      }
      w.end(at);
    });
  }

  /** The request body of a batch of ended spans, `SPANS_PER_TURN` spans a turn of the event loop. */
  async serialize(spans: readonly RecordingSpan[]): Promise<Uint8Array> {
    const w = new ProtobufWriter(spans.length * 512 + 256);
    w.tag(1, 2); // resource_spans
    const resourceSpans = w.begin();
    w.raw(this.resource);
    w.tag(2, 2); // scope_spans
    const scopeSpans = w.begin();
    w.raw(this.scope);
    for (let i = 0; i < spans.length; i++) {
      if (i > 0 && i % SPANS_PER_TURN === 0) await nextTurn();
      w.tag(2, 2); // spans
      writeSpan(w, spans[i]);
    }
    w.end(scopeSpans);
    w.end(resourceSpans);
    return w.finish();
  }
}

/** Encodes a fragment once (a resource, a scope, a wrapper's fixed attributes). */
export function encodeOnce(write: (w: ProtobufWriter) => void): Uint8Array {
  const w = new ProtobufWriter(256);
  write(w);
  const bytes = w.copy();
  w.release();
  return bytes;
}

/** One `Span` message, its length first. */
function writeSpan(w: ProtobufWriter, s: RecordingSpan): void {
  const at = w.begin();
  w.tag(1, 2);
  w.hexBytes(s.traceId);
  w.tag(2, 2);
  w.hexBytes(s.spanId);
  const traceState = s.traceState?.serialize();
  if (traceState) {
    w.tag(3, 2);
    w.string(traceState);
  }
  if (s.parentSpanId !== undefined) {
    w.tag(4, 2);
    w.hexBytes(s.parentSpanId);
  }
  w.tag(5, 2);
  w.string(s.name);
  // OTLP's SpanKind counts from SPAN_KIND_UNSPECIFIED = 0; the API's from INTERNAL = 0.
  w.tag(6, 0);
  w.varint32(s.kind + 1);
  w.tag(7, 1);
  writeUnixNanos(w, s.startMs);
  w.tag(8, 1);
  writeUnixNanos(w, s.endMs);
  const fixed = s.fixed;
  if (fixed === undefined) writeAttributes(w, s.attributes, 9);
  // One of the fixed attributes was set again (e.g. the outcome of a failed call): merged, the slow way.
  else if (s.overridesFixed) writeAttributes(w, s.allAttributes(), 9);
  else {
    w.raw(fixed.encoded);
    writeAttributes(w, s.attributes, 9);
  }
  w.tag(10, 0);
  w.varint32(s.droppedAttributes);
  if (s.events) {
    for (const e of s.events) {
      w.tag(11, 2);
      const event = w.begin();
      w.tag(1, 1);
      writeUnixNanos(w, e.timeMs);
      w.tag(2, 2);
      w.string(e.name);
      if (e.attributes) writeAttributes(w, e.attributes, 3);
      w.tag(4, 0);
      w.varint32(e.droppedAttributes);
      w.end(event);
    }
  }
  w.tag(12, 0);
  w.varint32(s.droppedEvents);
  if (s.links) {
    for (const l of s.links) {
      w.tag(13, 2);
      const link = w.begin();
      w.tag(1, 2);
      w.hexBytes(l.context.traceId);
      w.tag(2, 2);
      w.hexBytes(l.context.spanId);
      const state = l.context.traceState?.serialize();
      if (state) {
        w.tag(3, 2);
        w.string(state);
      }
      if (l.attributes) writeAttributes(w, l.attributes, 4);
      w.tag(5, 0);
      w.varint32(l.droppedAttributes);
      w.tag(6, 5);
      w.fixed32(spanFlags(l.context.traceFlags, l.context.isRemote));
      w.end(link);
    }
  }
  w.tag(14, 0);
  w.varint32(s.droppedLinks);
  w.tag(15, 2);
  const status = w.begin();
  if (s.status.message) {
    w.tag(2, 2);
    w.string(s.status.message);
  }
  w.tag(3, 0);
  w.varint32(s.status.code);
  w.end(status);
  w.tag(16, 5);
  w.fixed32(spanFlags(1, s.parentIsRemote));
  w.end(at);
}

/** OTLP's `flags` of a span or link: the W3C trace flags, and whether the parent (or linked) context is remote, when known. */
function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/** Repeated `KeyValue`s in field `field`. */
export function writeAttributes(w: ProtobufWriter, attributes: Attributes, field: number): void {
  for (const key in attributes) {
    if (!hasOwn.call(attributes, key)) continue;
    const value = attributes[key];
    w.tag(field, 2);
    const kv = w.begin();
    w.tag(1, 2);
    w.string(key);
    w.tag(2, 2);
    const any = w.begin();
    writeAnyValue(w, value);
    w.end(any);
    w.end(kv);
  }
}

const hasOwn = Object.prototype.hasOwnProperty;
const MIN_INT64 = -(2 ** 63);
const MAX_INT64 = 2 ** 63;

/** The fields of an `AnyValue` (its length written by the caller); nothing for `null` and `undefined`. */
function writeAnyValue(w: ProtobufWriter, v: AttributeValue | null | undefined): void {
  switch (typeof v) {
    case 'string':
      w.tag(1, 2);
      w.string(v);
      return;
    case 'boolean':
      w.tag(2, 0);
      w.varint32(v ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(v) && v >= MIN_INT64 && v < MAX_INT64) {
        w.tag(3, 0);
        w.varint64(v);
      } else {
        w.tag(4, 1);
        w.double(v);
      }
      return;
    default:
      if (Array.isArray(v)) {
        w.tag(5, 2);
        const array = w.begin();
        for (const item of v) {
          w.tag(1, 2);
          const at = w.begin();
          writeAnyValue(w, item);
          w.end(at);
        }
        w.end(array);
      }
  }
}

/**
 * Fractional epoch milliseconds as a fixed64 of nanoseconds, exactly from the two parts (a double
 * holds epoch nanoseconds only to about 256 ns): the millisecond count and the nanoseconds in it.
 */
export function writeUnixNanos(w: ProtobufWriter, ms: number): void {
  let whole = Math.floor(ms);
  let sub = Math.round((ms - whole) * 1e6);
  if (sub >= 1e6) {
    whole += 1;
    sub -= 1e6;
  }
  // whole * 1e6 + sub without leaving a double's exact integers: whole split at bit 16, and the
  // upper part's product at bit 16 again (no `%`: a division of doubles costs more than these).
  const q = Math.floor(whole / 0x10000);
  const upper = q * 1e6; // < 2^53 until the year 2262
  const upperHigh = Math.floor(upper / 0x10000);
  const low = (whole - q * 0x10000) * 1e6 + sub + (upper - upperHigh * 0x10000) * 0x10000; // < 2^38
  w.fixed64(low >>> 0, upperHigh + Math.floor(low / 0x100000000));
}
