import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, HrTime, Link } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import type { SpanRow } from '../../store/schema/otel-traces.js';
import { BadRequestError } from '../../errors.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { decodeTraceRequest, OtlpDecodeError } from './index.js';
import { random } from '../../../../test/helpers/random.js';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const REMOTE_PARENT_ID = 'b7ad6b7169203331';
const LINK_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const LINK_SPAN_ID = '00f067aa0ba902b7';

function protobufBody(spans: ReadableSpan[]): Uint8Array {
  const body = ProtobufTraceSerializer.serializeRequest(spans);
  if (body === undefined) throw new Error('serializer returned nothing');
  return body;
}

function jsonBody(spans: ReadableSpan[]): Uint8Array {
  const body = JsonTraceSerializer.serializeRequest(spans);
  if (body === undefined) throw new Error('serializer returned nothing');
  return body;
}

function jsonDoc(spans: ReadableSpan[]): any {
  return JSON.parse(new TextDecoder().decode(jsonBody(spans)));
}

function encodeJson(doc: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(doc));
}

/** Real spans from the SDK: a server span under a remote parent, a client child with a link, and one of each other kind. */
function sdkSpans(): ReadableSpan[] {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout',
      'service.version': '1.4.2',
      'host.cpu.count': 8,
      'deployment.canary': true,
    }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('inferlens-test', '0.3.1', { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' });
  const remote = trace.setSpanContext(context.active(), {
    traceId: TRACE_ID,
    spanId: REMOTE_PARENT_ID,
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
  });
  const server = tracer.startSpan(
    'POST /predict',
    {
      kind: SpanKind.SERVER,
      startTime: [1700000000, 123456789],
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'model.score': 0.875,
        'cache.hit': false,
        'request.tags': ['fast', 'a<b&c>'],
        'request.codes': [1, 2, 3],
        'request.weights': [0.5, 1.25],
        'request.flags': [true, false],
        'offset': -42,
        'big.int': 2 ** 53 + 2,
        'tiny': 1e-7,
        'huge': 1e21,
        'integral.double': 3.0,
      },
    },
    remote,
  );
  server.addEvent('cache.miss', { 'cache.key': 'user:42', attempt: 2 }, [1700000000, 200000001]);
  server.addEvent('no.attributes', undefined, [1700000000, 999999999]);
  server.setStatus({ code: SpanStatusCode.ERROR, message: 'model timeout' });

  const link: Link = {
    context: {
      traceId: LINK_TRACE_ID,
      spanId: LINK_SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      traceState: new TraceState('vendor=opaque'),
    },
    attributes: { 'link.reason': 'batch', 'link.size': 16 },
  };
  const client = tracer.startSpan(
    'model.infer',
    { kind: SpanKind.CLIENT, startTime: [1700000000, 300000000], links: [link] },
    trace.setSpan(context.active(), server),
  );
  client.setStatus({ code: SpanStatusCode.OK });
  client.end([1700000001, 5]);
  server.end([1700000002, 0]);

  for (const kind of [SpanKind.INTERNAL, SpanKind.PRODUCER, SpanKind.CONSUMER]) {
    tracer.startSpan(`kind-${kind}`, { kind, startTime: [1700000100, 0] }).end([1700000100, 1]);
  }
  return exporter.getFinishedSpans();
}

const CUSTOM_RESOURCE = resourceFromAttributes({ 'service.name': 'custom-service' });
const CUSTOM_SCOPE = { name: 'custom-scope', version: '9.9.9' };

