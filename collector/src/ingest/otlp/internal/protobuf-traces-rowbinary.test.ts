import { context, SpanKind, SpanStatusCode, trace, TraceFlags } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import protobuf from 'protobufjs/minimal.js';
import type { Writer } from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../../../test/helpers/random.js';
import { OTEL_TRACES } from '../../../store/schema/otel-traces.js';
import { decodeRows, encodeRows } from '../../../store/schema/TableDefinition.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import { OtlpDecodeError } from '../otlp-decode-error.js';
import { decodeTracesProtobuf } from './protobuf-traces.js';
import { transcodeTracesProtobuf } from './protobuf-traces-rowbinary.js';

// The transcoder must give exactly the bytes of the row decoder followed by the RowBinary
// codec (what the store inserted before it existed), with the same rejections and errors. The
// codec derives from the `otel_traces` definition, so these byte comparisons also check the
// transcoder's hand-written column order against the definition.

const w = () => protobuf.Writer.create();
const LEN = 2;
const tag = (field: number, wireType: number) => (field << 3) | wireType;

function fixed64(writer: Writer, value: bigint): Writer {
  return writer.fixed32(Number(value & 0xffffffffn)).fixed32(Number((value >> 32n) & 0xffffffffn));
}

function int64(writer: Writer, value: bigint): Writer {
  const bits = { low: Number(BigInt.asIntN(32, value)), high: Number(BigInt.asIntN(32, value >> 32n)), unsigned: false };
  return writer.int64(bits as unknown as number);
}

const ascending = (days: Iterable<number>): number[] => [...new Set(days)].sort((x, y) => x - y);

/** What the row path gives for `body`: the rows' RowBinary and partition days, or the error it throws. */
function viaRows(body: Uint8Array, project: string, bounds?: EventTimeBounds) {
  try {
    const d = decodeTracesProtobuf(body, project, bounds);
    const days = ascending(d.spans.map((row) => OTEL_TRACES.partitionDay!(row)));
    return { rows: encodeRows(OTEL_TRACES, d.spans), count: d.spans.length, days, rejected: d.rejected, errors: d.errors };
  } catch (err) {
    return { error: err };
  }
}

function viaTranscoder(body: Uint8Array, project: string, bounds?: EventTimeBounds) {
  try {
    const t = transcodeTracesProtobuf(body, project, bounds);
    return { rows: Buffer.from(t.rows), count: t.count, days: ascending(t.days), rejected: t.rejected, errors: t.errors, slowSpans: t.slowSpans };
  } catch (err) {
    return { error: err };
  }
}

/** Asserts both paths agree on `body` (bytes, partition days, rejections and errors); returns the transcoder's result. */
function expectSame(body: Uint8Array, project = 'proj', bounds?: EventTimeBounds) {
  const a = viaRows(body, project, bounds);
  const b = viaTranscoder(body, project, bounds);
  if ('error' in a) {
    expect('error' in b, 'the transcoder accepted a body the row decoder refuses').toBe(true);
    expect(b.error).toBeInstanceOf(OtlpDecodeError);
    expect((b.error as Error).message).toBe((a.error as Error).message);
    return b;
  }
  if ('error' in b) throw b.error;
  expect({ count: b.count, days: b.days, rejected: b.rejected, errors: b.errors }).toEqual({ count: a.count, days: a.days, rejected: a.rejected, errors: a.errors });
  if (!b.rows!.equals(a.rows)) {
    const at = b.rows!.findIndex((byte, i) => byte !== a.rows[i]);
    throw new Error(`RowBinary differs at byte ${at} of ${a.rows.length} (transcoder: ${b.rows!.length} bytes)`);
  }
  return b;
}

/** Spans from the official SDK and serializer: what the fast path is for. */
function sdkBody(spans: number): Uint8Array {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'fraud-api', 'service.version': '2.1.0', 'host.cpu.count': 8 }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('inferlens-test', '0.4.0');
  const remote = trace.setSpanContext(context.active(), {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  for (let i = 0; i < spans; i++) {
    const span = tracer.startSpan(
      i % 3 === 0 ? 'POST /predict' : `model.infer ${i}`,
      {
        kind: i % 2 ? SpanKind.SERVER : SpanKind.CLIENT,
        startTime: [1700000000 + i, 123456789],
        attributes: {
          'inferlens.model.name': 'fraud',
          'inferlens.prediction.id': `p-${i}`,
          'http.response.status_code': 200,
          'model.score': i / 7,
          'cache.hit': i % 2 === 0,
          'request.tags': ['a', 'b'],
          'gen_ai.usage.input_tokens': i * 1000,
        },
        links: i % 4 === 0 ? [{ context: { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1 }, attributes: { reason: 'batch' } }] : [],
      },
      i % 2 ? remote : context.active(),
    );
    if (i % 2) span.addEvent('first-token', { index: i }, [1700000000 + i, 200000000]);
    if (i % 5 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: 'model timeout' });
    span.end([1700000001 + i, 5]);
  }
  return ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!;
}

