import type { SpanRow, StringMap } from '../../../store/rows.js';
import type { DecodedTraceRequest } from '../decode-trace-request.js';
import { decodedResource } from './decoded-resource.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { isZeroHex } from './hex-id.js';
import { spanKindName, statusCodeName } from './enum-names.js';
import { readAttributeInto, readResourceInto, readScopeInto } from './protobuf-common.js';
import { checkEnd, createWireReader, readHex, readString, skipField, subEnd, toDecodeError } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { Rejections } from './rejections.js';
import { formatUnixNanos, nanosBetween } from './unix-nanos.js';

/*
 * Field numbers (trace.proto, collector/trace/v1/trace_service.proto):
 * ExportTraceServiceRequest: resource_spans 1.
 * ResourceSpans: resource 1, scope_spans 2, schema_url 3.
 * ScopeSpans: scope 1, spans 2, schema_url 3.
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

interface TraceOutput {
  project: string;
  spans: SpanRow[];
  rejections: Rejections;
}

/** Decodes a binary `ExportTraceServiceRequest`. */
export function decodeTracesProtobuf(body: Uint8Array, project: string): DecodedTraceRequest {
  const r = createWireReader(body);
  const out: TraceOutput = { project, spans: [], rejections: new Rejections() };
  try {
    const end = r.len;
    let index = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === LEN1) readResourceSpans(r, subEnd(r, end), index++, out);
      else skipField(r, tag, end);
    }
  } catch (err) {
    throw toDecodeError(err, r);
  }
  return { spans: out.spans, rejected: out.rejections.count, errors: out.rejections.messages };
}

function readResourceSpans(r: WireReader, end: number, index: number, out: TraceOutput): void {
  // The resource and schema_url may follow the spans on the wire: read them first.
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
    if (tag === LEN2) readScopeSpans(r, subEnd(r, end), resource, index, scopeIndex++, out);
    else skipField(r, tag, end);
  }
}

function readScopeSpans(r: WireReader, end: number, resource: DecodedResource, ri: number, si: number, out: TraceOutput): void {
  const start = r.pos;
  const scope: DecodedScope = { name: '', version: '', attributes: {} };
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN1) readScopeInto(r, subEnd(r, end), scope);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  r.pos = start;
  let spanIndex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN2) {
      const spanEnd = subEnd(r, end);
      const problem = readSpan(r, spanEnd, resource, scope, out);
      if (problem !== undefined) out.rejections.add(`resourceSpans[${ri}].scopeSpans[${si}].spans[${spanIndex}].${problem}`);
      spanIndex++;
    } else skipField(r, tag, end);
  }
}

function idProblem(field: string, hex: string, bytes: number): string | undefined {
  if (hex.length === 0) return `${field}: missing, expected ${bytes} bytes`;
  if (hex.length !== bytes * 2) return `${field}: expected ${bytes} bytes, got ${hex.length / 2}`;
  if (isZeroHex(hex)) return `${field}: all zeros, which is not a valid id`;
  return undefined;
}

function optionalIdProblem(field: string, hex: string, bytes: number): string | undefined {
  if (hex.length !== 0 && hex.length !== bytes * 2) return `${field}: expected ${bytes} bytes or none, got ${hex.length / 2}`;
  return undefined;
}

/** Decodes one span and appends its row; returns why it was rejected instead, if it was. */
function readSpan(r: WireReader, end: number, resource: DecodedResource, scope: DecodedScope, out: TraceOutput): string | undefined {
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
    linkProblem;
  if (problem !== undefined) return problem;

  out.spans.push({
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
    Project: out.project,
  });
  return undefined;
}
