import type { StringMap } from '../../../store/schema/column-types.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedLogRecord, DecodedLogsRequest } from '../decode-logs-request.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { isZeroHex } from './hex-id.js';
import { decodedLogRecord } from './log-record.js';
import { anyValueBoth, readAnyValueBoth, readAttributeIntoBoth } from './protobuf-common.js';
import { decodeProtobufEnvelope } from './protobuf-envelope.js';
import { optionalIdProblem } from './protobuf-id-problems.js';
import { checkEnd, readHex, readString, skipField, subEnd } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { LOGS_ENVELOPE } from './signal-envelope.js';
import { formatUnixNanos } from './unix-nanos.js';

/*
 * Field numbers (logs.proto; the request, ResourceLogs and ScopeLogs are
 * walked by protobuf-envelope.ts):
 * LogRecord: time_unix_nano 1 (fixed64), severity_number 2, severity_text 3,
 *   body 5, attributes 6, dropped_attributes_count 7, flags 8 (fixed32),
 *   trace_id 9, span_id 10, observed_time_unix_nano 11 (fixed64), event_name 12.
 */

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

/** Decodes a binary `ExportLogsServiceRequest`; records with a time outside `eventTimes` are rejected. */
export function decodeLogsProtobuf(body: Uint8Array, project: string, eventTimes = EventTimeBounds.REPRESENTABLE): DecodedLogsRequest {
  const read = (r: WireReader, end: number, resource: DecodedResource, scope: DecodedScope, p: string) =>
    readLogRecord(r, end, resource, scope, p, eventTimes);
  const { records, rejections } = decodeProtobufEnvelope(body, LOGS_ENVELOPE, read, project);
  return { logs: records, rejected: rejections.count, errors: rejections.messages };
}

/**
 * Decodes one log record, or says why it is rejected (a `ProtobufRecordReader` once
 * `eventTimes` is bound): an invalid id, or a time or observed time outside `eventTimes`
 * (0 means none; a record with neither keeps `Timestamp` 0, for the receiver to fill in).
 */
function readLogRecord(
  r: WireReader,
  end: number,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
  eventTimes: EventTimeBounds,
): DecodedLogRecord | string {
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
        readAnyValueBoth(r, subEnd(r, end), 0);
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
  const hasTime = timeLo !== 0 || timeHi !== 0;
  const hasObserved = observedLo !== 0 || observedHi !== 0;
  if (hasTime && !eventTimes.containsHalves(timeLo, timeHi)) return `timeUnixNano: ${eventTimes.problemOfHalves(timeLo, timeHi)}`;
  if (hasObserved && !eventTimes.containsHalves(observedLo, observedHi)) {
    return `observedTimeUnixNano: ${eventTimes.problemOfHalves(observedLo, observedHi)}`;
  }

  const useObserved = !hasTime;
  return decodedLogRecord(
    {
      timestamp: useObserved ? formatUnixNanos(observedLo, observedHi) : formatUnixNanos(timeLo, timeHi),
      traceId: isZeroHex(traceId) ? '' : traceId,
      spanId: isZeroHex(spanId) ? '' : spanId,
      eventName,
      flags,
      severityText,
      severityNumber,
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
