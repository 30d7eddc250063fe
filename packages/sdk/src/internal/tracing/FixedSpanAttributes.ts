import type { Attributes } from '@opentelemetry/api';
import { attributesBody } from './otlp-json.js';
import { limitAttributes } from './RecordingSpan.js';

/**
 * The span attributes that are the same for every call of one wrapper (model, version, project,
 * environment, sample rate, the `attributes` option…), checked and serialized once, when the
 * wrapper's plan is built. A span started with them (`OwnTracer.startPlannedSpan`) keeps only a
 * reference to them and its own attributes beside, and its OTLP/JSON reuses `json`: per call,
 * neither a copy of the map nor its serialization.
 */
export class FixedSpanAttributes {
  /** The checked attributes (at most `SPAN_LIMIT`); must not change. */
  readonly attributes: Readonly<Attributes>;
  readonly keys: ReadonlySet<string>;
  /** Their OTLP/JSON `KeyValue`s, comma-separated, without the brackets; '' when none. */
  readonly json: string;
  /** Their share of `RecordingSpan.estimateBytes`. */
  readonly bytes: number;
  /** Attributes left out beyond the limit. */
  readonly dropped: number;

  constructor(given: Attributes) {
    const { attributes, dropped } = limitAttributes(given);
    this.attributes = Object.freeze(attributes);
    this.keys = new Set(Object.keys(attributes));
    this.json = attributesBody(attributes);
    this.bytes = this.json.length * 2;
    this.dropped = dropped;
  }

  get count(): number {
    return this.keys.size;
  }
}
