import { dayOfUnixNanos, PartitionDays } from '../../../store/PartitionDays.js';
import { RowBinaryWriter } from '../../../store/row-binary.js';
import { OTEL_TRACES } from '../../../store/schema/otel-traces.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedScope, DecodedResource } from './decoded-resource.js';
import { spanKindName, statusCodeName } from './enum-names.js';
import { readAnyValueText } from './protobuf-common.js';
import { decodeProtobufEnvelope } from './protobuf-envelope.js';
import { readSpan } from './protobuf-traces.js';
import { skipField, subEnd, utf8Text } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { TRACES_ENVELOPE } from './signal-envelope.js';
import { between, halvesBetween } from './unix-nanos.js';

/*
 * A binary `ExportTraceServiceRequest` straight to `otel_traces` rows in RowBinary
 * (the `otel_traces` definition's columns), without building row objects: the embedded store's
 * spans path. The bytes are exactly those of
 * `encodeRows(OTEL_TRACES, decodeTracesProtobuf(body, project).spans)`
 * (protobuf-traces-rowbinary.test.ts compares them), at a fraction of the cost:
 * strings are copied as bytes, ids hex-encoded from a table, times kept as the
 * two 32-bit halves they arrive in, and the resource and scope columns encoded
 * once per scope.
 *
 * The fast path takes the spans that real SDKs send. A span it does not take
 * whole is decoded by `readSpan` (the row decoder) and written by the codec
 * instead, which gives the same bytes, rejections and errors by construction:
 * an invalid, missing or all-zero id (so the rejection message is `readSpan`'s),
 * a malformed field (so the decode error is), an attribute key that is not
 * ASCII, starts with a digit (JavaScript objects order integer-like keys first),
 * or occurs twice in one map (the object keeps one), and a `KeyValue` whose
 * fields are not `key` then `value`. Values that are not a plain string
 * (numbers, booleans, arrays, kvlists, bytes) and strings that are not ASCII go
 * through the row decoder's own readers, one value at a time.
 *
 * Field numbers: see protobuf-traces.ts.
 */

const LEN1 = 10;
const LEN2 = 18;
const LEN3 = 26;
const LEN4 = 34;
const SPAN_NAME = 42;
const SPAN_KIND = 48;
const SPAN_START = 57;
const SPAN_END = 65;
const SPAN_ATTRIBUTES = 74;
const SPAN_EVENTS = 90;
const SPAN_LINKS = 106;
const SPAN_STATUS = 122;
const EVENT_TIME = 9;
const STATUS_CODE = 24;
const ANY_STRING = 10;

/** What `transcodeTracesProtobuf` returns. */
export interface TranscodedTraceRequest {
  /** The valid spans as `otel_traces` rows in RowBinary, in the `otel_traces` definition's column order. */
  rows: Buffer;
  /** How many rows `rows` holds. */
  count: number;
  /** The UTC days of the rows' start times (their partitions), for the batcher. */
  days: PartitionDays;
  /** Spans dropped as invalid, as `decodeTraceRequest` counts them. */
  rejected: number;
  /** Why, for the first few rejected spans, as `decodeTraceRequest` says it. */
  errors: string[];
  /** Rows written through the row decoder instead of the fast path (for tests and profiling). */
  slowSpans: number;
}

/** Marks an accepted span in the envelope walker's record list (the rows are in the writer). */
const ACCEPTED = Object.freeze({});

/**
 * Decodes a binary `ExportTraceServiceRequest` into `otel_traces` RowBinary rows.
 * Same rows, rejections and errors as `decodeTraceRequest(body, 'protobuf', project, eventTimes)`
 * followed by the RowBinary codec.
 * @param eventTimes the times a span may carry; only the store's range when omitted
 * @param ingestKey the request's key (`ingest/request-key.ts`), written into every row's `IngestKey`
 * @throws {OtlpDecodeError} When the body is not valid protobuf.
 */
