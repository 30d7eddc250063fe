import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { JsonShapeError, optionalArray, parseJsonBody, requiredObject, toJsonDecodeError } from './json-common.js';
import type { JsonObject } from './json-common.js';
import { jsonResource, jsonScope } from './json-resource-scope.js';
import { Rejections } from './rejections.js';
import { problemAt } from './signal-envelope.js';
import type { EnvelopeRecords, RecordContext, SignalEnvelope } from './signal-envelope.js';

/**
 * Decodes one OTLP/JSON record (a metric, a span) at `path`
 * (`resourceMetrics[0].scopeMetrics[1].metrics[3]`). The reader keeps the rows it
 * yields and hands what it rejects to `record.reject`; it throws a `JsonShapeError`
 * to reject the record as one row. Any other error refuses the whole request.
 */
export type JsonRecordReader = (v: unknown, path: string, record: RecordContext) => void;

/**
 * Decodes one OTLP/JSON record that is one row (a span, a log record) at `path`
 * (`resourceSpans[0].scopeSpans[1].spans[3]`). Throws a `JsonShapeError` to
 * reject the record alone; any other error refuses the whole request.
 */
export type JsonRecordDecoder<T> = (
  v: unknown,
  path: string,
  resource: DecodedResource,
  scope: DecodedScope,
  project: string,
) => T;

/** One walk: the record context, moved from record to record. */
class Walk implements RecordContext {
  resource!: DecodedResource;
  scope!: DecodedScope;
  /** The current record's path. */
  path = '';
  readonly rejections = new Rejections();

  constructor(readonly project: string) {}

  reject(problem: string): void {
    this.rejections.add(problemAt(this.path, problem));
  }
}

/**
 * Decodes an OTLP/JSON `Export*ServiceRequest`: walks its resources and scopes
 * and hands each record to `readRecord`, with the resource and scope it belongs
 * to. A record whose reader throws a `JsonShapeError` is counted once and
 * described in the rejections; a shape error outside any record refuses the request.
 *
 * @returns What the records rejected.
 * @throws {OtlpDecodeError} When the body is not JSON or not an export request.
 */
export function walkJsonEnvelope(body: Uint8Array, envelope: SignalEnvelope, readRecord: JsonRecordReader, project: string): Rejections {
  const doc = parseJsonBody(body);
  const walk = new Walk(project);
  const { resources, scopes } = envelope;
  try {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      const got = doc === null ? 'null' : Array.isArray(doc) ? 'array' : typeof doc;
      throw new JsonShapeError(`expected an ${envelope.request} object at the top level, got ${got}`);
    }
    const resourceList = optionalArray((doc as JsonObject)[resources], resources);
    for (let i = 0; i < resourceList.length; i++) {
      const resourcePath = `${resources}[${i}]`;
      const resourceLevel = requiredObject(resourceList[i], resourcePath);
      const resource = jsonResource(resourceLevel, resourcePath);
      const scopeList = optionalArray(resourceLevel[scopes], `${resourcePath}.${scopes}`);
      for (let j = 0; j < scopeList.length; j++) {
        const scopePath = `${resourcePath}.${scopes}[${j}]`;
        const scopeLevel = requiredObject(scopeList[j], scopePath);
        walk.resource = resource;
        walk.scope = jsonScope(scopeLevel, scopePath, envelope);
        const listPath = `${scopePath}.${envelope.records}`;
        const list = optionalArray(scopeLevel[envelope.records], listPath);
        for (let k = 0; k < list.length; k++) {
          walk.path = `${listPath}[${k}]`;
          try {
            readRecord(list[k], walk.path, walk);
          } catch (err) {
            if (!(err instanceof JsonShapeError)) throw err;
            walk.rejections.add(err.message);
          }
        }
      }
    }
  } catch (err) {
    throw toJsonDecodeError(err);
  }
  return walk.rejections;
}

/**
 * {@link walkJsonEnvelope} for records that are one row each: `decodeRecord`'s rows
 * in request order, and the records it rejected.
 *
 * @throws {OtlpDecodeError} When the body is not JSON or not an export request.
 */
export function decodeJsonEnvelope<T>(body: Uint8Array, envelope: SignalEnvelope, decodeRecord: JsonRecordDecoder<T>, project: string): EnvelopeRecords<T> {
  const records: T[] = [];
  const readRecord = (v: unknown, path: string, record: RecordContext): void => {
    records.push(decodeRecord(v, path, record.resource, record.scope, record.project));
  };
  const rejections = walkJsonEnvelope(body, envelope, readRecord, project);
  return { records, rejections };
}
