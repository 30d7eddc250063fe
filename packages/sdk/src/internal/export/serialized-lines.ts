/**
 * The JSON line of a record, kept from the moment the batch processor
 * measured it (it must serialize each record once to enforce the byte
 * bounds) until the HTTP exporter sends it, so that a record is serialized
 * once, not twice. A WeakMap: a record that leaves the queue in any other
 * way (a custom exporter, a drop) takes its line with it. The exporter
 * writes a record without one itself (`RecordSerializer`).
 */
export const serializedLines = new WeakMap<object, string>();
