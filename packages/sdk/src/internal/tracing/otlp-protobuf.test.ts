import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type HrTime } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { beforeAll, describe, expect, it } from 'vitest';
import { ProtobufWriter } from '../export/ProtobufWriter.js';
import { readOtlpReply } from '../export/create-exporters.js';
import { TestContextManager } from '../testing/test-setup.js';
import { FixedSpanAttributes } from './FixedSpanAttributes.js';
import { OtlpProtobufSpans, writeUnixNanos } from './otlp-protobuf.js';
import { OwnTracer } from './OwnTracer.js';
import type { RecordingSpan } from './RecordingSpan.js';

beforeAll(() => {
  context.setGlobalContextManager(new TestContextManager());
});

const RESOURCE: Attributes = { 'service.name': 'fraud-service', 'telemetry.sdk.name': '@inferlens/sdk', 'inferlens.project': 'examples' };
const SCOPE = { name: '@inferlens/sdk', version: '1.2.3' };
/** One resource object for every span: the official serializer groups spans by resource identity. */
const SDK_RESOURCE = { attributes: RESOURCE } as unknown as ReadableSpan['resource'];

/** Epoch nanoseconds of fractional epoch milliseconds, computed with BigInt (the reference for `writeUnixNanos`). */
function nanos(ms: number): bigint {
  let whole = Math.floor(ms);
  let sub = Math.round((ms - whole) * 1e6);
  if (sub >= 1e6) {
    whole += 1;
    sub -= 1e6;
  }
  return BigInt(whole) * 1_000_000n + BigInt(sub);
}

function hrTime(ms: number): HrTime {
  const ns = nanos(ms);
  return [Number(ns / 1_000_000_000n), Number(ns % 1_000_000_000n)];
}

/** The same span as the OpenTelemetry SDK's exporter sees one: what the official serializer takes. */
function readable(s: RecordingSpan): ReadableSpan {
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => s.spanContext(),
    parentSpanContext: s.parentSpanId === undefined ? undefined : { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: 1, isRemote: s.parentIsRemote },
    startTime: hrTime(s.startMs),
    endTime: hrTime(s.endMs),
    duration: [0, 0],
    ended: true,
    status: s.status,
    attributes: s.allAttributes(),
    links: (s.links ?? []).map((l) => ({ context: l.context, ...(l.attributes ? { attributes: l.attributes } : {}), droppedAttributesCount: l.droppedAttributes })),
    events: (s.events ?? []).map((e) => ({ name: e.name, time: hrTime(e.timeMs), ...(e.attributes ? { attributes: e.attributes } : {}), droppedAttributesCount: e.droppedAttributes })),
    resource: SDK_RESOURCE,
    instrumentationScope: SCOPE,
    droppedAttributesCount: s.droppedAttributes,
    droppedEventsCount: s.droppedEvents,
    droppedLinksCount: s.droppedLinks,
  };
}

async function ours(spans: RecordingSpan[]): Promise<Buffer> {
  return Buffer.from(await new OtlpProtobufSpans(RESOURCE, SCOPE).serialize(spans));
}

function official(spans: RecordingSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans.map(readable))!);
}

function tracer(): OwnTracer {
  return new OwnTracer({ onEnd: () => {} });
}

