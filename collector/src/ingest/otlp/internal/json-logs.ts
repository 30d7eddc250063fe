import type { StringMap } from '../../../store/rows.js';
import type { DecodedLogRecord, DecodedLogsRequest } from '../decode-logs-request.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { SEVERITY_NUMBER_BY_NAME } from './enum-names.js';
import { jsonAnyValuePlain, jsonAnyValueText, jsonAttributesIntoBoth } from './json-any-value.js';
import {
  enumField,
  idField,
  JsonShapeError,
  nanosField,
  optionalArray,
  parseJsonBody,
  requiredObject,
  stringField,
  toJsonDecodeError,
  uint32Field,
} from './json-common.js';
import { jsonResource, jsonScope } from './json-resource-scope.js';
import { scalarText } from './json-text.js';
import { Rejections } from './rejections.js';
import { formatDecimalNanos } from './unix-nanos.js';

/** Decodes an OTLP/JSON `ExportLogsServiceRequest`. */
export function decodeLogsJson(body: Uint8Array, project: string): DecodedLogsRequest {
  const doc = parseJsonBody(body);
  const logs: DecodedLogRecord[] = [];
  const rejections = new Rejections();
  try {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new JsonShapeError(`expected an ExportLogsServiceRequest object at the top level, got ${doc === null ? 'null' : Array.isArray(doc) ? 'array' : typeof doc}`);
    }
    const resourceLogs = optionalArray((doc as Record<string, unknown>).resourceLogs, 'resourceLogs');
    for (let i = 0; i < resourceLogs.length; i++) {
      const rlPath = `resourceLogs[${i}]`;
      const rl = requiredObject(resourceLogs[i], rlPath);
      const resource = jsonResource(rl, rlPath);
      const scopeLogs = optionalArray(rl.scopeLogs, `${rlPath}.scopeLogs`);
      for (let j = 0; j < scopeLogs.length; j++) {
        const slPath = `${rlPath}.scopeLogs[${j}]`;
        const sl = requiredObject(scopeLogs[j], slPath);
        const scope = jsonScope(sl, slPath);
        const scopeSchemaUrl = stringField(sl, 'schemaUrl', slPath);
        const records = optionalArray(sl.logRecords, `${slPath}.logRecords`);
        for (let k = 0; k < records.length; k++) {
          try {
            logs.push(jsonLogRecord(records[k], `${slPath}.logRecords[${k}]`, resource, scope, scopeSchemaUrl, project));
          } catch (err) {
            if (!(err instanceof JsonShapeError)) throw err;
            rejections.add(err.message);
          }
        }
      }
    }
  } catch (err) {
    throw toJsonDecodeError(err);
  }
  return { logs, rejected: rejections.count, errors: rejections.messages };
}

function jsonLogRecord(
  v: unknown,
  path: string,
  resource: DecodedResource,
  scope: DecodedScope,
  scopeSchemaUrl: string,
  project: string,
): DecodedLogRecord {
  const l = requiredObject(v, path);
  const traceId = idField(l, 'traceId', path, 16, false);
  const spanId = idField(l, 'spanId', path, 8, false);
  const time = nanosField(l, 'timeUnixNano', path);
  const timestamp = time === '0' ? nanosField(l, 'observedTimeUnixNano', path) : time;
  const bodyPath = `${path}.body`;
  const body = jsonAnyValuePlain(l.body, bodyPath, 0);
  const bodyText = body !== null && typeof body === 'object' ? jsonAnyValueText(l.body, bodyPath) : scalarText(body);
  const attributes: Record<string, unknown> = {};
  const attributesText: StringMap = {};
  jsonAttributesIntoBoth(l.attributes, `${path}.attributes`, attributes, attributesText);
  let eventName = stringField(l, 'eventName', path);
  if (eventName === '' && Object.hasOwn(attributesText, 'event.name')) eventName = attributesText['event.name']!;
  return {
    row: {
      Timestamp: formatDecimalNanos(timestamp),
      TraceId: traceId,
      SpanId: spanId,
      TraceFlags: uint32Field(l, 'flags', path) & 0xff,
      SeverityText: stringField(l, 'severityText', path),
      SeverityNumber: enumField(l, 'severityNumber', path, SEVERITY_NUMBER_BY_NAME) & 0xff,
      ServiceName: resource.serviceName,
      Body: bodyText,
      ResourceSchemaUrl: resource.schemaUrl,
      ResourceAttributes: resource.attributes,
      ScopeSchemaUrl: scopeSchemaUrl,
      ScopeName: scope.name,
      ScopeVersion: scope.version,
      ScopeAttributes: scope.attributes,
      LogAttributes: attributesText,
      EventName: eventName,
      Project: project,
    },
    eventName,
    body,
    attributes,
  };
}
