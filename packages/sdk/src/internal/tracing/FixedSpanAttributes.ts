import type { Attributes } from '@opentelemetry/api';
import { encodeOnce, writeAttributes } from './otlp-protobuf.js';
import { limitAttributes } from './RecordingSpan.js';

/**
 * The span attributes that are the same for every call of one wrapper (model, version, project,
 * environment, sample rate, the `attributes` option…), checked and serialized once, when the
 * wrapper's plan is built. A span started with them (`OwnTracer.startPlannedSpan`) keeps only a
 * reference to them and its own attributes beside, and its OTLP/protobuf reuses `encoded`: per call,
 * neither a copy of the map nor its serialization.
 */
export class FixedSpanAttributes {
  /** The checked attributes (at most `SPAN_LIMIT`); must not change. */
  readonly attributes: Readonly<Attributes>;
  readonly keys: ReadonlySet<string>;
  /** Their OTLP/protobuf: a span's `attributes` field (9) per attribute, tags included; empty when none. */
  readonly encoded: Uint8Array;
  /** Their share of `RecordingSpan.estimateBytes`. */
  readonly bytes: number;
  /** Attributes left out beyond the limit. */
  readonly dropped: number;

  constructor(given: Attributes) {
    const { attributes, dropped } = limitAttributes(given);
    this.attributes = Object.freeze(attributes);
    this.keys = new Set(Object.keys(attributes));
    this.encoded = encodeOnce((w) => writeAttributes(w, attributes, 9));
    this.bytes = this.encoded.length;
    this.dropped = dropped;
  }

  get count(): number {
    return this.keys.size;
  }
}
