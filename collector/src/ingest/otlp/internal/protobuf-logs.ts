import type { StringMap } from '../../../store/rows.js';
import type { DecodedLogRecord, DecodedLogsRequest } from '../decode-logs-request.js';
import { decodedResource } from './decoded-resource.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { isZeroHex } from './hex-id.js';
import { anyValueBoth, readAnyValueBoth, readAttributeIntoBoth, readResourceInto, readScopeInto } from './protobuf-common.js';
import { checkEnd, createWireReader, readHex, readString, skipField, subEnd, toDecodeError } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { Rejections } from './rejections.js';
import { formatUnixNanos } from './unix-nanos.js';

/*
 * Field numbers (logs.proto, collector/logs/v1/logs_service.proto):
 * ExportLogsServiceRequest: resource_logs 1.
 * ResourceLogs: resource 1, scope_logs 2, schema_url 3.
 * ScopeLogs: scope 1, log_records 2, schema_url 3.
 * LogRecord: time_unix_nano 1 (fixed64), severity_number 2, severity_text 3,
 *   body 5, attributes 6, dropped_attributes_count 7, flags 8 (fixed32),
 *   trace_id 9, span_id 10, observed_time_unix_nano 11 (fixed64), event_name 12.
 */

const LEN1 = 10;
const LEN2 = 18;
const LEN3 = 26;
const LOG_TIME = 9; // 1, 64-bit
const LOG_SEVERITY_NUMBER = 16; // 2, varint
const LOG_SEVERITY_TEXT = 26; // 3, length-delimited
const LOG_BODY = 42; // 5, length-delimited
const LOG_ATTRIBUTES = 50; // 6, length-delimited
const LOG_FLAGS = 69; // 8, 32-bit
const LOG_TRACE_ID = 74; // 9, length-delimited
const LOG_SPAN_ID = 82; // 10, length-delimited
const LOG_OBSERVED_TIME = 89; // 11, 64-bit
const LOG_EVENT_NAME = 98; // 12, length-delimited

interface LogsOutput {
  project: string;
  logs: DecodedLogRecord[];
  rejections: Rejections;
}

/** Decodes a binary `ExportLogsServiceRequest`. */
export function decodeLogsProtobuf(body: Uint8Array, project: string): DecodedLogsRequest {
  const r = createWireReader(body);
  const out: LogsOutput = { project, logs: [], rejections: new Rejections() };
  try {
    const end = r.len;
    let index = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === LEN1) readResourceLogs(r, subEnd(r, end), index++, out);
      else skipField(r, tag, end);
    }
  } catch (err) {
    throw toDecodeError(err, r);
  }
  return { logs: out.logs, rejected: out.rejections.count, errors: out.rejections.messages };
}

function readResourceLogs(r: WireReader, end: number, index: number, out: LogsOutput): void {
  // The resource and schema_url may follow the records on the wire: read them first.
  const start = r.pos;
  const attributes: StringMap = {};
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN1) readResourceInto(r, subEnd(r, end), attributes);
    else if (tag === LEN3) schemaUrl = readString(r, end);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  const resource = decodedResource(attributes, schemaUrl);
  r.pos = start;
  let scopeIndex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN2) readScopeLogs(r, subEnd(r, end), resource, index, scopeIndex++, out);
    else skipField(r, tag, end);
  }
}

function readScopeLogs(r: WireReader, end: number, resource: DecodedResource, ri: number, si: number, out: LogsOutput): void {
  const start = r.pos;
  const scope: DecodedScope = { name: '', version: '', attributes: {} };
  let schemaUrl = '';
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN1) readScopeInto(r, subEnd(r, end), scope);
    else if (tag === LEN3) schemaUrl = readString(r, end);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  Object.freeze(scope.attributes);
  r.pos = start;
  let recordIndex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN2) {
      const problem = readLogRecord(r, subEnd(r, end), resource, scope, schemaUrl, out);
      if (problem !== undefined) out.rejections.add(`resourceLogs[${ri}].scopeLogs[${si}].logRecords[${recordIndex}].${problem}`);
      recordIndex++;
    } else skipField(r, tag, end);
  }
}

function optionalIdProblem(field: string, hex: string, bytes: number): string | undefined {
  if (hex.length !== 0 && hex.length !== bytes * 2) return `${field}: expected ${bytes} bytes or none, got ${hex.length / 2}`;
  return undefined;
}

/** Decodes one log record and appends it; returns why it was rejected instead, if it was. */
function readLogRecord(
  r: WireReader,
  end: number,
  resource: DecodedResource,
  scope: DecodedScope,
  scopeSchemaUrl: string,
  out: LogsOutput,
): string | undefined {
  let timeLo = 0;
  let timeHi = 0;
  let observedLo = 0;
  let observedHi = 0;
  let severityNumber = 0;
  let severityText = '';
  let body: unknown = null;
  let bodyText = '';
  const attributes: Record<string, unknown> = {};
  const attributesText: StringMap = {};
  let flags = 0;
  let traceId = '';
  let spanId = '';
  let eventName = '';

  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case LOG_TIME:
        timeLo = r.fixed32();
        timeHi = r.fixed32();
        break;
      case LOG_SEVERITY_NUMBER:
        severityNumber = r.int32();
        break;
      case LOG_SEVERITY_TEXT:
        severityText = readString(r, end);
        break;
      case LOG_BODY:
        readAnyValueBoth(r, subEnd(r, end));
        body = anyValueBoth.plain;
        bodyText = anyValueBoth.text;
        break;
      case LOG_ATTRIBUTES:
        readAttributeIntoBoth(r, subEnd(r, end), attributes, attributesText);
        break;
      case LOG_FLAGS:
        flags = r.fixed32();
        break;
      case LOG_TRACE_ID:
        traceId = readHex(r, end);
        break;
      case LOG_SPAN_ID:
        spanId = readHex(r, end);
        break;
      case LOG_OBSERVED_TIME:
        observedLo = r.fixed32();
        observedHi = r.fixed32();
        break;
      case LOG_EVENT_NAME:
        eventName = readString(r, end);
        break;
      default:
        skipField(r, tag, end);
    }
  }
  checkEnd(r, end);

  const problem = optionalIdProblem('traceId', traceId, 16) ?? optionalIdProblem('spanId', spanId, 8);
  if (problem !== undefined) return problem;

  if (eventName === '' && Object.hasOwn(attributesText, 'event.name')) eventName = attributesText['event.name']!;
  const useObserved = timeLo === 0 && timeHi === 0;
  out.logs.push({
    row: {
      Timestamp: useObserved ? formatUnixNanos(observedLo, observedHi) : formatUnixNanos(timeLo, timeHi),
      TraceId: isZeroHex(traceId) ? '' : traceId,
      SpanId: isZeroHex(spanId) ? '' : spanId,
      TraceFlags: flags & 0xff,
      SeverityText: severityText,
      SeverityNumber: severityNumber & 0xff,
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
      Project: out.project,
    },
    eventName,
    body,
    attributes,
  });
  return undefined;
}
