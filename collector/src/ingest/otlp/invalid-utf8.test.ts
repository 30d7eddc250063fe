import protobuf from 'protobufjs/minimal.js';
import type { Writer } from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { aSequenceB, ILL_FORMED_UTF8 } from '../../../../test/helpers/ill-formed-utf8.js';
import { OTEL_TRACES } from '../../store/schema/otel-traces.js';
import { encodeRows } from '../../store/schema/TableDefinition.js';
import { decodeLogsRequest, decodeTraceRequest, transcodeTracesProtobuf } from './index.js';

// OTLP `string` fields holding ill-formed UTF-8 (see ingest/utf8-text.ts): the record is kept and
// each ill-formed subsequence becomes U+FFFD, in every string column, on both span paths (the
// RowBinary transcoder and the row decoder, byte for byte), in logs, and in OTLP/JSON.

const w = () => protobuf.Writer.create();
const LEN = 2;
const tag = (field: number, wireType: number) => (field << 3) | wireType;
const bytesField = (writer: Writer, field: number, value: Uint8Array) => writer.uint32(tag(field, LEN)).bytes(value);
const fixed64 = (writer: Writer, field: number, value: bigint) =>
  writer.uint32(tag(field, 1)).fixed32(Number(value & 0xffffffffn)).fixed32(Number(value >> 32n));

/** A `KeyValue` with a string value, key and value given as bytes. */
const keyValue = (key: Uint8Array, value: Uint8Array) => bytesField(bytesField(w(), 1, key), 2, bytesField(w(), 1, value).finish()).finish();
const ascii = (s: string) => Buffer.from(s, 'ascii');

const START = BigInt(Date.now() - 60_000) * 1_000_000n;

/**
 * One span whose every string field holds `bad` (`a`, the ill-formed bytes, `b`): trace state,
 * name, an attribute value, status message, an event's name and attribute, a link's trace state
 * and attribute, the resource's service.name and the scope's name and version; with `badKey`, an
 * attribute key too (a key that is not ASCII takes the row decoder).
 */
function spanBody(bad: Uint8Array, badKey: boolean): Uint8Array {
  const span = w();
  bytesField(span, 1, new Uint8Array(16).fill(7));
  bytesField(span, 2, new Uint8Array(8).fill(8));
  bytesField(span, 3, bad);
  bytesField(span, 5, bad);
  span.uint32(tag(6, 0)).int32(2);
  fixed64(span, 7, START);
  fixed64(span, 8, START + 5_000_000n);
  bytesField(span, 9, keyValue(ascii('model.name'), bad));
  if (badKey) bytesField(span, 9, keyValue(bad, ascii('value')));
  const event = w();
  fixed64(event, 1, START + 1_000n);
  bytesField(event, 2, bad);
  bytesField(event, 3, keyValue(ascii('e'), bad));
  bytesField(span, 11, event.finish());
  const link = w();
  bytesField(link, 1, new Uint8Array(16).fill(9));
  bytesField(link, 2, new Uint8Array(8).fill(9));
  bytesField(link, 3, bad);
  bytesField(link, 4, keyValue(ascii('l'), bad));
  bytesField(span, 13, link.finish());
  bytesField(span, 15, bytesField(w(), 2, bad).uint32(tag(3, 0)).int32(2).finish());
  const scope = bytesField(bytesField(w(), 1, bad), 2, bad).finish();
  const scopeSpans = bytesField(bytesField(w(), 1, scope), 2, span.finish()).finish();
  const resource = bytesField(w(), 1, keyValue(ascii('service.name'), bad)).finish();
  const resourceSpans = bytesField(bytesField(w(), 1, resource), 2, scopeSpans).finish();
  return bytesField(w(), 1, resourceSpans).finish();
}

