import type { StringMap } from '../../../store/schema/column-types.js';

/** A resource as the rows need it. */
export interface DecodedResource {
  /** Flattened attributes; frozen, because every row of the resource shares this object. */
  attributes: StringMap;
  /** The `service.name` attribute, `''` when absent (as the ClickHouse exporter does). */
  serviceName: string;
  /** `ResourceSpans.schema_url` / `ResourceLogs.schema_url` / `ResourceMetrics.schema_url`. */
  schemaUrl: string;
}

/** Freezes the attribute map and picks the service name out of it. */
export function decodedResource(attributes: StringMap, schemaUrl: string): DecodedResource {
  const serviceName = Object.hasOwn(attributes, 'service.name') ? attributes['service.name']! : '';
  return { attributes: Object.freeze(attributes), serviceName, schemaUrl };
}

/** An instrumentation scope as the rows need it. */
export interface DecodedScope {
  name: string;
  version: string;
  /** Flattened attributes; frozen, because every row of the scope shares this object. */
  attributes: StringMap;
  /**
   * `InstrumentationScope.dropped_attributes_count`; 0 for spans and log records,
   * which do not keep it (see `SignalEnvelope.scopeDroppedAttributesCount`).
   */
  droppedAttributesCount: number;
  /**
   * `ScopeLogs.schema_url` / `ScopeMetrics.schema_url`; `''` for spans, which do
   * not keep it (see `SignalEnvelope.scopeSchemaUrl`).
   */
  schemaUrl: string;
}

/** A scope with every field empty, for the envelope walkers to read into. */
export function emptyScope(): DecodedScope {
  return { name: '', version: '', attributes: {}, droppedAttributesCount: 0, schemaUrl: '' };
}
