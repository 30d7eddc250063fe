import type { SpanRow } from '../../../store/schema/otel-traces.js';
import type { StringMap } from '../../../store/schema/column-types.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedTraceRequest } from '../decode-trace-request.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { SPAN_KIND_BY_NAME, STATUS_CODE_BY_NAME, spanKindName, statusCodeName } from './enum-names.js';
import { jsonAttributesInto } from './json-any-value.js';
import { enumField, idField, nanosField, optionalArray, optionalObject, requiredObject, stringField, timeWithin } from './json-common.js';
import { decodeJsonEnvelope } from './json-envelope.js';
import { TRACES_ENVELOPE } from './signal-envelope.js';
import { decimalNanosBetween, formatDecimalNanos } from './unix-nanos.js';

/** Decodes an OTLP/JSON `ExportTraceServiceRequest`; spans with a time outside `eventTimes` are rejected. */
export function decodeTracesJson(body: Uint8Array, project: string, eventTimes = EventTimeBounds.REPRESENTABLE): DecodedTraceRequest {
  const decode = (v: unknown, path: string, resource: DecodedResource, scope: DecodedScope, p: string) => jsonSpan(v, path, resource, scope, p, eventTimes);
  const { records, rejections } = decodeJsonEnvelope(body, TRACES_ENVELOPE, decode, project);
  return { spans: records, rejected: rejections.count, errors: rejections.messages };
}

/** Decodes one span into its row (a `JsonRecordDecoder` once `eventTimes` is bound); an end or event time of 0 means none. */
function jsonSpan(v: unknown, path: string, resource: DecodedResource, scope: DecodedScope, project: string, eventTimes: EventTimeBounds): SpanRow {
  const s = requiredObject(v, path);
  const traceId = idField(s, 'traceId', path, 16, true);
  const spanId = idField(s, 'spanId', path, 8, true);
  const parentSpanId = idField(s, 'parentSpanId', path, 8, false);
  const start = timeWithin(nanosField(s, 'startTimeUnixNano', path), eventTimes, `${path}.startTimeUnixNano`, false);
  const end = timeWithin(nanosField(s, 'endTimeUnixNano', path), eventTimes, `${path}.endTimeUnixNano`, true);
  const attributes: StringMap = {};
  jsonAttributesInto(s.attributes, `${path}.attributes`, attributes);

  const events = optionalArray(s.events, `${path}.events`);
  const eventsTimestamp: string[] = [];
  const eventsName: string[] = [];
  const eventsAttributes: StringMap[] = [];
  for (let i = 0; i < events.length; i++) {
    const eventPath = `${path}.events[${i}]`;
    const e = requiredObject(events[i], eventPath);
    const eventAttributes: StringMap = {};
    jsonAttributesInto(e.attributes, `${eventPath}.attributes`, eventAttributes);
    eventsTimestamp.push(formatDecimalNanos(timeWithin(nanosField(e, 'timeUnixNano', eventPath), eventTimes, `${eventPath}.timeUnixNano`, true)));
    eventsName.push(stringField(e, 'name', eventPath));
    eventsAttributes.push(eventAttributes);
  }

  const links = optionalArray(s.links, `${path}.links`);
  const linksTraceId: string[] = [];
  const linksSpanId: string[] = [];
  const linksTraceState: string[] = [];
  const linksAttributes: StringMap[] = [];
  for (let i = 0; i < links.length; i++) {
    const linkPath = `${path}.links[${i}]`;
    const l = requiredObject(links[i], linkPath);
    const linkAttributes: StringMap = {};
    jsonAttributesInto(l.attributes, `${linkPath}.attributes`, linkAttributes);
    linksTraceId.push(idField(l, 'traceId', linkPath, 16, false));
    linksSpanId.push(idField(l, 'spanId', linkPath, 8, false));
    linksTraceState.push(stringField(l, 'traceState', linkPath));
    linksAttributes.push(linkAttributes);
  }

  const status = optionalObject(s.status, `${path}.status`);
  const statusPath = `${path}.status`;
  return {
    Timestamp: formatDecimalNanos(start),
    TraceId: traceId,
    SpanId: spanId,
    ParentSpanId: parentSpanId,
    TraceState: stringField(s, 'traceState', path),
    SpanName: stringField(s, 'name', path),
    SpanKind: spanKindName(enumField(s, 'kind', path, SPAN_KIND_BY_NAME)),
    ServiceName: resource.serviceName,
    ResourceAttributes: resource.attributes,
    ScopeName: scope.name,
    ScopeVersion: scope.version,
    SpanAttributes: attributes,
    Duration: decimalNanosBetween(start, end),
    StatusCode: statusCodeName(status === undefined ? 0 : enumField(status, 'code', statusPath, STATUS_CODE_BY_NAME)),
    StatusMessage: status === undefined ? '' : stringField(status, 'message', statusPath),
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
