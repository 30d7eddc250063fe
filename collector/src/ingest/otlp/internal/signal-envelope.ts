import type { Rejections } from './rejections.js';

/**
 * How an OTLP export request of one signal nests its records: request →
 * `Resource*` (resource, schema url) → `Scope*` (scope, schema url) → records.
 * Traces and logs differ only in the names of the levels and in whether the
 * scope level's schema url is kept; the envelope walkers (`protobuf-envelope.ts`,
 * `json-envelope.ts`) take one of these and the signal's record decoder.
 */
export interface SignalEnvelope {
  /** The request message, for messages: `ExportTraceServiceRequest`. */
  request: string;
  /** The request's list of `Resource*` messages, as OTLP/JSON names it: `resourceSpans`. */
  resources: string;
  /** A `Resource*` message's list of `Scope*` messages: `scopeSpans`. */
  scopes: string;
  /** A `Scope*` message's list of records: `spans`. */
  records: string;
  /**
   * Whether `Scope*.schema_url` is read into `DecodedScope.schemaUrl` (and, in
   * JSON, type-checked): logs keep it (`ScopeSchemaUrl`); `otel_traces` has no
   * column for it, so trace decoding ignores the field, as it always has.
   */
  scopeSchemaUrl: boolean;
}

/** `ExportTraceServiceRequest`: `resourceSpans[].scopeSpans[].spans[]`. */
export const TRACES_ENVELOPE: SignalEnvelope = Object.freeze({
  request: 'ExportTraceServiceRequest',
  resources: 'resourceSpans',
  scopes: 'scopeSpans',
  records: 'spans',
  scopeSchemaUrl: false,
});

/** `ExportLogsServiceRequest`: `resourceLogs[].scopeLogs[].logRecords[]`. */
export const LOGS_ENVELOPE: SignalEnvelope = Object.freeze({
  request: 'ExportLogsServiceRequest',
  resources: 'resourceLogs',
  scopes: 'scopeLogs',
  records: 'logRecords',
  scopeSchemaUrl: true,
});

/** What an envelope walker returns. */
export interface EnvelopeRecords<T> {
  /** The valid records, in request order. */
  records: T[];
  /** The records dropped as invalid, and why. */
  rejections: Rejections;
}
