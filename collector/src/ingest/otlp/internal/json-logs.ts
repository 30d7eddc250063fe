import type { StringMap } from '../../../store/schema/column-types.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedLogRecord, DecodedLogsRequest } from '../decode-logs-request.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { SEVERITY_NUMBER_BY_NAME } from './enum-names.js';
import { jsonAnyValuePlain, jsonAnyValueTextOf, jsonAttributesIntoBoth } from './json-any-value.js';
import { enumField, idField, nanosField, requiredObject, stringField, timeWithin, uint32Field } from './json-common.js';
import { decodeJsonEnvelope } from './json-envelope.js';
import { decodedLogRecord } from './log-record.js';
import { LOGS_ENVELOPE } from './signal-envelope.js';
import { formatDecimalNanos } from './unix-nanos.js';

/** Decodes an OTLP/JSON `ExportLogsServiceRequest`; records with a time outside `eventTimes` are rejected. */
export function decodeLogsJson(body: Uint8Array, project: string, eventTimes = EventTimeBounds.REPRESENTABLE): DecodedLogsRequest {
  const decode = (v: unknown, path: string, resource: DecodedResource, scope: DecodedScope, p: string) =>
    jsonLogRecord(v, path, resource, scope, p, eventTimes);
  const { records, rejections } = decodeJsonEnvelope(body, LOGS_ENVELOPE, decode, project);
  return { logs: records, rejected: rejections.count, errors: rejections.messages };
}

/** Decodes one log record (a `JsonRecordDecoder` once `eventTimes` is bound); times are checked as in protobuf-logs.ts. */
function jsonLogRecord(
  v: unknown,
  path: string,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
  eventTimes: EventTimeBounds,
): DecodedLogRecord {
  const l = requiredObject(v, path);
  const traceId = idField(l, 'traceId', path, 16, false);
  const spanId = idField(l, 'spanId', path, 8, false);
  const time = timeWithin(nanosField(l, 'timeUnixNano', path), eventTimes, `${path}.timeUnixNano`, true);
  const observed = timeWithin(nanosField(l, 'observedTimeUnixNano', path), eventTimes, `${path}.observedTimeUnixNano`, true);
  const timestamp = time === '0' ? observed : time;
  const bodyPath = `${path}.body`;
  const body = jsonAnyValuePlain(l.body, bodyPath, 0);
  const bodyText = jsonAnyValueTextOf(l.body, bodyPath, body);
  const attributes: Record<string, unknown> = {};
  const attributesText: StringMap = {};
  jsonAttributesIntoBoth(l.attributes, `${path}.attributes`, attributes, attributesText);
  // Fields are checked in this order, which decides the message when several are wrong.
  return decodedLogRecord(
    {
      timestamp: formatDecimalNanos(timestamp),
      traceId,
      spanId,
      eventName: stringField(l, 'eventName', path),
      flags: uint32Field(l, 'flags', path),
      severityText: stringField(l, 'severityText', path),
      severityNumber: enumField(l, 'severityNumber', path, SEVERITY_NUMBER_BY_NAME),
      body,
      bodyText,
      attributes,
      attributesText,
    },
    resource,
    scope,
    project,
  );
}
