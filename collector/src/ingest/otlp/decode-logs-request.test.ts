import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import type { HrTime } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { AnyValue, AnyValueMap, LogRecord } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import type { LogRow } from '../../store/schema/otel-logs.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { decodeLogsRequest, OtlpDecodeError } from './index.js';
import type { DecodedLogsRequest } from './index.js';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

function protobufBody(records: ReadableLogRecord[]): Uint8Array {
  const body = ProtobufLogsSerializer.serializeRequest(records);
  if (body === undefined) throw new Error('serializer returned nothing');
  return body;
}

function jsonBody(records: ReadableLogRecord[]): Uint8Array {
  const body = JsonLogsSerializer.serializeRequest(records);
  if (body === undefined) throw new Error('serializer returned nothing');
  return body;
}

function encodeJson(doc: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** Emits records through a real LoggerProvider and returns what its exporter received. */
function emitLogs(records: LogRecord[]): ReadableLogRecord[] {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes(
      { 'service.name': 'recommender', 'service.version': '2.0.0', 'process.pid': 4242 },
      { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' },
    ),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('inferlens-sdk', '0.1.0', {
    schemaUrl: 'https://example.com/scope-schema',
    attributes: { 'scope.attr': 'yes', 'scope.count': 3 },
  });
  for (const record of records) logger.emit(record);
  return exporter.getFinishedLogRecords();
}

const inSpan = trace.setSpanContext(ROOT_CONTEXT, { traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED });

const PREDICTION: LogRecord = {
  eventName: 'inferlens.prediction',
  timestamp: [1700000000, 123456789],
  observedTimestamp: [1700000001, 1],
  severityNumber: SeverityNumber.INFO,
  severityText: 'INFO',
  body: {
    predictionId: 'p-1',
    model: 'churn',
    features: { tenure: 12.5, age: 41, plan: 'pro<x>' },
    tags: ['a', 'b'],
    ok: true,
    raw: new Uint8Array([1, 2, 3]),
    nothing: null,
  },
  attributes: {
    'inferlens.project': 'default',
    count: 3,
    ratio: 0.5,
    flag: false,
    list: [1, 'x'],
    nested: { n: 2, k: 'v' },
    bytes: new Uint8Array([255]),
  },
  context: inSpan,
};

const PREDICTION_ROW: LogRow = {
  Timestamp: '1700000000.123456789',
  TraceId: TRACE_ID,
  SpanId: SPAN_ID,
  TraceFlags: 1,
  SeverityText: 'INFO',
  SeverityNumber: 9,
  ServiceName: 'recommender',
  Body: '{"features":{"age":41,"plan":"pro\\u003cx\\u003e","tenure":12.5},"model":"churn","nothing":null,"ok":true,"predictionId":"p-1","raw":"AQID","tags":["a","b"]}',
  ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  ResourceAttributes: { 'service.name': 'recommender', 'service.version': '2.0.0', 'process.pid': '4242' },
  ScopeSchemaUrl: 'https://example.com/scope-schema',
  ScopeName: 'inferlens-sdk',
  ScopeVersion: '0.1.0',
  ScopeAttributes: { 'scope.attr': 'yes', 'scope.count': '3' },
  LogAttributes: {
    'inferlens.project': 'default',
    count: '3',
    ratio: '0.5',
    flag: 'false',
    list: '[1,"x"]',
    nested: '{"k":"v","n":2}',
    bytes: '/w==',
  },
  EventName: 'inferlens.prediction',
  Project: 'proj-b',
};

function bodyCase(body: AnyValue, at: HrTime = [1700000010, 0]): LogRecord {
  return { body, timestamp: at, observedTimestamp: at };
}

function both(records: ReadableLogRecord[], project = 'proj-b'): DecodedLogsRequest[] {
  return [decodeLogsRequest(protobufBody(records), 'protobuf', project), decodeLogsRequest(jsonBody(records), 'json', project)];
}

describe('decodeLogsRequest on the official OTLP serializers', () => {
  it('maps a prediction event field by field, from protobuf and from JSON', () => {
    for (const result of both(emitLogs([PREDICTION]))) {
      expect(result.rejected).toBe(0);
      expect(result.errors).toEqual([]);
      expect(result.logs).toHaveLength(1);
      const [log] = result.logs;
      expect(log!.row).toEqual(PREDICTION_ROW);
      expect(log!.eventName).toBe('inferlens.prediction');
      expect(log!.body).toEqual({
        predictionId: 'p-1',
        model: 'churn',
        features: { tenure: 12.5, age: 41, plan: 'pro<x>' },
        tags: ['a', 'b'],
        ok: true,
        raw: 'AQID',
        nothing: null,
      });
      expect(log!.attributes).toEqual({
        'inferlens.project': 'default',
        count: 3,
        ratio: 0.5,
        flag: false,
        list: [1, 'x'],
        nested: { n: 2, k: 'v' },
        bytes: '/w==',
      });
    }
  });

  it('converts every body type to plain JS and to the Body column', () => {
    const cases: [AnyValue, unknown, string][] = [
      ['plain text <b>', 'plain text <b>', 'plain text <b>'],
      ['', '', ''],
      [42, 42, '42'],
      [-7, -7, '-7'],
      [2 ** 60, '1152921504606846976', '1152921504606846976'],
      [2.5, 2.5, '2.5'],
      [false, false, 'false'],
      [new Uint8Array([0, 255, 16]), 'AP8Q', 'AP8Q'],
      [['x', 1, { y: null }], ['x', 1, { y: null }], '["x",1,{"y":null}]'],
      [{}, {}, '{}'],
      [undefined, null, ''],
    ];
    const records = emitLogs(cases.map(([body]) => bodyCase(body)));
    for (const result of both(records)) {
      expect(result.logs.map((l) => [l.body, l.row.Body])).toEqual(cases.map(([, plain, text]) => [plain, text]));
    }
  });

  it('uses the observed time when the time is 0, and event.name when event_name is empty', () => {
    const records = emitLogs([
      { body: 'no time', timestamp: [0, 0], observedTimestamp: [1700000005, 5] },
      { body: 'fallback', timestamp: [1700000006, 6], attributes: { 'event.name': 'inferlens.feedback' } },
      { body: 'both', eventName: 'from.field', timestamp: [1700000007, 7], attributes: { 'event.name': 'from.attribute' } },
      { body: 'none', timestamp: [1700000008, 8] },
    ]);
    for (const result of both(records)) {
      expect(result.logs.map((l) => [l.row.Body, l.row.Timestamp, l.eventName, l.row.EventName])).toEqual([
        ['no time', '1700000005.000000005', '', ''],
        ['fallback', '1700000006.000000006', 'inferlens.feedback', 'inferlens.feedback'],
        ['both', '1700000007.000000007', 'from.field', 'from.field'],
        ['none', '1700000008.000000008', '', ''],
      ]);
      expect(result.logs[3]!.row).toMatchObject({ TraceId: '', SpanId: '', TraceFlags: 0, SeverityNumber: 0, SeverityText: '' });
    }
  });

  it('shares frozen resource and scope attribute maps among the rows', () => {
    const [a, b] = decodeLogsRequest(protobufBody(emitLogs([bodyCase('a'), bodyCase('b')])), 'protobuf', 'p').logs;
    expect(a!.row.ResourceAttributes).toBe(b!.row.ResourceAttributes);
    expect(a!.row.ScopeAttributes).toBe(b!.row.ScopeAttributes);
    expect(Object.isFrozen(a!.row.ResourceAttributes)).toBe(true);
    expect(Object.isFrozen(a!.row.ScopeAttributes)).toBe(true);
    expect(Object.isFrozen(a!.row.LogAttributes)).toBe(false);
  });
});

describe('decodeLogsRequest rejects single invalid records and keeps the rest', () => {
  /** A record as the SDK would export it, with a span context of our choosing. */
  function withIds(template: ReadableLogRecord, traceId: string, spanId: string, body: string): ReadableLogRecord {
    return {
      hrTime: template.hrTime,
      hrTimeObserved: template.hrTimeObserved,
      spanContext: { traceId, spanId, traceFlags: TraceFlags.SAMPLED },
      body,
      resource: template.resource,
      instrumentationScope: template.instrumentationScope,
      attributes: {},
      droppedAttributesCount: 0,
    };
  }

  it('in protobuf and JSON', () => {
    const [template] = emitLogs([bodyCase('template')]);
    const records = [
      withIds(template!, TRACE_ID, SPAN_ID, 'ok-1'),
      withIds(template!, 'abcd', SPAN_ID, 'short-trace-id'),
      withIds(template!, TRACE_ID, 'ab', 'short-span-id'),
      withIds(template!, '0'.repeat(32), '0'.repeat(16), 'zero-ids'),
      withIds(template!, TRACE_ID, SPAN_ID, 'ok-2'),
    ];
    const [fromProtobuf, fromJson] = both(records);
    for (const result of [fromProtobuf!, fromJson!]) {
      expect(result.logs.map((l) => [l.body, l.row.TraceId, l.row.SpanId])).toEqual([
        ['ok-1', TRACE_ID, SPAN_ID],
        ['zero-ids', '', ''],
        ['ok-2', TRACE_ID, SPAN_ID],
      ]);
      expect(result.rejected).toBe(2);
    }
    expect(fromProtobuf!.errors).toEqual([
      'resourceLogs[0].scopeLogs[0].logRecords[1].traceId: expected 16 bytes or none, got 2',
      'resourceLogs[0].scopeLogs[0].logRecords[2].spanId: expected 8 bytes or none, got 1',
    ]);
    expect(fromJson!.errors).toEqual([
      'resourceLogs[0].scopeLogs[0].logRecords[1].traceId: expected 32 hex chars or none, got "abcd"',
      'resourceLogs[0].scopeLogs[0].logRecords[2].spanId: expected 16 hex chars or none, got "ab"',
    ]);
  });

  it('for a time or an observed time at or above 2^63 ns, or outside the event-time bounds, naming the field and the bound', () => {
    const [template] = emitLogs([bodyCase('template')]);
    const withTimes = (body: string, time: HrTime, observed: HrTime): ReadableLogRecord => ({
      ...withIds(template!, TRACE_ID, SPAN_ID, body),
      hrTime: time,
      hrTimeObserved: observed,
    });
    const NOW: HrTime = [1_900_000_000, 0]; // 2030-03-17T17:46:40Z
    const bounds = EventTimeBounds.around(1_900_000_000_000_000_000n, { maxEventAgeSeconds: 3600, maxEventAheadSeconds: 60 });
    const records = [
      withTimes('ok', [1_899_996_400, 0], NOW),
      withTimes('observed-only', [0, 0], [1_900_000_060, 0]),
      withTimes('beyond-2^63', [9223372036, 854775808], NOW),
      withTimes('observed-beyond-2^63', NOW, [18446744073, 709551615]),
      withTimes('too-old', [1_899_996_399, 999999999], NOW),
      withTimes('observed-too-new', NOW, [1_900_000_060, 1]),
      withTimes('no-time', [0, 0], [0, 0]),
    ];
    const path = (i: number) => `resourceLogs[0].scopeLogs[0].logRecords[${i}]`;
    const latest = 'beyond the latest time the store holds (2^63 - 1 ns, 2262-04-11T23:47:16.854775807Z)';
    for (const encoding of ['protobuf', 'json'] as const) {
      const body = encoding === 'protobuf' ? protobufBody(records) : jsonBody(records);
      // Without bounds: the store's range only, and a record without any time is kept (at the epoch).
      const plain = decodeLogsRequest(body, encoding, 'p');
      expect(plain.logs.map((l) => [l.body, l.row.Timestamp]), encoding).toEqual([
        ['ok', '1899996400.000000000'],
        ['observed-only', '1900000060.000000000'],
        ['too-old', '1899996399.999999999'],
        ['observed-too-new', '1900000000.000000000'],
        ['no-time', '0.000000000'],
      ]);
      expect(plain.errors).toEqual([
        `${path(2)}.timeUnixNano: 9223372036854775808 ns is ${latest}`,
        `${path(3)}.observedTimeUnixNano: 18446744073709551615 ns is ${latest}`,
      ]);
      // With bounds; a record with no time at all is left for the receiver to time (when it observed it).
      const bounded = decodeLogsRequest(body, encoding, 'p', bounds);
      expect(bounded.logs.map((l) => [l.body, l.row.Timestamp]), encoding).toEqual([
        ['ok', '1899996400.000000000'],
        ['observed-only', '1900000060.000000000'],
        ['no-time', '0.000000000'],
      ]);
      expect(bounded.rejected).toBe(4);
      expect(bounded.errors.slice(2)).toEqual([
        `${path(4)}.timeUnixNano: 2030-03-17T16:46:39.999999999Z is older than limits.maxEventAgeSeconds allows (3600 s before the collector's clock: 2030-03-17T16:46:40.000Z)`,
        `${path(5)}.observedTimeUnixNano: 2030-03-17T17:47:40.000000001Z is further ahead than limits.maxEventAheadSeconds allows (60 s after the collector's clock: 2030-03-17T17:47:40.000Z)`,
      ]);
    }
  });

  it('in JSON, for fields of the wrong type', () => {
    const doc = JSON.parse(new TextDecoder().decode(jsonBody(emitLogs([bodyCase('ok')]))));
    const list = doc.resourceLogs[0].scopeLogs[0].logRecords;
    const ok = list[0];
    list.push({ ...ok, body: { kvlistValue: { values: [{ key: 'k', value: { boolValue: 'yes' } }] } } });
    list.push({ ...ok, severityNumber: 'LOUD' });
    list.push({ ...ok, eventName: ['inferlens.prediction'] });
    list.push({ ...ok, flags: -1 });
    const result = decodeLogsRequest(encodeJson(doc), 'json', 'p');
    expect(result.logs.map((l) => l.body)).toEqual(['ok']);
    const at = 'resourceLogs[0].scopeLogs[0].logRecords';
    expect(result.errors).toEqual([
      `${at}[1].body.kvlistValue.values[0].value.boolValue: expected a boolean, got "yes"`,
      `${at}[2].severityNumber: expected an enum value (integer or name), got "LOUD"`,
      `${at}[3].eventName: expected a string, got array`,
      `${at}[4].flags: expected an unsigned 32-bit integer, got number -1`,
    ]);
  });
});

const w = () => protobuf.Writer.create();
type Writer = ReturnType<typeof w>;
const LEN = 2;
const tag = (field: number, wireType: number) => (field << 3) | wireType;

function fixed64(writer: Writer, value: bigint): Writer {
  return writer.fixed32(Number(value & 0xffffffffn)).fixed32(Number(value >> 32n));
}

function int64(writer: Writer, value: bigint): Writer {
  const bits = { low: Number(BigInt.asIntN(32, value)), high: Number(BigInt.asIntN(32, value >> 32n)), unsigned: false };
  return writer.int64(bits as unknown as number);
}

function anyInt(value: bigint): Uint8Array {
  return int64(w().uint32(tag(3, 0)), value).finish();
}

function anyString(value: string): Uint8Array {
  return w().uint32(tag(1, LEN)).string(value).finish();
}

function keyValue(key: string, value: Uint8Array): Uint8Array {
  return w().uint32(tag(1, LEN)).string(key).uint32(tag(2, LEN)).bytes(value).finish();
}

function kvlist(...pairs: Uint8Array[]): Uint8Array {
  const list = w();
  for (const kv of pairs) list.uint32(tag(1, LEN)).bytes(kv);
  return w().uint32(tag(6, LEN)).bytes(list.finish()).finish();
}

function logsRequest(records: Uint8Array[]): Uint8Array {
  const scopeLogs = w();
  for (const r of records) scopeLogs.uint32(tag(2, LEN)).bytes(r);
  scopeLogs.uint32(tag(1, LEN)).bytes(w().uint32(tag(1, LEN)).string('hand-scope').finish());
  const resourceLogs = w().uint32(tag(2, LEN)).bytes(scopeLogs.finish());
  return w().uint32(tag(1, LEN)).bytes(resourceLogs.finish()).finish();
}

describe('decodeLogsRequest on hand-made protobuf', () => {
  it('keeps int64 exact, resolves duplicate keys last-wins, masks flags and severity, and skips unknown fields', () => {
    const record = w();
    record.uint32(tag(99, 0)).uint32(1);
    fixed64(record.uint32(tag(1, 1)), 9223372036854775807n);
    record.uint32(tag(2, 0)).uint32(300);
    record.uint32(tag(8, 5)).fixed32(0x301);
    record.uint32(tag(9, LEN)).bytes(Buffer.from(TRACE_ID, 'hex'));
    record.uint32(tag(12, LEN)).string('inferlens.prediction');
    record
      .uint32(tag(5, LEN))
      .bytes(
        kvlist(
          keyValue('max', anyInt(9223372036854775807n)),
          keyValue('min', anyInt(-9223372036854775808n)),
          keyValue('safe', anyInt(-9007199254740991n)),
          keyValue('dup', anyString('first')),
          keyValue('dup', anyString('second')),
        ),
      );
    record.uint32(tag(6, LEN)).bytes(keyValue('n', anyInt(9007199254740993n)));
    record.uint32(tag(98, LEN)).string('future field');
    const result = decodeLogsRequest(logsRequest([record.finish()]), 'protobuf', 'p');
    expect(result.rejected).toBe(0);
    const [log] = result.logs;
    expect(log!.body).toEqual({ max: '9223372036854775807', min: '-9223372036854775808', safe: -9007199254740991, dup: 'second' });
    expect(log!.row.Body).toBe('{"dup":"second","max":9223372036854775807,"min":-9223372036854775808,"safe":-9007199254740991}');
    expect(log!.attributes).toEqual({ n: '9007199254740993' });
    expect(log!.row.LogAttributes).toEqual({ n: '9007199254740993' });
    expect(log!.row).toMatchObject({
      Timestamp: '9223372036.854775807',
      TraceId: TRACE_ID,
      SpanId: '',
      TraceFlags: 1,
      SeverityNumber: 44,
      ScopeName: 'hand-scope',
      ServiceName: '',
      EventName: 'inferlens.prediction',
    });
  });

  it('refuses a body nested deeper than 128 levels', () => {
    let value = anyString('leaf');
    for (let i = 0; i < 200; i++) value = w().uint32(tag(5, LEN)).bytes(w().uint32(tag(1, LEN)).bytes(value).finish()).finish();
    const record = w().uint32(tag(5, LEN)).bytes(value).finish();
    expect(() => decodeLogsRequest(logsRequest([record]), 'protobuf', 'p')).toThrow(
      /^protobuf: AnyValue nested deeper than 128 levels at byte \d+$/,
    );
  });

  it('throws a located OtlpDecodeError for every truncation of a valid body', () => {
    const body = protobufBody(emitLogs([PREDICTION, bodyCase('second')]));
    for (let n = 1; n < body.length; n++) {
      let error: unknown;
      try {
        decodeLogsRequest(body.subarray(0, n), 'protobuf', 'p');
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(OtlpDecodeError);
      expect((error as Error).message).toMatch(/^protobuf: truncated field at byte \d+/);
    }
  });
});

describe('decodeLogsRequest on OTLP/JSON variants and malformed JSON', () => {
  it('accepts severity names, string flags, numeric timestamps and string int64 bodies', () => {
    const doc = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }] },
          schemaUrl: 'https://r',
          scopeLogs: [
            {
              scope: { name: 's', attributes: [{ key: 'a', value: { boolValue: true } }] },
              schemaUrl: 'https://s',
              logRecords: [
                {
                  timeUnixNano: 1700000000000000,
                  severityNumber: 'SEVERITY_NUMBER_ERROR',
                  flags: '257',
                  traceId: TRACE_ID.toUpperCase(),
                  body: { intValue: '-9223372036854775808' },
                  eventName: 'e',
                },
              ],
            },
          ],
        },
      ],
    };
    const [log] = decodeLogsRequest(encodeJson(doc), 'json', 'p').logs;
    expect(log!.body).toBe('-9223372036854775808');
    expect(log!.row).toEqual({
      Timestamp: '1700000.000000000',
      TraceId: TRACE_ID,
      SpanId: '',
      TraceFlags: 1,
      SeverityText: '',
      SeverityNumber: 17,
      ServiceName: 'json-svc',
      Body: '-9223372036854775808',
      ResourceSchemaUrl: 'https://r',
      ResourceAttributes: { 'service.name': 'json-svc' },
      ScopeSchemaUrl: 'https://s',
      ScopeName: 's',
      ScopeVersion: '',
      ScopeAttributes: { a: 'true' },
      LogAttributes: {},
      EventName: 'e',
      Project: 'p',
    });
  });

  it('never fails with anything but OtlpDecodeError when any JSON value is replaced by a value of another type', () => {
    const replacements: unknown[] = [null, 0, -1, 1.5, 1e300, '', 'x', '9'.repeat(30), true, [], [1], {}, { a: 1 }];
    const original = JSON.parse(new TextDecoder().decode(jsonBody(emitLogs([PREDICTION, bodyCase(['x', { y: 1 }])]))));
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      if (path.length > 0) paths.push(path);
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
    };
    walk(original, []);
    let rejectedSome = false;
    // Every path with every replacement: small enough to be exhaustive.
    for (const path of paths) {
      for (const replacement of replacements) {
        const doc = structuredClone(original);
        let parent = doc;
        for (const k of path.slice(0, -1)) parent = parent[k];
        parent[path[path.length - 1]!] = replacement;
        try {
          rejectedSome ||= decodeLogsRequest(encodeJson(doc), 'json', 'p').rejected > 0;
        } catch (err) {
          expect(err).toBeInstanceOf(OtlpDecodeError);
        }
      }
    }
    expect(rejectedSome).toBe(true);
  });

  it('refuses invalid JSON and documents that are not export requests', () => {
    const message = (text: string) => {
      try {
        decodeLogsRequest(new TextEncoder().encode(text), 'json', 'p');
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        return (err as Error).message;
      }
      throw new Error('decoded');
    };
    expect(message('{"resourceLogs": [}')).toMatch(/^json: invalid JSON: /);
    expect(message('null')).toBe('json: expected an ExportLogsServiceRequest object at the top level, got null');
    expect(message('{"resourceLogs": [{"scopeLogs": "x"}]}')).toBe('json: resourceLogs[0].scopeLogs: expected an array, got "x"');
    expect(message('{"resourceLogs": [{"scopeLogs": [{"schemaUrl": 5}]}]}')).toBe(
      'json: resourceLogs[0].scopeLogs[0].schemaUrl: expected a string, got number 5',
    );
  });
});
