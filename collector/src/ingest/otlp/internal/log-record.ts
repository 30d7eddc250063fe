import type { StringMap } from '../../../store/schema/column-types.js';
import type { DecodedLogRecord } from '../decode-logs-request.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';

/** A log record's own fields, decoded from either encoding, for `decodedLogRecord`. */
export interface LogRecordFields {
  /** The row's `Timestamp`: the record's time, or its observed time when the former is 0. */
  timestamp: string;
  /** Lowercase hex; `''` when absent or all zeros. */
  traceId: string;
  /** Lowercase hex; `''` when absent or all zeros. */
  spanId: string;
  /** The `event_name` field as sent (`''` when absent). */
  eventName: string;
  /** `flags` as sent (32 bits). */
  flags: number;
  severityText: string;
  /** `severity_number` as sent. */
  severityNumber: number;
  /** The body as plain JS (see `DecodedLogRecord.body`). */
  body: unknown;
  /** The body flattened (`AsString`). */
  bodyText: string;
  /** The attributes as plain JS. */
  attributes: Record<string, unknown>;
  /** The attributes flattened. */
  attributesText: StringMap;
}

/**
 * A decoded log record and its `otel_logs` row, mapped as the ClickHouse
 * exporter maps them: `TraceFlags` and `SeverityNumber` keep their low 8 bits,
 * the event name falls back to the `event.name` attribute, and the resource and
 * scope columns come from the record's envelope.
 */
export function decodedLogRecord(
  fields: LogRecordFields,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
): DecodedLogRecord {
  const { attributesText } = fields;
  let eventName = fields.eventName;
  if (eventName === '' && Object.hasOwn(attributesText, 'event.name')) eventName = attributesText['event.name']!;
  return {
    row: {
      Timestamp: fields.timestamp,
      TraceId: fields.traceId,
      SpanId: fields.spanId,
      TraceFlags: fields.flags & 0xff,
      SeverityText: fields.severityText,
      SeverityNumber: fields.severityNumber & 0xff,
      ServiceName: resource.serviceName,
      Body: fields.bodyText,
      ResourceSchemaUrl: resource.schemaUrl,
      ResourceAttributes: resource.attributes,
      ScopeSchemaUrl: scope.schemaUrl,
      ScopeName: scope.name,
      ScopeVersion: scope.version,
      ScopeAttributes: scope.attributes,
      LogAttributes: attributesText,
      EventName: eventName,
      Project: project,
    },
    eventName,
    body: fields.body,
    attributes: fields.attributes,
  };
}
