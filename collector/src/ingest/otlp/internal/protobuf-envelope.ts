import type { StringMap } from '../../../store/schema/column-types.js';
import { decodedResource } from './decoded-resource.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { readResourceInto, readScopeInto } from './protobuf-common.js';
import { checkEnd, createWireReader, readString, skipField, subEnd, toDecodeError } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { Rejections } from './rejections.js';
import type { EnvelopeRecords, SignalEnvelope } from './signal-envelope.js';

/*
 * Field numbers, the same for both signals (trace.proto, logs.proto and their
 * collector services):
 * Export*ServiceRequest: resource_spans / resource_logs 1.
 * ResourceSpans / ResourceLogs: resource 1, scope_spans / scope_logs 2, schema_url 3.
 * ScopeSpans / ScopeLogs: scope 1, spans / log_records 2, schema_url 3.
 */

const LEN1 = 10;
const LEN2 = 18;
const LEN3 = 26;

/**
 * Decodes one record (a `Span`, a `LogRecord`): the bytes from `r.pos` to `end`.
 * Returns the decoded record, or, when the record is rejected, why, relative to
 * the record (`traceId: expected 16 bytes, got 3`). Malformed wire data throws
 * instead: it refuses the whole request.
 */
export type ProtobufRecordReader<T extends object> = (
  r: WireReader,
  end: number,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
) => T | string;

interface Walk<T extends object> {
  envelope: SignalEnvelope;
  readRecord: ProtobufRecordReader<T>;
  project: string;
  records: T[];
  rejections: Rejections;
}

/**
 * Decodes a binary `Export*ServiceRequest`: walks its resources and scopes and
 * hands each record to `readRecord`, with the resource and scope it belongs to.
 * A rejected record is counted and described by its path in the request
 * (`resourceSpans[0].scopeSpans[1].spans[3].traceId: ...`).
 *
 * @throws {OtlpDecodeError} When the body is not valid protobuf.
 */
export function decodeProtobufEnvelope<T extends object>(
  body: Uint8Array,
  envelope: SignalEnvelope,
  readRecord: ProtobufRecordReader<T>,
  project: string,
): EnvelopeRecords<T> {
  const r = createWireReader(body);
  const walk: Walk<T> = { envelope, readRecord, project, records: [], rejections: new Rejections() };
  try {
    const end = r.len;
    let index = 0;
    while (r.pos < end) {
      const tag = r.uint32();
      if (tag === LEN1) readResourceLevel(r, subEnd(r, end), index++, walk);
      else skipField(r, tag, end);
    }
  } catch (err) {
    throw toDecodeError(err, r);
  }
  return { records: walk.records, rejections: walk.rejections };
}

/** One `ResourceSpans` / `ResourceLogs`. */
function readResourceLevel<T extends object>(r: WireReader, end: number, index: number, walk: Walk<T>): void {
  // The resource and schema_url may follow the scopes on the wire: read them first.
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
    if (tag === LEN2) readScopeLevel(r, subEnd(r, end), resource, index, scopeIndex++, walk);
    else skipField(r, tag, end);
  }
}

/** One `ScopeSpans` / `ScopeLogs` of resource number `ri`. */
function readScopeLevel<T extends object>(
  r: WireReader,
  end: number,
  resource: DecodedResource,
  ri: number,
  si: number,
  walk: Walk<T>,
): void {
  // The scope and schema_url may follow the records on the wire: read them first.
  const start = r.pos;
  const scope: DecodedScope = { name: '', version: '', attributes: {}, schemaUrl: '' };
  const keepsSchemaUrl = walk.envelope.scopeSchemaUrl;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN1) readScopeInto(r, subEnd(r, end), scope);
    else if (tag === LEN3 && keepsSchemaUrl) scope.schemaUrl = readString(r, end);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  Object.freeze(scope.attributes);
  r.pos = start;
  let recordIndex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN2) {
      const record = walk.readRecord(r, subEnd(r, end), resource, scope, walk.project);
      if (typeof record !== 'string') walk.records.push(record);
      else {
        const { resources, scopes, records } = walk.envelope;
        walk.rejections.add(`${resources}[${ri}].${scopes}[${si}].${records}[${recordIndex}].${record}`);
      }
      recordIndex++;
    } else skipField(r, tag, end);
  }
}