/**
 * Random hand-written spans with every odd thing a client may send.
 * @param times values the times take more often (e.g. the edges of event-time bounds)
 */
function randomBody(seed: number, spans: number, times: readonly bigint[] = []): Uint8Array {
  const { uniform } = rng(seed);
  const chance = (p: number) => uniform() < p;
  const int = (n: number) => Math.floor(uniform() * n);
  const bytes = (n: number, zero = false) => Uint8Array.from({ length: n }, () => (zero ? 0 : 1 + int(255)));
  const u64 = (): bigint => {
    if (times.length > 0 && chance(0.5)) return times[int(times.length)]!;
    const pick = int(5);
    if (pick === 0) return 0n;
    if (pick === 1) return 0xffffffffffffffffn - BigInt(int(3));
    if (pick === 2) return BigInt(int(2 ** 31)) * 4294967296n + BigInt(int(2 ** 32)); // below 2^63
    return 1700000000000000000n + BigInt(int(2 ** 30)) * 1000n + BigInt(int(1000));
  };
  const texts = ['', 'x', 'fraud-model', 'é', 'größe', '🙂 emoji', 'a'.repeat(63), 'b'.repeat(64), 'c'.repeat(200), 'd'.repeat(130) + 'ü', 'tab\there "quoted"'];
  const keys = ['k', 'model.name', '__proto__', '', '42', '7a', '0', 'clé', 'constructor', 'x'.repeat(70), '-1', 'dup'];
  const stringField = (writer: Writer, field: number) => {
    if (chance(0.08)) writer.uint32(tag(field, LEN)).bytes(Uint8Array.of(0x61, 0xff, 0xc3, 0x28, 0x62)); // invalid UTF-8
    else writer.uint32(tag(field, LEN)).string(texts[int(texts.length)]!);
  };
  const anyValue = (depth = 0): Uint8Array => {
    const v = w();
    const variants = 1 + (chance(0.05) ? 1 : 0);
    for (let k = 0; k < variants; k++) {
      switch (int(depth > 1 ? 5 : 8)) {
        case 0:
        case 1:
          stringField(v, 1);
          break;
        case 2:
          v.uint32(tag(2, 0)).bool(chance(0.5));
          break;
        case 3:
          int64(v.uint32(tag(3, 0)), chance(0.5) ? BigInt(int(1000)) - 500n : BigInt.asIntN(64, u64()));
          break;
        case 4:
          v.uint32(tag(4, 1)).double(chance(0.3) ? [NaN, Infinity, -0, 1e21, 1e-7][int(5)]! : uniform() * 100);
          break;
        case 5:
          v.uint32(tag(7, LEN)).bytes(bytes(int(6)));
          break;
        case 6: {
          const list = w();
          for (let j = int(3); j > 0; j--) list.uint32(tag(1, LEN)).bytes(anyValue(depth + 1));
          v.uint32(tag(5, LEN)).bytes(list.finish());
          break;
        }
        default: {
          const kv = w();
          for (let j = int(3); j > 0; j--) kv.uint32(tag(1, LEN)).bytes(keyValue(depth + 1));
          v.uint32(tag(6, LEN)).bytes(kv.finish());
        }
      }
    }
    return v.finish();
  };
  const keyValue = (depth = 0): Uint8Array => {
    const kv = w();
    const key = chance(0.8) ? ['k', 'model.name', 'score', 'user.id', 'a.b.c'][int(5)]! : keys[int(keys.length)]!;
    const shape = int(20);
    if (shape === 0) return kv.finish(); // empty KeyValue
    if (shape === 1) return kv.uint32(tag(2, LEN)).bytes(anyValue(depth)).uint32(tag(1, LEN)).string(key).finish(); // value first
    if (shape === 2) return kv.uint32(tag(1, LEN)).string(key).finish(); // no value
    if (shape === 3) return kv.uint32(tag(1, LEN)).bytes(Uint8Array.of(0x6b, 0xfe)).uint32(tag(2, LEN)).bytes(anyValue(depth)).finish();
    kv.uint32(tag(1, LEN)).string(key).uint32(tag(2, LEN)).bytes(anyValue(depth));
    if (shape === 4) kv.uint32(tag(900, 0)).uint32(1); // an unknown field after the value
    return kv.finish();
  };
  const attributes = (writer: Writer, field: number, max: number) => {
    const n = int(max + 1);
    const first = keyValue();
    for (let i = 0; i < n; i++) writer.uint32(tag(field, LEN)).bytes(i > 0 && chance(0.05) ? first : keyValue());
  };
  const id = (writer: Writer, field: number, size: number, optional: boolean) => {
    const pick = int(40);
    if (pick === 0 && optional) return; // absent
    if (pick === 0) return; // missing (required: rejected)
    if (pick === 1) writer.uint32(tag(field, LEN)).bytes(bytes(size, true));
    else if (pick === 2) writer.uint32(tag(field, LEN)).bytes(bytes(size + 1 + int(3)));
    else writer.uint32(tag(field, LEN)).bytes(bytes(size));
  };

  const span = (): Uint8Array => {
    const s = w();
    if (chance(0.1)) s.uint32(tag(901, 0)).uint32(3);
    id(s, 1, 16, false);
    id(s, 2, 8, false);
    if (chance(0.5)) stringField(s, 3);
    if (chance(0.6)) id(s, 4, 8, true);
    stringField(s, 5);
    if (chance(0.05)) stringField(s, 5); // repeated: the last wins
    if (chance(0.9)) s.uint32(tag(6, 0)).int32(chance(0.05) ? [9, -1][int(2)]! : int(6));
    const start = u64();
    if (chance(0.95)) fixed64(s.uint32(tag(7, 1)), start);
    if (chance(0.95)) fixed64(s.uint32(tag(8, 1)), chance(0.1) ? u64() : (start + BigInt(int(2 ** 40))) & 0xffffffffffffffffn);
    attributes(s, 9, 8);
    for (let e = int(4); e > 0; e--) {
      const ev = w();
      if (chance(0.9)) fixed64(ev.uint32(tag(1, 1)), u64());
      if (chance(0.9)) stringField(ev, 2);
      attributes(ev, 3, 3);
      if (chance(0.05)) ev.uint32(tag(902, LEN)).bytes(bytes(2));
      s.uint32(tag(11, LEN)).bytes(ev.finish());
    }
    for (let l = int(3); l > 0; l--) {
      const link = w();
      id(link, 1, 16, true);
      id(link, 2, 8, true);
      if (chance(0.5)) stringField(link, 3);
      attributes(link, 4, 2);
      s.uint32(tag(13, LEN)).bytes(link.finish());
    }
    for (let k = chance(0.3) ? int(3) : 0; k > 0; k--) {
      const status = w();
      if (chance(0.7)) stringField(status, 2);
      if (chance(0.8)) status.uint32(tag(3, 0)).int32(int(4));
      s.uint32(tag(15, LEN)).bytes(status.finish());
    }
    return s.finish();
  };

  const request = w();
  let made = 0;
  while (made < spans) {
    const resource = w();
    for (let i = int(3); i > 0; i--) resource.uint32(tag(1, LEN)).bytes(keyValue());
    if (chance(0.8)) resource.uint32(tag(1, LEN)).bytes(w().uint32(tag(1, LEN)).string('service.name').uint32(tag(2, LEN)).bytes(w().uint32(tag(1, LEN)).string(texts[int(4)]!).finish()).finish());
    const rs = w().uint32(tag(1, LEN)).bytes(resource.finish());
    for (let sc = 1 + int(2); sc > 0; sc--) {
      const scope = w();
      if (chance(0.8)) stringField(scope, 1);
      if (chance(0.5)) stringField(scope, 2);
      const ss = w();
      for (let i = 1 + int(20); i > 0 && made < spans; i--, made++) ss.uint32(tag(2, LEN)).bytes(span());
      ss.uint32(tag(1, LEN)).bytes(scope.finish()); // the scope after its spans
      rs.uint32(tag(2, LEN)).bytes(ss.finish());
    }
    request.uint32(tag(1, LEN)).bytes(rs.finish());
  }
  return request.finish();
}