export function transcodeTracesProtobuf(
  body: Uint8Array,
  project: string,
  eventTimes: EventTimeBounds = EventTimeBounds.REPRESENTABLE,
  ingestKey = '',
): TranscodedTraceRequest {
  const w = new RowBinaryWriter(2 * body.length + 1024);
  const days = new PartitionDays();
  // The last two columns, the same for every span of the request.
  const projectBytes = encoded((p) => {
    p.string(project);
    p.string(ingestKey);
  });
  let lastScope: DecodedScope | undefined;
  let scopeColumns: Uint8Array = new Uint8Array(0);
  let slowSpans = 0;

  const readRecord = (r: WireReader, end: number, resource: DecodedResource, scope: DecodedScope): object | string => {
    if (scope !== lastScope) {
      // A new scope object per ScopeSpans (and so per resource): ServiceName, ResourceAttributes,
      // ScopeName and ScopeVersion are adjacent columns, encoded once for all its spans.
      lastScope = scope;
      scopeColumns = encoded((p) => {
        p.string(resource.serviceName);
        p.stringMap(resource.attributes);
        p.string(scope.name);
        p.string(scope.version);
      });
    }
    const start = r.pos;
    const mark = w.length;
    let done = false;
    try {
      done = writeSpan(r, end, w, scopeColumns, eventTimes);
    } catch {
      done = false; // malformed: readSpan below throws the located error
    }
    if (done) {
      w.raw(projectBytes);
      days.add(dayOfUnixNanos(spanStart.lo, spanStart.hi));
      return ACCEPTED;
    }
    w.rewind(mark);
    r.pos = start;
    const row = readSpan(r, end, resource, scope, project, eventTimes);
    if (typeof row === 'string') return row;
    row.IngestKey = ingestKey;
    OTEL_TRACES.write(w, row);
    days.add(OTEL_TRACES.partitionDay!(row));
    slowSpans++;
    return ACCEPTED;
  };

  const { records, rejections } = decodeProtobufEnvelope(body, TRACES_ENVELOPE, readRecord, project);
  return { rows: w.bytes(), count: records.length, days, rejected: rejections.count, errors: rejections.messages, slowSpans };
}

function encoded(write: (w: RowBinaryWriter) => void): Uint8Array {
  const w = new RowBinaryWriter(256);
  write(w);
  return Uint8Array.from(w.bytes());
}

// Field positions of the span being read (one span at a time, never re-entered): the start
// and end of each single field at `at[slot]`, `at[slot + 1]` (0, 0 when absent: empty), and of
// each item of the repeated ones in the arrays.
const TRACE_ID = 0;
const SPAN_ID = 2;
const TRACE_STATE = 4;
const PARENT_ID = 6;
const NAME = 8;
const STATUS_MESSAGE = 10;
const FOUND = 12; // findLast's answer
const at = new Int32Array(14);
/** The start time of the span {@link writeSpan} wrote last, as unsigned 32-bit halves. */
const spanStart = { lo: 0, hi: 0 };
const attrFrom: number[] = [];
const attrTo: number[] = [];
const eventFrom: number[] = [];
const eventTo: number[] = [];
const linkFrom: number[] = [];
const linkTo: number[] = [];
// The attributes of one event or link.
const nestedFrom: number[] = [];
const nestedTo: number[] = [];
// Key and value positions of the map being written.
const keyFrom: number[] = [];
const keyTo: number[] = [];
const valueFrom: number[] = [];
const valueTo: number[] = [];

/** Notes where the length-delimited field at `r.pos` lies (`at[slot]`, `at[slot + 1]`) and skips it. */
function mark(r: WireReader, end: number, slot: number): void {
  const to = subEnd(r, end);
  at[slot] = r.pos;
  at[slot + 1] = to;
  r.pos = to;
}

/**
 * Notes where the last `tag` field (length-delimited) of the message `from..to` lies
 * (`at[FOUND]`, `at[FOUND + 1]`; 0, 0 when there is none). False when a field overruns the message.
 */
function findLast(r: WireReader, from: number, to: number, tag: number): boolean {
  at[FOUND] = at[FOUND + 1] = 0;
  r.pos = from;
  while (r.pos < to) {
    const t = r.uint32();
    if (t === tag) mark(r, to, FOUND);
    else skipField(r, t, to);
  }
  return r.pos === to;
}

/** Notes where the item of a repeated message field at `r.pos` lies (`from[n]`, `to[n]`), skips it; returns `n + 1`. */
function markListItem(r: WireReader, end: number, from: number[], to: number[], n: number): number {
  to[n] = subEnd(r, end);
  from[n] = r.pos;
  r.pos = to[n]!;
  return n + 1;
}

/**
 * Writes the span `r.pos..end` as one row, all columns but `Project` and `IngestKey`. Returns false
 * when it must go through the row decoder instead (the caller rewinds the writer),
 * among others for a time outside `eventTimes` (so the rejection is the row decoder's).
 */
