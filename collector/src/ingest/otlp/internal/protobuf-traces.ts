import type { SpanRow } from '../../../store/schema/otel-traces.js';
import type { StringMap } from '../../../store/schema/column-types.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedTraceRequest } from '../decode-trace-request.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { isZeroHex } from './hex-id.js';
import { spanKindName, statusCodeName } from './enum-names.js';
import { readAttributeInto } from './protobuf-common.js';
import { decodeProtobufEnvelope } from './protobuf-envelope.js';
import { idProblem, optionalIdProblem } from './protobuf-id-problems.js';
import { checkEnd, readHex, readString, skipField, subEnd } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { TRACES_ENVELOPE } from './signal-envelope.js';
import { formatUnixNanos, nanosBetween } from './unix-nanos.js';

/*
 * Field numbers (trace.proto; the request, ResourceSpans and ScopeSpans are
 * walked by protobuf-envelope.ts):
 * Span: trace_id 1, span_id 2, trace_state 3, parent_span_id 4, name 5, kind 6,
 *   start_time_unix_nano 7 (fixed64), end_time_unix_nano 8 (fixed64), attributes 9,
 *   dropped_attributes_count 10, events 11, dropped_events_count 12, links 13,
 *   dropped_links_count 14, status 15, flags 16 (fixed32).
 * Span.Event: time_unix_nano 1 (fixed64), name 2, attributes 3.
 * Span.Link: trace_id 1, span_id 2, trace_state 3, attributes 4, flags 6.
 * Status: message 2, code 3.
 */

const LEN1 = 10;
const LEN2 = 18;
const LEN3 = 26;
const LEN4 = 34;
const SPAN_NAME = 42; // 5, length-delimited
const SPAN_KIND = 48; // 6, varint
const SPAN_START = 57; // 7, 64-bit
const SPAN_END = 65; // 8, 64-bit
const SPAN_ATTRIBUTES = 74; // 9, length-delimited
const SPAN_EVENTS = 90; // 11, length-delimited
const SPAN_LINKS = 106; // 13, length-delimited
const SPAN_STATUS = 122; // 15, length-delimited
const EVENT_TIME = 9; // 1, 64-bit
const STATUS_CODE = 24; // 3, varint

/** Decodes a binary `ExportTraceServiceRequest`; spans with a time outside `eventTimes` are rejected. */
export function decodeTracesProtobuf(body: Uint8Array, project: string, eventTimes = EventTimeBounds.REPRESENTABLE): DecodedTraceRequest {
  const read = (r: WireReader, end: number, resource: DecodedResource, scope: DecodedScope, p: string) => readSpan(r, end, resource, scope, p, eventTimes);
  const { records, rejections } = decodeProtobufEnvelope(body, TRACES_ENVELOPE, read, project);
  return { spans: records, rejected: rejections.count, errors: rejections.messages };
}

/**
 * Decodes one span into its row, or says why it is rejected (a `ProtobufRecordReader` once
 * `eventTimes` is bound): an invalid id first, then a start time, an end time or an event
 * time outside `eventTimes` (an end or event time of 0 means none).
 */
