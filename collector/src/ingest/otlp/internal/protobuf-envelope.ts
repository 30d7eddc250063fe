import type { StringMap } from '../../../store/schema/column-types.js';
import { decodedResource, emptyScope } from './decoded-resource.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { readResourceInto, readScopeInto } from './protobuf-common.js';
import { checkEnd, createWireReader, readString, skipField, subEnd, toDecodeError } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { Rejections } from './rejections.js';
import { problemAt } from './signal-envelope.js';
import type { EnvelopeRecords, RecordContext, SignalEnvelope } from './signal-envelope.js';

/*
 * Field numbers, the same for every signal (trace.proto, logs.proto, metrics.proto
 * and their collector services):
 * Export*ServiceRequest: resource_spans / resource_logs / resource_metrics 1.
 * Resource*: resource 1, scope_spans / scope_logs / scope_metrics 2, schema_url 3.
 * Scope*: scope 1, spans / log_records / metrics 2, schema_url 3.
 */

const LEN1 = 10;
const LEN2 = 18;
const LEN3 = 26;

/**
 * Decodes one record (a `Metric`, a `Span`): the bytes from `r.pos` to `end`. The
 * reader keeps the rows it yields and hands what it rejects to `record.reject`.
 * Malformed wire data throws instead: it refuses the whole request.
 */
export type ProtobufRecordReader = (r: WireReader, end: number, record: RecordContext) => void;

/**
 * Decodes one record that is one row (a `Span`, a `LogRecord`): the bytes from
 * `r.pos` to `end`. Returns the row, or, when the record is rejected, why,
 * relative to the record (`traceId: expected 16 bytes, got 3`). Malformed wire
 * data throws instead: it refuses the whole request.
 */
export type ProtobufRowReader<T extends object> = (
  r: WireReader,
  end: number,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
) => T | string;

/** One walk: the record context, moved from record to record. */
class Walk implements RecordContext {
  resource!: DecodedResource;
  scope!: DecodedScope;
  /** Indexes of the current resource, scope and record, for the path of a rejection. */
  resourceIndex = 0;
  scopeIndex = 0;
  recordIndex = 0;
  readonly rejections = new Rejections();

  constructor(
    readonly envelope: SignalEnvelope,
    readonly readRecord: ProtobufRecordReader,
    readonly project: string,
  ) {}

  reject(problem: string): void {
    const { resources, scopes, records } = this.envelope;
    this.rejections.add(problemAt(`${resources}[${this.resourceIndex}].${scopes}[${this.scopeIndex}].${records}[${this.recordIndex}]`, problem));
  }
}

/**
 * Decodes a binary `Export*ServiceRequest`: walks its resources and scopes and
 * hands each record to `readRecord`, with the resource and scope it belongs to.
 * A rejection is counted and described by its path in the request
 * (`resourceSpans[0].scopeSpans[1].spans[3].traceId: ...`).
 *
 * @returns What the records rejected.
 * @throws {OtlpDecodeError} When the body is not valid protobuf.
 */
export function walkProtobufEnvelope(body: Uint8Array, envelope: SignalEnvelope, readRecord: ProtobufRecordReader, project: string): Rejections {
  const r = createWireReader(body);
  const walk = new Walk(envelope, readRecord, project);
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
  return walk.rejections;
}

/**
 * {@link walkProtobufEnvelope} for records that are one row each: `readRow`'s rows
 * in request order, and the records it rejected.
 *
 * @throws {OtlpDecodeError} When the body is not valid protobuf.
 */
export function decodeProtobufEnvelope<T extends object>(body: Uint8Array, envelope: SignalEnvelope, readRow: ProtobufRowReader<T>, project: string): EnvelopeRecords<T> {
  const records: T[] = [];
  const readRecord = (r: WireReader, end: number, record: RecordContext): void => {
    const row = readRow(r, end, record.resource, record.scope, record.project);
    if (typeof row !== 'string') records.push(row);
    else record.reject(row);
  };
  const rejections = walkProtobufEnvelope(body, envelope, readRecord, project);
  return { records, rejections };
}

/** One `Resource*` message. */
function readResourceLevel(r: WireReader, end: number, index: number, walk: Walk): void {
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

/** One `Scope*` message of resource number `ri`. */
function readScopeLevel(r: WireReader, end: number, resource: DecodedResource, ri: number, si: number, walk: Walk): void {
  // The scope and schema_url may follow the records on the wire: read them first.
  const start = r.pos;
  const scope = emptyScope();
  const { scopeSchemaUrl, scopeDroppedAttributesCount } = walk.envelope;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN1) readScopeInto(r, subEnd(r, end), scope, scopeDroppedAttributesCount);
    else if (tag === LEN3 && scopeSchemaUrl) scope.schemaUrl = readString(r, end);
    else skipField(r, tag, end);
  }
  checkEnd(r, end);
  Object.freeze(scope.attributes);
  r.pos = start;
  walk.resource = resource;
  walk.scope = scope;
  walk.resourceIndex = ri;
  walk.scopeIndex = si;
  let recordIndex = 0;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === LEN2) {
      walk.recordIndex = recordIndex++;
      walk.readRecord(r, subEnd(r, end), walk);
    } else skipField(r, tag, end);
  }
}