describe('transcodeTracesProtobuf', () => {
  it('writes the bytes of the row decoder and codec for SDK spans, all on the fast path', () => {
    const result = expectSame(sdkBody(300));
    expect(result.count).toBe(300);
    expect(result.slowSpans).toBe(0);
  });

  it('writes rows that read back through the table definition as the row decoder\'s rows, field by field', () => {
    const body = sdkBody(20);
    expect(decodeRows(OTEL_TRACES, transcodeTracesProtobuf(body, 'proj').rows)).toEqual(decodeTracesProtobuf(body, 'proj').spans);
  });

  it('writes the same bytes, rejections and errors for 4,000 random hand-written spans', () => {
    let slow = 0;
    let fast = 0;
    let rejected = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const result = expectSame(randomBody(seed, 100), seed % 2 ? 'default' : 'projet-é');
      slow += result.slowSpans!;
      fast += result.count! - result.slowSpans!;
      rejected += result.rejected!;
    }
    // Both paths were exercised, and invalid spans were among the inputs.
    expect(fast).toBeGreaterThan(200);
    expect(slow).toBeGreaterThan(200);
    expect(rejected).toBeGreaterThan(100);
  });

  it('rejects spans whose start, end or event times are outside the bounds exactly as the row decoder does', () => {
    // The generator's realistic times run from 1.7e18 ns over about 18 minutes; these bounds keep
    // most of that range, and their edges come up often, one nanosecond either side.
    const now = 1_700_000_000_500_000_000n;
    const bounds = EventTimeBounds.around(now, { maxEventAgeSeconds: 300, maxEventAheadSeconds: 1500 });
    const edges = [bounds.minNs - 1n, bounds.minNs, bounds.minNs + 1n, bounds.maxNs - 1n, bounds.maxNs, bounds.maxNs + 1n, 2n ** 63n - 1n, 2n ** 63n];
    const inside = [now, now - 100_000_000_000n, now + 1_000_000_000_000n];
    const times = [...edges, ...inside, ...inside, ...inside];
    let slow = 0;
    let fast = 0;
    let rejected = 0;
    const messages = new Set<string>();
    for (let seed = 101; seed <= 160; seed++) {
      const result = expectSame(randomBody(seed, 100, times), 'p', bounds);
      slow += result.slowSpans!;
      fast += result.count! - result.slowSpans!;
      rejected += result.rejected!;
      for (const e of result.errors!) messages.add(e.replace(/^.*?\.spans\[\d+\]\./, '').replace(/: .*(limits\.\w+|2\^63).*$/, ': $1'));
    }
    expect(fast).toBeGreaterThan(100);
    expect(slow).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(500);
    // Each time field, and each bound, was met.
    expect([...messages].filter((m) => /TimeUnixNano: (limits|2\^63)/.test(m)).sort()).toEqual(
      expect.arrayContaining([
        'startTimeUnixNano: limits.maxEventAgeSeconds',
        'startTimeUnixNano: limits.maxEventAheadSeconds',
        'startTimeUnixNano: 2^63',
        'endTimeUnixNano: limits.maxEventAheadSeconds',
        'endTimeUnixNano: 2^63',
      ]),
    );
    expect([...messages].some((m) => /^events\[\d+\]\.timeUnixNano: limits/.test(m))).toBe(true);
  });

  it('rejects times at or above 2^63 ns even without bounds, in both paths', () => {
    const result = expectSame(randomBody(7, 200));
    expect(result.rejected).toBeGreaterThan(20);
  });

  it('refuses every truncation of a valid body with the row decoder’s error', () => {
    const body = sdkBody(3);
    let refused = 0;
    for (let cut = 1; cut < body.length; cut++) {
      const result = expectSame(body.subarray(0, cut));
      if ('error' in result) refused++;
    }
    expect(refused).toBeGreaterThan(body.length / 2);
  });

  it('agrees with the row decoder on mutated bodies, accepted or refused', () => {
    const { uniform } = rng(7);
    const valid = randomBody(99, 30);
    // Bytes that are printable ASCII are mostly inside strings: changing them keeps the body's
    // structure (and may make the text invalid UTF-8); any other byte may be a tag or a length.
    const text = [...valid.keys()].filter((i) => valid[i]! >= 0x20 && valid[i]! < 0x7f);
    let refused = 0;
    for (let i = 0; i < 1500; i++) {
      const body = Uint8Array.from(valid); // a copy (Buffer#slice would share the bytes)
      for (let k = 0; k < 1 + Math.floor(uniform() * 4); k++) {
        const at = i % 2 ? text[Math.floor(uniform() * text.length)]! : Math.floor(uniform() * body.length);
        body[at] = Math.floor(uniform() * 256);
      }
      if ('error' in expectSame(body)) refused++;
    }
    expect(refused).toBeGreaterThan(100);
    expect(refused).toBeLessThan(1400);
  });

  it('decodes an empty body to no rows', () => {
    const result = transcodeTracesProtobuf(new Uint8Array(0), 'p');
    expect(result).toMatchObject({ count: 0, rejected: 0, errors: [] });
    expect(result.rows.length).toBe(0);
  });
});