export function readSpan(
  r: WireReader,
  end: number,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
  eventTimes: EventTimeBounds,
): SpanRow | string {
  let traceId = '';
  let spanId = '';
  let parentSpanId = '';
  let traceState = '';
  let name = '';
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  const attributes: StringMap = {};
  let statusCode = 0;
  let statusMessage = '';
  const eventsTimestamp: string[] = [];
  const eventsName: string[] = [];
  const eventsAttributes: StringMap[] = [];
  const linksTraceId: string[] = [];
  const linksSpanId: string[] = [];
  const linksTraceState: string[] = [];
  const linksAttributes: StringMap[] = [];
  let linkProblem: string | undefined;
  let eventTimeProblem: string | undefined;

  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case LEN1:
        traceId = readHex(r, end);
        break;
      case LEN2:
        spanId = readHex(r, end);
        break;
      case LEN3:
        traceState = readString(r, end);
        break;
      case LEN4:
        parentSpanId = readHex(r, end);
        break;
      case SPAN_NAME:
        name = readString(r, end);
        break;
      case SPAN_KIND:
        kind = r.int32();
        break;
      case SPAN_START:
        startLo = r.fixed32();
        startHi = r.fixed32();
        break;
      case SPAN_END:
        endLo = r.fixed32();
        endHi = r.fixed32();
        break;
      case SPAN_ATTRIBUTES:
        readAttributeInto(r, subEnd(r, end), attributes);
        break;
      case SPAN_EVENTS: {
        const eventEnd = subEnd(r, end);
        let lo = 0;
        let hi = 0;
        let eventName = '';
        const eventAttributes: StringMap = {};
        while (r.pos < eventEnd) {
          const t = r.uint32();
          if (t === EVENT_TIME) {
            lo = r.fixed32();
            hi = r.fixed32();
          } else if (t === LEN2) eventName = readString(r, eventEnd);
          else if (t === LEN3) readAttributeInto(r, subEnd(r, eventEnd), eventAttributes);
          else skipField(r, t, eventEnd);
        }
        checkEnd(r, eventEnd);
        if ((lo !== 0 || hi !== 0) && !eventTimes.containsHalves(lo, hi)) {
          eventTimeProblem ??= `events[${eventsTimestamp.length}].timeUnixNano: ${eventTimes.problemOfHalves(lo, hi)}`;
        }
        eventsTimestamp.push(formatUnixNanos(lo, hi));
        eventsName.push(eventName);
        eventsAttributes.push(eventAttributes);
        break;
      }
      case SPAN_LINKS: {
        const linkEnd = subEnd(r, end);
        let linkTraceId = '';
        let linkSpanId = '';
        let linkTraceState = '';
        const linkAttributes: StringMap = {};
        while (r.pos < linkEnd) {
          const t = r.uint32();
          if (t === LEN1) linkTraceId = readHex(r, linkEnd);
          else if (t === LEN2) linkSpanId = readHex(r, linkEnd);
          else if (t === LEN3) linkTraceState = readString(r, linkEnd);
          else if (t === LEN4) readAttributeInto(r, subEnd(r, linkEnd), linkAttributes);
          else skipField(r, t, linkEnd);
        }
        checkEnd(r, linkEnd);
        const n = linksTraceId.length;
        linkProblem ??=
          optionalIdProblem(`links[${n}].traceId`, linkTraceId, 16) ?? optionalIdProblem(`links[${n}].spanId`, linkSpanId, 8);
        linksTraceId.push(isZeroHex(linkTraceId) ? '' : linkTraceId);
        linksSpanId.push(isZeroHex(linkSpanId) ? '' : linkSpanId);
        linksTraceState.push(linkTraceState);
        linksAttributes.push(linkAttributes);
        break;
      }
      case SPAN_STATUS: {
        const statusEnd = subEnd(r, end);
        while (r.pos < statusEnd) {
          const t = r.uint32();
          if (t === LEN2) statusMessage = readString(r, statusEnd);
          else if (t === STATUS_CODE) statusCode = r.int32();
          else skipField(r, t, statusEnd);
        }
        checkEnd(r, statusEnd);
        break;
      }
      default:
        skipField(r, tag, end);
    }
  }
  checkEnd(r, end);

  const problem =
    idProblem('traceId', traceId, 16) ??
    idProblem('spanId', spanId, 8) ??
    optionalIdProblem('parentSpanId', parentSpanId, 8) ??
    linkProblem ??
    (eventTimes.containsHalves(startLo, startHi) ? undefined : `startTimeUnixNano: ${eventTimes.problemOfHalves(startLo, startHi)}`) ??
    ((endLo === 0 && endHi === 0) || eventTimes.containsHalves(endLo, endHi)
      ? undefined
      : `endTimeUnixNano: ${eventTimes.problemOfHalves(endLo, endHi)}`) ??
    eventTimeProblem;
  if (problem !== undefined) return problem;

  return {
    Timestamp: formatUnixNanos(startLo, startHi),
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: isZeroHex(parentSpanId) ? '' : parentSpanId,
    TraceState: traceState,
    SpanName: name,
    SpanKind: spanKindName(kind),
    ServiceName: resource.serviceName,
    ResourceAttributes: resource.attributes,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    SpanAttributes: attributes,
    Duration: nanosBetween(startLo, startHi, endLo, endHi),
    StatusCode: statusCodeName(statusCode),
    StatusMessage: statusMessage,
    EventsTimestamp: eventsTimestamp,
    EventsName: eventsName,
    EventsAttributes: eventsAttributes,
    LinksTraceId: linksTraceId,
    LinksSpanId: linksSpanId,
    LinksTraceState: linksTraceState,
    LinksAttributes: linksAttributes,
    Project: project,
    // The request's key: set by the batcher (InsertBatcher.add) or the transcoder.
    IngestKey: '',
  };
}
