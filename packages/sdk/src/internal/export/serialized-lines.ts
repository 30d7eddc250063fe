import { recordJson } from './record-json.js';

/**
 * The JSON line of a record, kept from the moment the batch processor
 * measured it (it must serialize each record once to enforce the byte
 * bounds) until the HTTP exporter sends it, so that a record is serialized
 * once, not twice. A WeakMap: a record that leaves the queue in any other
 * way (a custom exporter, a drop) takes its line with it.
 */
export const serializedLines = new WeakMap<object, string>();

/** The JSON text of `record`: the cached line when there is one. */
export function jsonLine(record: unknown): string {
  if (typeof record === 'object' && record !== null) {
    const line = serializedLines.get(record);
    if (line !== undefined) return line;
  }
  return recordJson(record);
}
