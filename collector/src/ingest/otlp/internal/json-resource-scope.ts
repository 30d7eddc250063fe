import type { StringMap } from '../../../store/schema/column-types.js';
import { decodedResource, emptyScope } from './decoded-resource.js';
import type { DecodedResource, DecodedScope } from './decoded-resource.js';
import { jsonAttributesInto } from './json-any-value.js';
import { optionalObject, stringField, uint32Field } from './json-common.js';
import type { JsonObject } from './json-common.js';
import type { SignalEnvelope } from './signal-envelope.js';

/** The `resource` and `schemaUrl` of a `Resource*` object at `path`. */
export function jsonResource(container: JsonObject, path: string): DecodedResource {
  const resource = optionalObject(container.resource, `${path}.resource`);
  const attributes: StringMap = {};
  if (resource !== undefined) jsonAttributesInto(resource.attributes, `${path}.resource.attributes`, attributes);
  return decodedResource(attributes, stringField(container, 'schemaUrl', path));
}

/**
 * The `scope` of a `Scope*` object at `path`; its attributes are frozen (rows
 * share them). Reads the object's `schemaUrl` and the scope's
 * `droppedAttributesCount` (else `''` and 0) for the signals that keep them
 * (`SignalEnvelope.scopeSchemaUrl`, `.scopeDroppedAttributesCount`), in this
 * order, which decides the message when several fields are wrong.
 */
export function jsonScope(container: JsonObject, path: string, envelope: SignalEnvelope): DecodedScope {
  const scope = optionalObject(container.scope, `${path}.scope`);
  const out = emptyScope();
  const scopePath = `${path}.scope`;
  if (scope !== undefined) {
    out.name = stringField(scope, 'name', scopePath);
    out.version = stringField(scope, 'version', scopePath);
    jsonAttributesInto(scope.attributes, `${scopePath}.attributes`, out.attributes);
  }
  Object.freeze(out.attributes);
  if (envelope.scopeSchemaUrl) out.schemaUrl = stringField(container, 'schemaUrl', path);
  if (envelope.scopeDroppedAttributesCount && scope !== undefined) out.droppedAttributesCount = uint32Field(scope, 'droppedAttributesCount', scopePath);
  return out;
}