/** A hand-built ReadableSpan, for what the SDK would not produce (bad ids, kvlist and bytes attributes, odd times). */
function customSpan(over: {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  name?: string;
  start?: HrTime;
  end?: HrTime;
  attributes?: Record<string, unknown>;
  links?: Link[];
  events?: Array<{ name: string; time: HrTime }>;
  resource?: Resource;
}): ReadableSpan {
  const traceId = over.traceId ?? TRACE_ID;
  const spanId = over.spanId ?? '1111111111111111';
  return {
    name: over.name ?? 'custom',
    kind: SpanKind.INTERNAL,
    spanContext: () => ({ traceId, spanId, traceFlags: TraceFlags.SAMPLED }),
    parentSpanContext:
      over.parentSpanId === undefined ? undefined : { traceId, spanId: over.parentSpanId, traceFlags: TraceFlags.SAMPLED },
    startTime: over.start ?? [1700000000, 0],
    endTime: over.end ?? [1700000000, 1000],
    status: { code: SpanStatusCode.UNSET },
    attributes: (over.attributes ?? {}) as Attributes,
    links: over.links ?? [],
    events: (over.events ?? []).map((e) => ({ ...e, attributes: {}, droppedAttributesCount: 0 })),
    duration: [0, 0],
    ended: true,
    resource: over.resource ?? CUSTOM_RESOURCE,
    instrumentationScope: CUSTOM_SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

const SERVER_ROW: SpanRow = {
  Timestamp: '1700000000.123456789',
  TraceId: TRACE_ID,
  SpanId: expect.stringMatching(/^[0-9a-f]{16}$/) as unknown as string,
  ParentSpanId: REMOTE_PARENT_ID,
  TraceState: 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7',
  SpanName: 'POST /predict',
  SpanKind: 'Server',
  ServiceName: 'checkout',
  ResourceAttributes: {
    'service.name': 'checkout',
    'service.version': '1.4.2',
    'host.cpu.count': '8',
    'deployment.canary': 'true',
  },
  ScopeName: 'inferlens-test',
  ScopeVersion: '0.3.1',
  SpanAttributes: {
    'http.request.method': 'POST',
    'http.response.status_code': '200',
    'model.score': '0.875',
    'cache.hit': 'false',
    'request.tags': '["fast","a\\u003cb\\u0026c\\u003e"]',
    'request.codes': '[1,2,3]',
    'request.weights': '[0.5,1.25]',
    'request.flags': '[true,false]',
    offset: '-42',
    'big.int': '9007199254740994',
    tiny: '1e-7',
    huge: '1e+21',
    'integral.double': '3',
  },
  Duration: '1876543211',
  StatusCode: 'Error',
  StatusMessage: 'model timeout',
  EventsTimestamp: ['1700000000.200000001', '1700000000.999999999'],
  EventsName: ['cache.miss', 'no.attributes'],
  EventsAttributes: [{ 'cache.key': 'user:42', attempt: '2' }, {}],
  LinksTraceId: [],
  LinksSpanId: [],
  LinksTraceState: [],
  LinksAttributes: [],
  Project: 'proj-a',
  IngestKey: '',
};

describe('decodeTraceRequest on the official OTLP serializers', () => {
  it('maps every field of real SDK spans from protobuf', () => {
    const spans = sdkSpans();
    const serverSpanId = spans.find((s) => s.name === 'POST /predict')!.spanContext().spanId;
    const clientSpanId = spans.find((s) => s.name === 'model.infer')!.spanContext().spanId;

    const result = decodeTraceRequest(protobufBody(spans), 'protobuf', 'proj-a');

    expect(result.rejected).toBe(0);
    expect(result.errors).toEqual([]);
    expect(result.spans).toHaveLength(5);
    const byName = new Map(result.spans.map((s) => [s.SpanName, s]));
    expect(byName.get('POST /predict')).toEqual({ ...SERVER_ROW, SpanId: serverSpanId });
    expect(byName.get('model.infer')).toEqual({
      ...SERVER_ROW,
      Timestamp: '1700000000.300000000',
      SpanId: clientSpanId,
      ParentSpanId: serverSpanId,
      SpanName: 'model.infer',
      SpanKind: 'Client',
      SpanAttributes: {},
      Duration: '700000005',
      StatusCode: 'Ok',
      StatusMessage: '',
      EventsTimestamp: [],
      EventsName: [],
      EventsAttributes: [],
      LinksTraceId: [LINK_TRACE_ID],
      LinksSpanId: [LINK_SPAN_ID],
      LinksTraceState: ['vendor=opaque'],
      LinksAttributes: [{ 'link.reason': 'batch', 'link.size': '16' }],
    });
    for (const [kind, name] of [
      [SpanKind.INTERNAL, 'Internal'],
      [SpanKind.PRODUCER, 'Producer'],
      [SpanKind.CONSUMER, 'Consumer'],
    ] as const) {
      const row = byName.get(`kind-${kind}`)!;
      expect(row.SpanKind).toBe(name);
      expect(row.ParentSpanId).toBe('');
      expect(row.TraceState).toBe('');
      expect(row.StatusCode).toBe('Unset');
      expect(row.Timestamp).toBe('1700000100.000000000');
      expect(row.Duration).toBe('1');
      expect(row.TraceId).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('decodes OTLP/JSON from the JSON serializer to the same rows as protobuf', () => {
    const spans = sdkSpans();
    const fromJson = decodeTraceRequest(jsonBody(spans), 'json', 'proj-a');
    const fromProtobuf = decodeTraceRequest(protobufBody(spans), 'protobuf', 'proj-a');
    expect(fromJson.rejected).toBe(0);
    expect(fromJson.spans).toHaveLength(5);
    expect(fromJson).toEqual(fromProtobuf);
  });

  it('keeps nanosecond timestamps exact over the whole range the store holds (below 2^63 ns)', () => {
    const spans = [
      customSpan({ name: 'epoch', start: [0, 0], end: [0, 1] }),
      customSpan({ name: 'small', start: [1, 5], end: [4294967295, 999999999] }),
      customSpan({ name: 'now', start: [1732000000, 987654321], end: [1732000000, 987654322] }),
      customSpan({ name: 'max', start: [9223372036, 854775806], end: [9223372036, 854775807] }),
      customSpan({ name: 'end-before-start', start: [1700000000, 500], end: [1700000000, 499] }),
      customSpan({ name: 'longest', start: [0, 0], end: [9223372036, 854775807] }),
    ];
    const expected = [
      ['epoch', '0.000000000', '1'],
      ['small', '1.000000005', '4294967294999999994'],
      ['now', '1732000000.987654321', '1'],
      ['max', '9223372036.854775806', '1'],
      ['end-before-start', '1700000000.000000500', '0'],
      ['longest', '0.000000000', '9223372036854775807'],
    ];
    for (const [encoding, body] of [
      ['protobuf', protobufBody(spans)],
      ['json', jsonBody(spans)],
    ] as const) {
      const rows = decodeTraceRequest(body, encoding, 'p').spans;
      expect(rows.map((r) => [r.SpanName, r.Timestamp, r.Duration])).toEqual(expected);
    }
  });

  it('rejects a span whose start, end or event time is at or above 2^63 ns, instead of storing it in 1677', () => {
    const spans = [
      customSpan({ name: 'ok', start: [9223372036, 854775807], events: [{ name: 'e', time: [9223372036, 854775807] }], end: [9223372036, 854775807] }),
      customSpan({ name: 'start', start: [9223372036, 854775808], end: [9223372036, 854775809] }),
      customSpan({ name: 'end', start: [1700000000, 0], end: [18446744073, 709551615] }),
      customSpan({ name: 'event', start: [1700000000, 0], events: [{ name: 'ok', time: [1700000000, 1] }, { name: 'far', time: [9300000000, 0] }], end: [1700000001, 0] }),
    ];
    for (const [encoding, body] of [
      ['protobuf', protobufBody(spans)],
      ['json', jsonBody(spans)],
    ] as const) {
      const result = decodeTraceRequest(body, encoding, 'p');
      expect(result.spans.map((r) => r.SpanName), encoding).toEqual(['ok']);
      expect(result.rejected).toBe(3);
      const latest = 'beyond the latest time the store holds (2^63 - 1 ns, 2262-04-11T23:47:16.854775807Z)';
      expect(result.errors).toEqual([
        `resourceSpans[0].scopeSpans[0].spans[1].startTimeUnixNano: 9223372036854775808 ns is ${latest}`,
        `resourceSpans[0].scopeSpans[0].spans[2].endTimeUnixNano: 18446744073709551615 ns is ${latest}`,
        `resourceSpans[0].scopeSpans[0].spans[3].events[1].timeUnixNano: 9300000000000000000 ns is ${latest}`,
      ]);
    }
  });

  it('rejects a span with a time outside the event-time bounds, naming the field and the bound; an end or event time of 0 is none', () => {
    const now = 1_900_000_000_000_000_000n; // 2030-03-17T17:46:40Z
    const bounds = EventTimeBounds.around(now, { maxEventAgeSeconds: 86_400, maxEventAheadSeconds: 60 });
    const at = (ns: bigint): HrTime => [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
    const day = 86_400_000_000_000n;
    const spans = [
      customSpan({ name: 'oldest', start: at(now - day), end: at(now + 60_000_000_000n), events: [{ name: 'zero', time: [0, 0] }] }),
      customSpan({ name: 'no-end', start: at(now), end: [0, 0] }),
      customSpan({ name: 'too-old', start: at(now - day - 1n), end: at(now) }),
      customSpan({ name: 'too-new', start: at(now), end: at(now + 60_000_000_001n) }),
      customSpan({ name: 'event', start: at(now), end: at(now), events: [{ name: 'late', time: at(now + 3_600_000_000_000n) }] }),
    ];
    for (const [encoding, body] of [
      ['protobuf', protobufBody(spans)],
      ['json', jsonBody(spans)],
    ] as const) {
      const result = decodeTraceRequest(body, encoding, 'p', bounds);
      expect(result.spans.map((r) => r.SpanName), encoding).toEqual(['oldest', 'no-end']);
      expect(result.errors).toEqual([
        'resourceSpans[0].scopeSpans[0].spans[2].startTimeUnixNano: 2030-03-16T17:46:39.999999999Z is older than limits.maxEventAgeSeconds allows (86400 s before the collector\'s clock: 2030-03-16T17:46:40.000Z)',
        'resourceSpans[0].scopeSpans[0].spans[3].endTimeUnixNano: 2030-03-17T17:47:40.000000001Z is further ahead than limits.maxEventAheadSeconds allows (60 s after the collector\'s clock: 2030-03-17T17:47:40.000Z)',
        'resourceSpans[0].scopeSpans[0].spans[4].events[0].timeUnixNano: 2030-03-17T18:46:40.000Z is further ahead than limits.maxEventAheadSeconds allows (60 s after the collector\'s clock: 2030-03-17T17:47:40.000Z)',
      ]);
    }
  });

  it('flattens kvlist, bytes, negative, 64-bit and empty values like the ClickHouse exporter', () => {
    const span = customSpan({
      attributes: {
        map: { b: 1, a: 'x<y', nested: { z: [1, 'two', true, 2.5] }, '': null },
        bytes: new Uint8Array([1, 2, 3, 250]),
        negative: -9007199254740991,
        int64: 2 ** 62,
        emptyArray: [],
        emptyMap: {},
        unicode: 'żółw 🐢',
        quote: 'say "hi"\n',
      },
    });
    const expected = {
      map: '{"":null,"a":"x\\u003cy","b":1,"nested":{"z":[1,"two",true,2.5]}}',
      bytes: 'AQID+g==',
      negative: '-9007199254740991',
      int64: '4611686018427387904',
      emptyArray: '[]',
      emptyMap: '{}',
      unicode: 'żółw 🐢',
      quote: 'say "hi"\n',
    };
    expect(decodeTraceRequest(protobufBody([span]), 'protobuf', 'p').spans[0]!.SpanAttributes).toEqual(expected);
    expect(decodeTraceRequest(jsonBody([span]), 'json', 'p').spans[0]!.SpanAttributes).toEqual(expected);
  });

  it('takes ServiceName from each resource and shares its frozen attribute map among its rows', () => {
    const a = resourceFromAttributes({ 'service.name': 'svc-a' });
    const b = resourceFromAttributes({ 'host.name': 'no-service-name' });
    const spans = [
      customSpan({ name: 'a1', resource: a }),
      customSpan({ name: 'b1', resource: b }),
      customSpan({ name: 'a2', resource: a }),
    ];
    for (const encoding of ['protobuf', 'json'] as const) {
      const body = encoding === 'protobuf' ? protobufBody(spans) : jsonBody(spans);
      const rows = decodeTraceRequest(body, encoding, 'p').spans;
      const byName = new Map(rows.map((r) => [r.SpanName, r]));
      expect(byName.get('a1')!.ServiceName).toBe('svc-a');
      expect(byName.get('a2')!.ServiceName).toBe('svc-a');
      expect(byName.get('b1')!.ServiceName).toBe('');
      expect(byName.get('b1')!.ResourceAttributes).toEqual({ 'host.name': 'no-service-name' });
      expect(byName.get('a1')!.ResourceAttributes).toBe(byName.get('a2')!.ResourceAttributes);
      expect(Object.isFrozen(byName.get('a1')!.ResourceAttributes)).toBe(true);
      expect(byName.get('a1')!.ScopeName).toBe('custom-scope');
      expect(byName.get('a1')!.ScopeVersion).toBe('9.9.9');
    }
  });
});

describe('decodeTraceRequest rejects single invalid spans and keeps the rest', () => {
  const spans = () => [
    customSpan({ name: 'ok-1' }),
    customSpan({ name: 'short-trace-id', traceId: 'abcd' }),
    customSpan({ name: 'no-span-id', spanId: '' }),
    customSpan({ name: 'zero-trace-id', traceId: '0'.repeat(32) }),
    customSpan({ name: 'bad-parent', parentSpanId: 'abcdef' }),
    customSpan({
      name: 'bad-link',
      links: [{ context: { traceId: LINK_TRACE_ID, spanId: 'abcd', traceFlags: 0 } }],
    }),
    customSpan({ name: 'zero-parent', parentSpanId: '0'.repeat(16) }),
    customSpan({ name: 'ok-2' }),
  ];

  it('in protobuf', () => {
    const result = decodeTraceRequest(protobufBody(spans()), 'protobuf', 'p');
    expect(result.spans.map((s) => s.SpanName)).toEqual(['ok-1', 'zero-parent', 'ok-2']);
    expect(result.spans[1]!.ParentSpanId).toBe('');
    expect(result.rejected).toBe(5);
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 16 bytes, got 2',
      'resourceSpans[0].scopeSpans[0].spans[2].spanId: missing, expected 8 bytes',
      'resourceSpans[0].scopeSpans[0].spans[3].traceId: all zeros, which is not a valid id',
      'resourceSpans[0].scopeSpans[0].spans[4].parentSpanId: expected 8 bytes or none, got 3',
      'resourceSpans[0].scopeSpans[0].spans[5].links[0].spanId: expected 8 bytes or none, got 2',
    ]);
  });

  it('in JSON, including fields of the wrong type', () => {
    const doc = jsonDoc(spans());
    const list = doc.resourceSpans[0].scopeSpans[0].spans;
    list.push({ ...list[0], name: 42 });
    list.push({ ...list[0], attributes: [{ key: 'k', value: { intValue: 'twelve' } }] });
    list.push({ ...list[0], startTimeUnixNano: '-5' });
    list.push('not a span');
    const result = decodeTraceRequest(encodeJson(doc), 'json', 'p');
    expect(result.spans.map((s) => s.SpanName)).toEqual(['ok-1', 'zero-parent', 'ok-2']);
    expect(result.rejected).toBe(9);
    const at = 'resourceSpans[0].scopeSpans[0].spans';
    expect(result.errors).toEqual([
      `${at}[1].traceId: expected 32 hex chars, got "abcd"`,
      `${at}[2].spanId: missing, expected 16 hex chars`,
      `${at}[3].traceId: all zeros, which is not a valid id`,
      `${at}[4].parentSpanId: expected 16 hex chars or none, got "abcdef"`,
      `${at}[5].links[0].spanId: expected 16 hex chars or none, got "abcd"`,
      `${at}[8].name: expected a string, got number 42`,
      `${at}[9].attributes[0].value.intValue: expected a 64-bit integer (decimal string or number), got "twelve"`,
      `${at}[10].startTimeUnixNano: expected Unix nanoseconds as an unsigned 64-bit integer (decimal string or number), got "-5"`,
      `${at}[11]: expected an object, got "not a span"`,
    ]);
  });

  it('counts every rejection but keeps only the first ten messages', () => {
    const bad = Array.from({ length: 25 }, (_, i) => customSpan({ name: `bad-${i}`, traceId: 'ab' }));
    const result = decodeTraceRequest(protobufBody([...bad, customSpan({ name: 'good' })]), 'protobuf', 'p');
    expect(result.rejected).toBe(25);
    expect(result.errors).toHaveLength(10);
    expect(result.errors[9]).toBe('resourceSpans[0].scopeSpans[0].spans[9].traceId: expected 16 bytes, got 1');
    expect(result.spans.map((s) => s.SpanName)).toEqual(['good']);
  });

  it('lowercases hex ids in JSON and explains base64 ids', () => {
    const doc = jsonDoc([customSpan({ name: 'upper' }), customSpan({ name: 'base64' })]);
    const [upper, base64] = doc.resourceSpans[0].scopeSpans[0].spans;
    upper.traceId = TRACE_ID.toUpperCase();
    base64.traceId = Buffer.from(TRACE_ID, 'hex').toString('base64');
    const result = decodeTraceRequest(encodeJson(doc), 'json', 'p');
    expect(result.spans.map((s) => [s.SpanName, s.TraceId])).toEqual([['upper', TRACE_ID]]);
    expect(result.errors).toEqual([
      'resourceSpans[0].scopeSpans[0].spans[1].traceId: expected 32 hex chars, got "CvdlGRbNQ92ESOshHIAxnA==" (OTLP/JSON ids are hex, not base64)',
    ]);
  });
});

/** Protobuf written by hand, for what the official serializer never writes. */
const w = () => protobuf.Writer.create();
type Writer = ReturnType<typeof w>;
const LEN = 2;
const tag = (field: number, wireType: number) => (field << 3) | wireType;

function fixed64(writer: Writer, value: bigint): Writer {
  return writer.fixed32(Number(value & 0xffffffffn)).fixed32(Number(value >> 32n));
}

/** A KeyValue whose AnyValue is written by `write`, or is the given AnyValue bytes. */
function keyValue(key: string, write: ((value: Writer) => void) | Uint8Array): Uint8Array {
  let value: Uint8Array;
  if (write instanceof Uint8Array) value = write;
  else {
    const writer = w();
    write(writer);
    value = writer.finish();
  }
  return w().uint32(tag(1, LEN)).string(key).uint32(tag(2, LEN)).bytes(value).finish();
}

/** An int64 varint, from a bigint (protobufjs takes `{ low, high }` for 64-bit values). */
function int64(writer: Writer, value: bigint): Writer {
  const bits = { low: Number(BigInt.asIntN(32, value)), high: Number(BigInt.asIntN(32, value >> 32n)), unsigned: false };
  return writer.int64(bits as unknown as number);
}

/** Unknown fields of every wire type, including a deprecated group. */
function unknownFields(writer: Writer): Writer {
  writer.uint32(tag(900, 0)).uint64(12345678901234);
  fixed64(writer.uint32(tag(901, 1)), 7n);
  writer.uint32(tag(902, LEN)).bytes(new Uint8Array([1, 2, 3]));
  writer.uint32(tag(903, 3)).uint32(tag(1, 0)).uint32(5).uint32(tag(903, 4));
  writer.uint32(tag(904, 5)).fixed32(9);
  return writer;
}

function handSpan(extra?: (span: Writer) => void): Uint8Array {
  const span = unknownFields(w());
  span.uint32(tag(1, LEN)).bytes(Buffer.from(TRACE_ID, 'hex'));
  span.uint32(tag(2, LEN)).bytes(Buffer.from('1122334455667788', 'hex'));
  span.uint32(tag(5, LEN)).string('hand-made');
  span.uint32(tag(6, 0)).uint32(2);
  fixed64(span.uint32(tag(7, 1)), 1700000000123456789n);
  fixed64(span.uint32(tag(8, 1)), 1700000000123457789n);
  span.uint32(tag(9, LEN)).bytes(keyValue('s', (v) => v.uint32(tag(1, LEN)).string('x')));
  // A known field with an unexpected wire type (kind as a length-delimited field) is skipped.
  span.uint32(tag(6, LEN)).bytes(new Uint8Array([4]));
  span.uint32(tag(15, LEN)).bytes(unknownFields(w()).uint32(tag(3, 0)).uint32(7).finish());
  extra?.(span);
  return span.finish();
}

/** A request whose resource and scope come after the spans, with unknown fields at every level. */
function handRequest(spanBytes: Uint8Array[]): Uint8Array {
  const scope = unknownFields(w()).uint32(tag(1, LEN)).string('hand-scope').uint32(tag(2, LEN)).string('2.0').finish();
  const scopeSpans = unknownFields(w());
  for (const s of spanBytes) scopeSpans.uint32(tag(2, LEN)).bytes(s);
  scopeSpans.uint32(tag(1, LEN)).bytes(scope);
  const resource = unknownFields(w())
    .uint32(tag(1, LEN))
    .bytes(keyValue('service.name', (v) => v.uint32(tag(1, LEN)).string('hand-service')))
    .finish();
  const resourceSpans = unknownFields(w()).uint32(tag(2, LEN)).bytes(scopeSpans.finish()).uint32(tag(1, LEN)).bytes(resource);
  return unknownFields(w()).uint32(tag(1, LEN)).bytes(resourceSpans.finish()).finish();
}

describe('decodeTraceRequest on hand-made protobuf', () => {
  it('skips unknown fields of every wire type and reads a resource and scope that follow the spans', () => {
    const result = decodeTraceRequest(handRequest([handSpan()]), 'protobuf', 'p');
    expect(result.rejected).toBe(0);
    expect(result.spans).toEqual([
      expect.objectContaining({
        Timestamp: '1700000000.123456789',
        TraceId: TRACE_ID,
        SpanId: '1122334455667788',
        SpanName: 'hand-made',
        SpanKind: 'Server',
        ServiceName: 'hand-service',
        ResourceAttributes: { 'service.name': 'hand-service' },
        ScopeName: 'hand-scope',
        ScopeVersion: '2.0',
        SpanAttributes: { s: 'x' },
        Duration: '1000',
        StatusCode: '',
      }),
    ]);
  });

  it('writes 64-bit integers exactly and an unknown enum value as empty', () => {
    const big = (key: string, value: bigint) => keyValue(key, (v) => int64(v.uint32(tag(3, 0)), value));
    const span = handSpan((s) => {
      s.uint32(tag(9, LEN)).bytes(big('max', 9223372036854775807n));
      s.uint32(tag(9, LEN)).bytes(big('min', -9223372036854775808n));
      s.uint32(tag(9, LEN)).bytes(big('unsafe', 9007199254740993n));
      s.uint32(tag(9, LEN)).bytes(
        keyValue('list', (v) =>
          v.uint32(tag(5, LEN)).bytes(w().uint32(tag(1, LEN)).bytes(int64(w().uint32(tag(3, 0)), -9007199254740993n).finish()).finish()),
        ),
      );
      s.uint32(tag(9, LEN)).bytes(keyValue('__proto__', (v) => v.uint32(tag(1, LEN)).string('kept')));
      s.uint32(tag(9, LEN)).bytes(keyValue('empty', () => undefined));
      s.uint32(tag(6, 0)).uint32(9);
    });
    const row = decodeTraceRequest(handRequest([span]), 'protobuf', 'p').spans[0]!;
    expect(row.SpanKind).toBe('');
    expect(row.SpanAttributes.max).toBe('9223372036854775807');
    expect(row.SpanAttributes.min).toBe('-9223372036854775808');
    expect(row.SpanAttributes.unsafe).toBe('9007199254740993');
    expect(row.SpanAttributes.list).toBe('[-9007199254740993]');
    expect(row.SpanAttributes.empty).toBe('');
    expect(Object.getPrototypeOf(row.SpanAttributes)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(row.SpanAttributes, '__proto__')?.value).toBe('kept');
    expect(JSON.stringify(row.SpanAttributes)).toContain('"__proto__":"kept"');
  });
});

function decodeError(fn: () => unknown): OtlpDecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OtlpDecodeError) return err;
    throw err;
  }
  throw new Error('expected an OtlpDecodeError, but decoding succeeded');
}

describe('decodeTraceRequest on malformed bodies', () => {
  it('throws a located OtlpDecodeError for every truncation of a valid body', () => {
    const body = protobufBody(sdkSpans());
    for (let n = 1; n < body.length; n++) {
      const err = decodeError(() => decodeTraceRequest(body.subarray(0, n), 'protobuf', 'p'));
      expect(err.message).toMatch(/^protobuf: truncated field at byte \d+/);
    }
  });

  it('is an HTTP 400 CollectorError with a stable code', () => {
    const err = decodeError(() => decodeTraceRequest(new Uint8Array([10, 50, 1]), 'protobuf', 'p'));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err.code).toBe('INGEST_OTLP_DECODE');
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe('protobuf: truncated field at byte 2: length 50 exceeds the 1 bytes left');
  });

  it('reports a field that overruns its enclosing message', () => {
    // resource_spans (4 bytes) holding scope_spans that claims 10 bytes, inside a body that has them.
    const body = new Uint8Array([10, 4, 18, 10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(decodeError(() => decodeTraceRequest(body, 'protobuf', 'p')).message).toBe(
      'protobuf: field at byte 4 (length 10) runs past the end of its enclosing message at byte 6',
    );
    // resource_spans (3 bytes) whose last varint field goes on past them.
    const varint = new Uint8Array([10, 3, 8, 0x80, 0x80, 0x01]);
    expect(decodeError(() => decodeTraceRequest(varint, 'protobuf', 'p')).message).toBe(
      'protobuf: a field ending at byte 6 runs past the end of its enclosing message at byte 5',
    );
  });

  it('reports invalid wire types, field number 0, and text that is not protobuf', () => {
    expect(decodeError(() => decodeTraceRequest(new Uint8Array([0x0f, 1]), 'protobuf', 'p')).message).toBe(
      'protobuf: invalid wire type 7 for field 1 at byte 1',
    );
    expect(decodeError(() => decodeTraceRequest(new Uint8Array([0x00, 1]), 'protobuf', 'p')).message).toBe(
      'protobuf: invalid field number 0 at byte 0',
    );
    const text = new TextEncoder().encode('{"resourceSpans": []}');
    expect(decodeError(() => decodeTraceRequest(text, 'protobuf', 'p')).message).toMatch(/^protobuf: /);
  });

  it('refuses AnyValues nested deeper than 128 levels', () => {
    let value = w().uint32(tag(1, LEN)).string('leaf').finish();
    for (let i = 0; i < 200; i++) value = w().uint32(tag(5, LEN)).bytes(w().uint32(tag(1, LEN)).bytes(value).finish()).finish();
    const span = handSpan((s) => s.uint32(tag(9, LEN)).bytes(keyValue('deep', value)));
    expect(decodeError(() => decodeTraceRequest(handRequest([span]), 'protobuf', 'p')).message).toMatch(
      /^protobuf: AnyValue nested deeper than 128 levels at byte \d+$/,
    );
  });

  it('refuses the same nesting in OTLP/JSON', () => {
    let value: unknown = { stringValue: 'leaf' };
    for (let i = 0; i < 200; i++) value = { arrayValue: { values: [value] } };
    const doc = jsonDoc([customSpan({})]);
    doc.resourceSpans[0].scopeSpans[0].spans[0].attributes = [{ key: 'deep', value }];
    expect(decodeError(() => decodeTraceRequest(encodeJson(doc), 'json', 'p')).message).toMatch(
      /^json: resourceSpans\[0\]\.scopeSpans\[0\]\.spans\[0\]\.attributes\[0\]\.value(\.arrayValue\.values\[0\])+\.arrayValue: AnyValue nested deeper than 128 levels$/,
    );
  });

  it('never fails with anything but OtlpDecodeError on random bytes or mutated bodies', () => {
    const next = random(42);
    const valid = protobufBody(sdkSpans());
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 3000; i++) {
      let body: Uint8Array;
      if (i % 2 === 0) {
        body = new Uint8Array(Math.floor(next() * 300));
        for (let j = 0; j < body.length; j++) body[j] = Math.floor(next() * 256);
      } else {
        body = valid.slice();
        for (let k = 0; k < 1 + Math.floor(next() * 4); k++) body[Math.floor(next() * body.length)] = Math.floor(next() * 256);
      }
      try {
        const result = decodeTraceRequest(body, 'protobuf', 'p');
        expect(result.spans.length + result.rejected).toBeGreaterThanOrEqual(0);
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(100);
    expect(decoded).toBeGreaterThan(0);
  });

  it('never fails with anything but OtlpDecodeError when any JSON value is replaced by a value of another type', () => {
    const next = random(7);
    const replacements: unknown[] = [null, 0, -1, 1.5, 1e300, '', 'x', '9'.repeat(30), true, [], [1], {}, { a: 1 }];
    const original = jsonDoc(sdkSpans());
    const paths: (string | number)[][] = [];
    const walk = (v: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) walk(c, [...path, Array.isArray(v) ? Number(k) : k]);
    };
    walk(original, []);
    let rejectedSome = false;
    for (let i = 0; i < 2000; i++) {
      const doc = structuredClone(original);
      const path = paths[Math.floor(next() * paths.length)]!;
      const replacement = replacements[Math.floor(next() * replacements.length)];
      if (path.length === 0) continue;
      let parent = doc;
      for (const k of path.slice(0, -1)) parent = parent[k];
      parent[path[path.length - 1]!] = replacement;
      try {
        const result = decodeTraceRequest(encodeJson(doc), 'json', 'p');
        rejectedSome ||= result.rejected > 0;
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
      }
    }
    expect(rejectedSome).toBe(true);
  });

  it('decodes an empty protobuf body and an empty JSON object to no spans', () => {
    expect(decodeTraceRequest(new Uint8Array(0), 'protobuf', 'p')).toEqual({ spans: [], rejected: 0, errors: [] });
    expect(decodeTraceRequest(encodeJson({}), 'json', 'p')).toEqual({ spans: [], rejected: 0, errors: [] });
  });

  it('refuses invalid JSON and documents that are not export requests, saying where', () => {
    const json = (text: string) => decodeError(() => decodeTraceRequest(new TextEncoder().encode(text), 'json', 'p')).message;
    expect(json('{"resourceSpans": [')).toMatch(/^json: invalid JSON: /);
    expect(json('')).toMatch(/^json: invalid JSON: /);
    expect(json('[]')).toBe('json: expected an ExportTraceServiceRequest object at the top level, got array');
    expect(json('"spans"')).toBe('json: expected an ExportTraceServiceRequest object at the top level, got string');
    expect(json('{"resourceSpans": {}}')).toBe('json: resourceSpans: expected an array, got object');
    expect(json('{"resourceSpans": [{"scopeSpans": [7]}]}')).toBe(
      'json: resourceSpans[0].scopeSpans[0]: expected an object, got number 7',
    );
    expect(json('{"resourceSpans": [{"resource": {"attributes": "x"}}]}')).toBe(
      'json: resourceSpans[0].resource.attributes: expected an array, got "x"',
    );
    expect(json('{"resourceSpans": [{"scopeSpans": [{"scope": {"name": 1}}]}]}')).toBe(
      'json: resourceSpans[0].scopeSpans[0].scope.name: expected a string, got number 1',
    );
    expect(json('{"resourceSpans": [{"scopeSpans": [{"spans": {"traceId": "x"}}]}]}')).toBe(
      'json: resourceSpans[0].scopeSpans[0].spans: expected an array, got object',
    );
  });
});

describe('decodeTraceRequest on OTLP/JSON variants', () => {
  it('accepts enum names, numeric timestamps, string and numeric 64-bit ints, special doubles, nulls and unknown keys', () => {
    const doc = {
      unknownTopLevel: true,
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }], extra: 1 },
          scopeSpans: [
            {
              scope: { name: 'json-scope', version: null },
              spans: [
                {
                  traceId: TRACE_ID,
                  spanId: '1122334455667788',
                  parentSpanId: '',
                  name: 'variants',
                  kind: 'SPAN_KIND_CONSUMER',
                  startTimeUnixNano: 1700000000123456,
                  endTimeUnixNano: '1700000000123457000',
                  attributes: [
                    { key: 'max', value: { intValue: '9223372036854775807' } },
                    { key: 'min', value: { intValue: '-9223372036854775808' } },
                    { key: 'leadingZeros', value: { intValue: '007' } },
                    { key: 'nan', value: { doubleValue: 'NaN' } },
                    { key: 'inf', value: { doubleValue: '-Infinity' } },
                    { key: 'numericString', value: { doubleValue: '2.5' } },
                    { key: 'urlSafeBytes', value: { bytesValue: '-_8' } },
                    { key: 'empty', value: {} },
                    { key: 'nullValue', value: null },
                    { key: 'listWithBig', value: { arrayValue: { values: [{ intValue: '-9223372036854775808' }, {}] } } },
                  ],
                  status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
                  events: null,
                  futureField: { anything: [1, 2] },
                },
              ],
            },
          ],
        },
      ],
    };
    const result = decodeTraceRequest(encodeJson(doc), 'json', 'p');
    expect(result.errors).toEqual([]);
    const row = result.spans[0]!;
    expect(row).toMatchObject({
      Timestamp: '1700000.000123456',
      Duration: '1698300000123333544',
      SpanKind: 'Consumer',
      ServiceName: 'json-svc',
      ScopeName: 'json-scope',
      ScopeVersion: '',
      ParentSpanId: '',
      StatusCode: 'Error',
      StatusMessage: 'boom',
      EventsName: [],
    });
    expect(row.SpanAttributes).toEqual({
      max: '9223372036854775807',
      min: '-9223372036854775808',
      leadingZeros: '7',
      nan: 'NaN',
      inf: '-Infinity',
      numericString: '2.5',
      urlSafeBytes: '+/8=',
      empty: '',
      nullValue: '',
      listWithBig: '[-9223372036854775808,null]',
    });
  });
});