function writeSpan(r: WireReader, end: number, w: RowBinaryWriter, scopeColumns: Uint8Array, eventTimes: EventTimeBounds): boolean {
  const buf = r.buf;
  at.fill(0);
  let kind = 0;
  let startLo = 0;
  let startHi = 0;
  let endLo = 0;
  let endHi = 0;
  let statusCode = 0;
  let attrs = 0;
  let events = 0;
  let links = 0;

  // Pass 1: where each field is (the last occurrence wins, as in readSpan).
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case LEN1:
        mark(r, end, TRACE_ID);
        break;
      case LEN2:
        mark(r, end, SPAN_ID);
        break;
      case LEN3:
        mark(r, end, TRACE_STATE);
        break;
      case LEN4:
        mark(r, end, PARENT_ID);
        break;
      case SPAN_NAME:
        mark(r, end, NAME);
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
        attrs = markListItem(r, end, attrFrom, attrTo, attrs);
        break;
      case SPAN_EVENTS:
        events = markListItem(r, end, eventFrom, eventTo, events);
        break;
      case SPAN_LINKS:
        links = markListItem(r, end, linkFrom, linkTo, links);
        break;
      case SPAN_STATUS: {
        const statusEnd = subEnd(r, end);
        while (r.pos < statusEnd) {
          const t = r.uint32();
          if (t === LEN2) mark(r, statusEnd, STATUS_MESSAGE);
          else if (t === STATUS_CODE) statusCode = r.int32();
          else skipField(r, t, statusEnd);
        }
        if (r.pos !== statusEnd) return false;
        break;
      }
      default:
        skipField(r, tag, end);
    }
  }
  if (r.pos !== end) return false;
  const traceFrom = at[TRACE_ID]!;
  const traceTo = at[TRACE_ID + 1]!;
  const spanFrom = at[SPAN_ID]!;
  const spanTo = at[SPAN_ID + 1]!;
  const parentFrom = at[PARENT_ID]!;
  const parentTo = at[PARENT_ID + 1]!;
  if (traceTo - traceFrom !== 16 || isZero(buf, traceFrom, traceTo)) return false;
  if (spanTo - spanFrom !== 8 || isZero(buf, spanFrom, spanTo)) return false;
  if (parentTo !== parentFrom && parentTo - parentFrom !== 8) return false;
  if (!eventTimes.containsHalves(startLo, startHi)) return false;
  if ((endLo !== 0 || endHi !== 0) && !eventTimes.containsHalves(endLo, endHi)) return false;
  spanStart.lo = startLo;
  spanStart.hi = startHi;

  // Pass 2: the columns in order.
  w.int64(startLo, startHi);
  w.hexString(buf, traceFrom, traceTo);
  w.hexString(buf, spanFrom, spanTo);
  if (isZero(buf, parentFrom, parentTo)) w.uint8(0);
  else w.hexString(buf, parentFrom, parentTo);
  text(w, buf, at[TRACE_STATE]!, at[TRACE_STATE + 1]!);
  text(w, buf, at[NAME]!, at[NAME + 1]!);
  w.string(spanKindName(kind));
  w.raw(scopeColumns);
  if (!attributeMap(r, w, attrFrom, attrTo, attrs)) return false;
  halvesBetween(startLo, startHi, endLo, endHi);
  w.int64(between.lo, between.hi);
  w.string(statusCodeName(statusCode));
  text(w, buf, at[STATUS_MESSAGE]!, at[STATUS_MESSAGE + 1]!);
  if (events === 0) {
    w.uint8(0); // three empty arrays
    w.uint8(0);
    w.uint8(0);
  } else if (!writeEvents(r, w, events, eventTimes)) return false;
  if (links === 0) {
    w.uint8(0); // four empty arrays
    w.uint8(0);
    w.uint8(0);
    w.uint8(0);
  } else if (!writeLinks(r, w, links)) return false;
  r.pos = end;
  return true;
}

/** `Events.Timestamp`, `Events.Name`, `Events.Attributes`: three arrays, each event read again for each. */
function writeEvents(r: WireReader, w: RowBinaryWriter, events: number, eventTimes: EventTimeBounds): boolean {
  const buf = r.buf;
  w.length32(events);
  for (let i = 0; i < events; i++) {
    let lo = 0;
    let hi = 0;
    const eventEnd = eventTo[i]!;
    r.pos = eventFrom[i]!;
    while (r.pos < eventEnd) {
      const t = r.uint32();
      if (t === EVENT_TIME) {
        lo = r.fixed32();
        hi = r.fixed32();
      } else skipField(r, t, eventEnd);
    }
    if (r.pos !== eventEnd) return false;
    if ((lo !== 0 || hi !== 0) && !eventTimes.containsHalves(lo, hi)) return false;
    w.int64(lo, hi);
  }
  w.length32(events);
  for (let i = 0; i < events; i++) {
    findLast(r, eventFrom[i]!, eventTo[i]!, LEN2);
    text(w, buf, at[FOUND]!, at[FOUND + 1]!);
  }
  w.length32(events);
  for (let i = 0; i < events; i++) {
    if (!nestedAttributeMap(r, w, eventFrom[i]!, eventTo[i]!, LEN3)) return false;
  }
  return true;
}

