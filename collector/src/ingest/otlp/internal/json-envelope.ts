import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { JsonShapeError, optionalArray, parseJsonBody, requiredObject, toJsonDecodeError } from './json-common.js';
import type { JsonObject } from './json-common.js';
import { jsonResource, jsonScope } from './json-resource-scope.js';
import { Rejections } from './rejections.js';
import type { EnvelopeRecords, SignalEnvelope } from './signal-envelope.js';

/**
 * Decodes one OTLP/JSON record (a span, a log record) at `path`
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

/**
 * Decodes an OTLP/JSON `Export*ServiceRequest`: walks its resources and scopes
 * and hands each record to `decodeRecord`, with the resource and scope it
 * belongs to. A record whose decoder throws a `JsonShapeError` is counted and
 * described in the rejections; a shape error outside any record refuses the request.
 *
 * @throws {OtlpDecodeError} When the body is not JSON or not an export request.
 */
export function decodeJsonEnvelope<T>(
  body: Uint8Array,
  envelope: SignalEnvelope,
  decodeRecord: JsonRecordDecoder<T>,
  project: string,
): EnvelopeRecords<T> {
  const doc = parseJsonBody(body);
  const records: T[] = [];
  const rejections = new Rejections();
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
        const scope = jsonScope(scopeLevel, scopePath, envelope.scopeSchemaUrl);
        const listPath = `${scopePath}.${envelope.records}`;
        const list = optionalArray(scopeLevel[envelope.records], listPath);
        for (let k = 0; k < list.length; k++) {
          try {
            records.push(decodeRecord(list[k], `${listPath}[${k}]`, resource, scope, project));
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
  return { records, rejections };
}