describe('OTLP/protobuf of own spans', () => {
  it("writes exactly the bytes of OpenTelemetry's own serializer: ids, kind, nanosecond times, typed values, events, links, status, flags", async () => {
    const t = tracer();
    const remoteParent = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
      isRemote: true,
      traceState: new TraceState('vendor=a,other=b'),
    });
    const local = t.startSpan('parent');
    const spans: RecordingSpan[] = [];
    const attributes: Attributes = {
      s: 'x"y',
      z: 'Zürich 😀 \ud800',
      empty: '',
      i: 3,
      neg: -7,
      big: 2 ** 60,
      beyond: 2 ** 64,
      d: 0.5,
      nan: Number.NaN,
      inf: -Infinity,
      b: true,
      f: false,
      a: ['p', 'q'],
      n: [1, 2.5, -3],
      holes: ['x', null as unknown as string, 'y'],
      long: 'k'.repeat(300),
    };
    const a = t.startSpan('predict "m"', { kind: SpanKind.CLIENT, attributes, startTime: 1_700_000_000_000.123456 }, remoteParent) as RecordingSpan;
    a.addEvent('inferlens.first_chunk', 1_700_000_000_010.5);
    a.addEvent('with attributes', { k: 'v', n: 1 }, 1_700_000_000_011);
    a.addLink({ context: { traceId: 'c'.repeat(32), spanId: 'd'.repeat(16), traceFlags: 1, isRemote: true }, attributes: { l: 1 } });
    a.addLink({ context: { traceId: 'e'.repeat(32), spanId: 'f'.repeat(16), traceFlags: 0, traceState: new TraceState('k=v') } });
    a.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
    a.end(1_700_000_000_020.25);
    spans.push(a);
    const b = t.startSpan('child', { kind: SpanKind.SERVER }, trace.setSpan(ROOT_CONTEXT, local)) as RecordingSpan;
    b.setStatus({ code: SpanStatusCode.OK });
    b.end();
    spans.push(b);
    const root = t.startSpan('root', {}, ROOT_CONTEXT) as RecordingSpan;
    root.recordException(new TypeError('bad'));
    root.end();
    spans.push(root);
    // Past the one-byte and two-byte lengths of a span.
    const many: Attributes = {};
    for (let i = 0; i < 128; i++) many[`attribute.${i}`] = 'v'.repeat(i * 3);
    const large = t.startSpan('large', { attributes: many }, ROOT_CONTEXT) as RecordingSpan;
    large.end();
    spans.push(large);
    local.end();

    for (const s of spans) expect(await ours([s])).toEqual(official([s]));
    expect(await ours(spans)).toEqual(official(spans));
  });

  it('a planned span (fixed attributes encoded once, own ones after them) has the bytes of a span with all of them, a fixed one set again included', async () => {
    const t = tracer();
    const fixed = new FixedSpanAttributes({ 'inferlens.model.name': 'fraud', 'inferlens.sample_rate': 0.5, 'inferlens.outcome': 'ok', tags: ['a', 'b'], bad: {} as never });
    const changes: ((s: RecordingSpan) => void)[] = [
      () => {},
      (s) => s.setAttribute('inferlens.segment', 'eu'),
      (s) => s.setAttributes({ 'inferlens.outcome': 'error', 'error.type': 'TypeError' }),
    ];
    for (const change of changes) {
      const s = t.startPlannedSpan('predict fraud', SpanKind.INTERNAL, fixed, ROOT_CONTEXT, 'inferlens.prediction.id', 'p-1') as RecordingSpan;
      change(s);
      s.end();
      expect(await ours([s])).toEqual(official([s]));
    }
  });

  it('writes nanoseconds exactly from the milliseconds and their fraction, across the range of epoch times', () => {
    const cases = [0, 0.5, 1_700_000_000_000, 1_700_000_000_123.5, 1_700_000_000_999.9999999, 1_796_660_836_943.1206, 2 ** 32, 9_200_000_000_000];
    let seed = 12345;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      cases.push((seed / 2 ** 31) * 9_000_000_000_000 + (i % 7) / 8);
    }
    for (const ms of cases) {
      const w = new ProtobufWriter(16);
      writeUnixNanos(w, ms);
      expect(Buffer.from(w.finish()).readBigUInt64LE(0)).toBe(nanos(ms));
    }
    const w = new ProtobufWriter(16);
    writeUnixNanos(w, 1_700_000_000_123.5);
    expect(Buffer.from(w.finish()).readBigUInt64LE(0)).toBe(1_700_000_000_123_500_000n);
  });
});

describe('the reply to a span export', () => {
  /** An ExportTraceServiceResponse as the collector writes it, a character a byte (as HttpTransport hands it on). */
  function reply(rejected: number, message: string): string {
    const text = Buffer.from(message, 'utf8');
    const inner = Buffer.concat([Buffer.from([0x08, rejected]), Buffer.from([0x12, text.length]), text]);
    return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]).toString('latin1');
  }

  it('reads the rejected spans of a partial success; an empty or unreadable reply rejects nothing', () => {
    expect(readOtlpReply(reply(2, 'span 3: bad id — no'))).toEqual({ rejected: 2, reason: 'collector rejected 2 spans: span 3: bad id — no' });
    expect(readOtlpReply(reply(0, 'just a warning'))).toBeUndefined();
    expect(readOtlpReply('')).toBeUndefined();
    expect(readOtlpReply('{"partialSuccess":{}}')).toBeUndefined();
    expect(readOtlpReply(reply(2, 'x').slice(0, 4))).toBeUndefined();
  });
});