/** `Links.TraceId`, `Links.SpanId`, `Links.TraceState`, `Links.Attributes`. */
function writeLinks(r: WireReader, w: RowBinaryWriter, links: number): boolean {
  const buf = r.buf;
  for (let field = LEN1; field <= LEN3; field += 8) {
    const size = field === LEN1 ? 16 : 8;
    w.length32(links);
    for (let i = 0; i < links; i++) {
      if (!findLast(r, linkFrom[i]!, linkTo[i]!, field)) return false;
      const from = at[FOUND]!;
      const to = at[FOUND + 1]!;
      if (field === LEN3) text(w, buf, from, to);
      else if (to !== from && to - from !== size) return false; // readSpan rejects the span
      else if (isZero(buf, from, to)) w.uint8(0);
      else w.hexString(buf, from, to);
    }
  }
  w.length32(links);
  for (let i = 0; i < links; i++) {
    if (!nestedAttributeMap(r, w, linkFrom[i]!, linkTo[i]!, LEN4)) return false;
  }
  return true;
}

/** The attribute map of an event or link: its `KeyValue`s are field `field` of the message `from..to`. */
function nestedAttributeMap(r: WireReader, w: RowBinaryWriter, from: number, to: number, field: number): boolean {
  let n = 0;
  r.pos = from;
  while (r.pos < to) {
    const t = r.uint32();
    if (t === field) n = markListItem(r, to, nestedFrom, nestedTo, n);
    else skipField(r, t, to);
  }
  return attributeMap(r, w, nestedFrom, nestedTo, n);
}

/**
 * A `Map(String, String)` of the `n` `KeyValue` messages at `from[i]..to[i]`, as
 * `readAttributeInto` and the codec's `stringMap` would write it; false when the
 * row decoder must (see the header).
 */
function attributeMap(r: WireReader, w: RowBinaryWriter, from: number[], to: number[], n: number): boolean {
  const buf = r.buf;
  for (let i = 0; i < n; i++) {
    const kvEnd = to[i]!;
    r.pos = from[i]!;
    if (r.pos >= kvEnd || r.uint32() !== LEN1) return false;
    const kEnd = subEnd(r, kvEnd);
    const kFrom = r.pos;
    if (kEnd > kFrom && buf[kFrom]! >= 0x30 && buf[kFrom]! <= 0x39) return false;
    for (let k = kFrom; k < kEnd; k++) if (buf[k]! >= 0x80) return false;
    for (let j = 0; j < i; j++) if (sameBytes(buf, keyFrom[j]!, keyTo[j]!, kFrom, kEnd)) return false;
    keyFrom[i] = kFrom;
    keyTo[i] = kEnd;
    r.pos = kEnd;
    if (r.pos === kvEnd) {
      valueFrom[i] = valueTo[i] = -1; // no value: ''
      continue;
    }
    if (r.uint32() !== LEN2) return false;
    const vEnd = subEnd(r, kvEnd);
    if (vEnd !== kvEnd) return false;
    valueFrom[i] = r.pos;
    valueTo[i] = vEnd;
  }
  w.length32(n);
  for (let i = 0; i < n; i++) {
    w.asciiString(buf, keyFrom[i]!, keyTo[i]!);
    const vFrom = valueFrom[i]!;
    const vEnd = valueTo[i]!;
    if (vFrom === vEnd || vFrom < 0) {
      w.uint8(0);
      continue;
    }
    r.pos = vFrom;
    if (r.uint32() === ANY_STRING) {
      const sEnd = subEnd(r, vEnd);
      if (sEnd === vEnd) {
        text(w, buf, r.pos, sEnd);
        continue;
      }
    }
    r.pos = vFrom;
    w.string(readAnyValueText(r, vEnd, 0));
  }
  return true;
}

/** A protobuf `string` field's bytes as a `String`: copied when ASCII, decoded as `readString` does otherwise. */
function text(w: RowBinaryWriter, buf: WireReader['buf'], from: number, to: number): void {
  if (from === to) w.uint8(0);
  else if (!w.asciiString(buf, from, to)) w.string(utf8Text(buf, from, to));
}

function isZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

function sameBytes(buf: Uint8Array, aFrom: number, aTo: number, bFrom: number, bTo: number): boolean {
  if (aTo - aFrom !== bTo - bFrom) return false;
  for (let i = 0; i < aTo - aFrom; i++) if (buf[aFrom + i] !== buf[bFrom + i]) return false;
  return true;
}
