import type { StringMap } from '../../../store/schema/column-types.js';
import { decodedResource } from './decoded-resource.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { jsonAttributesInto } from './json-any-value.js';
import { optionalObject, stringField } from './json-common.js';
import type { JsonObject } from './json-common.js';

/** The `resource` and `schemaUrl` of a `ResourceSpans` / `ResourceLogs` object at `path`. */
export function jsonResource(container: JsonObject, path: string): DecodedResource {
  const resource = optionalObject(container.resource, `${path}.resource`);
  const attributes: StringMap = {};
  if (resource !== undefined) jsonAttributesInto(resource.attributes, `${path}.resource.attributes`, attributes);
  return decodedResource(attributes, stringField(container, 'schemaUrl', path));
}

/**
 * The `scope` of a `ScopeSpans` / `ScopeLogs` object at `path`; its attributes
 * are frozen (rows share them).
 * @param withSchemaUrl Whether to read the object's `schemaUrl` too (else `''`): see `SignalEnvelope.scopeSchemaUrl`.
 */
export function jsonScope(container: JsonObject, path: string, withSchemaUrl: boolean): DecodedScope {
  const scope = optionalObject(container.scope, `${path}.scope`);
  const out: DecodedScope = { name: '', version: '', attributes: {}, schemaUrl: '' };
  if (scope !== undefined) {
    const scopePath = `${path}.scope`;
    out.name = stringField(scope, 'name', scopePath);
    out.version = stringField(scope, 'version', scopePath);
    jsonAttributesInto(scope.attributes, `${scopePath}.attributes`, out.attributes);
  }
  Object.freeze(out.attributes);
  if (withSchemaUrl) out.schemaUrl = stringField(container, 'schemaUrl', path);
  return out;
}