/** One log record whose severity text, body, an attribute and event name hold `bad`, and a prediction event whose model does. */
function logsBody(bad: Uint8Array): Uint8Array {
  const record = w();
  fixed64(record, 1, START);
  bytesField(record, 3, bad);
  bytesField(record, 5, bytesField(w(), 1, bad).finish());
  bytesField(record, 6, keyValue(ascii('k'), bad));
  bytesField(record, 12, bad);
  const prediction = w();
  fixed64(prediction, 1, START);
  const kvlist = w();
  bytesField(kvlist, 1, keyValue(ascii('predictionId'), ascii('p-utf8')));
  bytesField(kvlist, 1, keyValue(ascii('model'), bad));
  bytesField(prediction, 5, bytesField(w(), 6, kvlist.finish()).finish());
  bytesField(prediction, 12, ascii('inferlens.prediction'));
  const scopeLogs = bytesField(bytesField(w(), 2, record.finish()), 2, prediction.finish()).finish();
  return bytesField(w(), 1, bytesField(w(), 2, scopeLogs).finish()).finish();
}

describe('OTLP protobuf spans with ill-formed UTF-8', () => {
  it.each(ILL_FORMED_UTF8)('keeps the span and stores $what as U+FFFD in every string column, the same bytes on both paths', ({ sequence, text }) => {
    for (const badKey of [false, true]) {
      const body = spanBody(aSequenceB(sequence), badKey);
      const decoded = decodeTraceRequest(body, 'protobuf', 'p');
      expect(decoded).toMatchObject({ rejected: 0, errors: [] });
      expect(decoded.spans).toHaveLength(1);
      const row = decoded.spans[0]!;
      expect([row.TraceState, row.SpanName, row.StatusMessage, row.ServiceName, row.ScopeName, row.ScopeVersion]).toEqual(Array(6).fill(text));
      expect(row.SpanAttributes).toEqual(badKey ? { 'model.name': text, [text]: 'value' } : { 'model.name': text });
      expect(row.ResourceAttributes).toEqual({ 'service.name': text });
      expect([row.EventsName, row.EventsAttributes, row.LinksTraceState, row.LinksAttributes]).toEqual([[text], [{ e: text }], [text], [{ l: text }]]);

      const transcoded = transcodeTracesProtobuf(body, 'p');
      expect(transcoded).toMatchObject({ count: 1, rejected: 0, errors: [] });
      // The transcoder replaces on its own fast path; only the non-ASCII key sends it to the row decoder.
      expect(transcoded.slowSpans).toBe(badKey ? 1 : 0);
      expect(Buffer.from(transcoded.rows).equals(encodeRows(OTEL_TRACES, decoded.spans))).toBe(true);
    }
  });
});

describe('OTLP logs with ill-formed UTF-8', () => {
  it.each(ILL_FORMED_UTF8)('keeps the records and reads $what as U+FFFD (protobuf)', ({ sequence, text }) => {
    const decoded = decodeLogsRequest(logsBody(aSequenceB(sequence)), 'protobuf', 'p');
    expect(decoded).toMatchObject({ rejected: 0, errors: [] });
    const [log, prediction] = decoded.logs;
    expect(log!.row).toMatchObject({ SeverityText: text, Body: text, LogAttributes: { k: text }, EventName: text });
    expect(prediction!.eventName).toBe('inferlens.prediction');
    expect(prediction!.body).toEqual({ predictionId: 'p-utf8', model: text });
  });

  it('reads ill-formed UTF-8 in an OTLP/JSON string as U+FFFD too, and keeps the JSON around it', () => {
    for (const { sequence, text } of ILL_FORMED_UTF8) {
      const body = Buffer.concat([
        Buffer.from(`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"${START}","body":{"stringValue":"`),
        aSequenceB(sequence),
        Buffer.from('"}}]}]}]}'),
      ]);
      const decoded = decodeLogsRequest(body, 'json', 'p');
      expect(decoded.logs.map((l) => l.row.Body)).toEqual([text]);
    }
  });
});
