import { ValueType } from '@opentelemetry/api';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { DataPoint, ExponentialHistogram, Histogram, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import protobuf from 'protobufjs/minimal.js';
import type { Writer } from 'protobufjs/minimal.js';
import { describe, expect, it } from 'vitest';
import { expectedModelRows } from '../../../../test/helpers/metric-rows.js';
import { rng } from '../../../../test/helpers/random.js';
import { EventTimeBounds } from '../EventTimeBounds.js';
import { decodeMetricsRequest, OtlpDecodeError } from './index.js';
import type { DecodedMetricsRequest } from './index.js';

/** A reader the test collects from by hand. */
class TestReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

const RESOURCE = { 'service.name': 'recommender', 'service.version': '2.0.0', 'process.pid': 4242 };

/** Records a gauge, a counter, an up-down counter, a histogram and an exponential histogram through a real MeterProvider. */
async function collect(temporality: AggregationTemporality): Promise<ResourceMetrics> {
  const reader = new TestReader({ aggregationTemporalitySelector: () => temporality });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE, { schemaUrl: 'https://opentelemetry.io/schemas/1.26.0' }),
    readers: [reader],
    views: [{ instrumentName: 'model.latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 20 } } }],
  });
  const meter = provider.getMeter('inferlens-test', '0.1.0', { schemaUrl: 'https://example.com/scope-schema' });
  meter.createGauge('model.queue.depth', { description: 'Queued requests', unit: '{request}' }).record(7.5, { model: 'churn' });
  const counter = meter.createCounter('model.predictions', { unit: '{prediction}', valueType: ValueType.INT });
  counter.add(3, { model: 'churn', ok: true });
  counter.add(4, { model: 'churn', ok: true });
  meter.createUpDownCounter('model.inflight').add(-2, { model: 'churn' });
  const histogram = meter.createHistogram('model.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
  for (const v of [0.05, 0.2, 0.3, 2]) histogram.record(v, { model: 'churn' });
  const exp = meter.createHistogram('model.latency.exp', { unit: 's' });
  // A histogram takes no negative value: the SDK drops -1 (and says so through diag).
  for (const v of [0.05, 0.2, 0.3, 2, -1]) exp.record(v, { model: 'churn' });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

function both(metrics: ResourceMetrics, eventTimes?: EventTimeBounds): [DecodedMetricsRequest, DecodedMetricsRequest] {
  const proto = ProtobufMetricsSerializer.serializeRequest(metrics)!;
  const json = JsonMetricsSerializer.serializeRequest(metrics)!;
  return [decodeMetricsRequest(proto, 'protobuf', 'proj-m', eventTimes), decodeMetricsRequest(json, 'json', 'proj-m', eventTimes)];
}

const encodeJson = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));

describe('decodeMetricsRequest on the official OTLP serializers', () => {
  it.each([
    ['cumulative', AggregationTemporality.CUMULATIVE, 2],
    ['delta', AggregationTemporality.DELTA, 1],
  ] as const)('maps every point type column for column, from protobuf and JSON (%s temporality)', async (_name, temporality, otlpTemporality) => {
    const metrics = await collect(temporality);
    const points = new Map(metrics.scopeMetrics[0]!.metrics.map((m) => [m.descriptor.name, m.dataPoints[0]! as DataPoint<unknown>]));
    const scope = {
      ResourceAttributes: { 'service.name': 'recommender', 'service.version': '2.0.0', 'process.pid': '4242' },
      ResourceSchemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      ScopeName: 'inferlens-test',
      ScopeVersion: '0.1.0',
      ScopeAttributes: {},
      ScopeDroppedAttrCount: 0,
      ScopeSchemaUrl: 'https://example.com/scope-schema',
      ServiceName: 'recommender',
      Project: 'proj-m',
    };
    const histogram = points.get('model.latency')!.value as Histogram;
    const exp = points.get('model.latency.exp')!.value as ExponentialHistogram;
    // The SDK's own summary of the values recorded, which the rows must carry unchanged.
    expect(histogram.buckets.counts).toEqual([1, 2, 0, 1]);
    expect(exp.count).toBe(4);
    const rows = expectedModelRows(metrics.scopeMetrics[0]!.metrics, scope, 'churn', otlpTemporality);

    for (const [i, decoded] of both(metrics).entries()) {
      const encoding = i === 0 ? 'protobuf' : 'json';
      expect(decoded.rejected, encoding).toBe(0);
      expect(decoded.gauge, encoding).toEqual([rows.gauge]);
      expect(decoded.sum, encoding).toEqual([rows.predictions, rows.inflight]);
      expect(decoded.histogram, encoding).toEqual([rows.histogram]);
      expect(decoded.exponentialHistogram, encoding).toEqual([rows.exponentialHistogram]);
      expect(decoded.summary).toEqual([]);
      // Bucket counts add up to the count: what a reader of the table relies on.
      const row = decoded.exponentialHistogram[0]!;
      expect([...row.PositiveBucketCounts, ...row.NegativeBucketCounts].reduce((a, b) => a + Number(b), 0)).toBe(4);
    }
  });

  it('rejects points outside the event-time bounds alone, naming the point and the bound', async () => {
    const metrics = await collect(AggregationTemporality.CUMULATIVE);
    const nowNs = BigInt(Date.now()) * 1_000_000n;
    // Bounds that end before the points were taken: every point is "ahead".
    const bounds = EventTimeBounds.around(nowNs - 3_600_000_000_000n, { maxEventAgeSeconds: 60, maxEventAheadSeconds: 60 });
    for (const decoded of both(metrics, bounds)) {
      expect(decoded.rejected).toBe(5);
      expect(decoded.gauge).toEqual([]);
      expect(decoded.errors[0]).toMatch(/^resourceMetrics\[0\]\.scopeMetrics\[0\]\.metrics\[\d\]\.\w+\.dataPoints\[0\]\.timeUnixNano: .* is further ahead than limits\.maxEventAheadSeconds allows/);
    }
  });
});

// Exemplars, summaries, flags, integer values and absent min/max/sum come from no JS SDK: the same
// request is written by hand in OTLP/JSON and in protobuf, and both must give the same rows.

const NOW_S = Math.floor(Date.now() / 1000);
const T = BigInt(NOW_S) * 1_000_000_000n + 123_456_789n;
const START = T - 60_000_000_000n;
const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

const jsonKv = (key: string, v: string) => ({ key, value: { stringValue: v } });

function jsonRequest(): unknown {
  const exemplar = { filteredAttributes: [jsonKv('user', 'u-1')], timeUnixNano: String(T - 1_000_000_000n), asInt: '42', spanId: SPAN_ID, traceId: TRACE_ID.toUpperCase() };
  const zeroExemplar = { timeUnixNano: String(T), asDouble: 0.25, spanId: '0'.repeat(16), traceId: '0'.repeat(32) };
  return {
    resourceMetrics: [
      {
        resource: { attributes: [jsonKv('service.name', 'svc-h')] },
        scopeMetrics: [
          {
            scope: { name: 'hand', version: '1', attributes: [jsonKv('s', 'x')], droppedAttributesCount: 3 },
            schemaUrl: 'https://example.com/s',
            metrics: [
              { name: 'g.int', gauge: { dataPoints: [{ timeUnixNano: String(T), asInt: '-9007199254740993', flags: 1, exemplars: [exemplar, zeroExemplar] }] } },
              {
                name: 'h.nominmax',
                histogram: {
                  aggregationTemporality: 'AGGREGATION_TEMPORALITY_DELTA',
                  dataPoints: [{ startTimeUnixNano: String(START), timeUnixNano: String(T), count: '18446744073709551615', bucketCounts: [], explicitBounds: [], exemplars: [exemplar] }],
                },
              },
              {
                name: 's.latency',
                unit: 'ms',
                summary: {
                  dataPoints: [
                    {
                      attributes: [jsonKv('route', '/p')],
                      startTimeUnixNano: String(START),
                      timeUnixNano: String(T),
                      count: 10,
                      sum: 'Infinity',
                      quantileValues: [{ quantile: 0.5, value: 3 }, { quantile: 1, value: 9 }],
                      flags: 1,
                    },
                  ],
                },
              },
              { name: 'e.scale', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [{ timeUnixNano: String(T), count: '3', scale: -3, zeroCount: '1', negative: { offset: -2, bucketCounts: ['2'] } }] } },
            ],
          },
        ],
      },
    ],
  };
}

const w = () => protobuf.Writer.create();
const tag = (field: number, wire: number) => (field << 3) | wire;
const bytes = (writer: Writer, field: number, value: Uint8Array) => writer.uint32(tag(field, 2)).bytes(value);
const str = (writer: Writer, field: number, value: string) => writer.uint32(tag(field, 2)).string(value);
const fixed64 = (writer: Writer, field: number, value: bigint) => {
  const u = BigInt.asUintN(64, value);
  return writer.uint32(tag(field, 1)).fixed32(Number(u & 0xffffffffn)).fixed32(Number(u >> 32n));
};
const dbl = (writer: Writer, field: number, value: number) => writer.uint32(tag(field, 1)).double(value);
const kv = (key: string, v: string) => bytes(str(w(), 1, key), 2, str(w(), 1, v).finish()).finish();

/** The request of {@link jsonRequest}, in protobuf. */
function protobufRequest(): Uint8Array {
  const exemplar = (field: number) => {
    const e = w();
    bytes(e, 7, kv('user', 'u-1'));
    fixed64(e, 2, T - 1_000_000_000n);
    fixed64(e, 6, 42n);
    bytes(e, 4, Buffer.from(SPAN_ID, 'hex'));
    bytes(e, 5, Buffer.from(TRACE_ID, 'hex'));
    return [field, e.finish()] as const;
  };
  const zero = w();
  fixed64(zero, 2, T);
  dbl(zero, 3, 0.25);
  bytes(zero, 4, new Uint8Array(8));
  bytes(zero, 5, new Uint8Array(16));

  const gaugePoint = w();
  fixed64(gaugePoint, 3, T);
  fixed64(gaugePoint, 6, -9007199254740993n);
  gaugePoint.uint32(tag(8, 0)).uint32(1);
  bytes(gaugePoint, ...exemplar(5));
  bytes(gaugePoint, 5, zero.finish());
  const gauge = str(w(), 1, 'g.int');
  bytes(gauge, 5, bytes(w(), 1, gaugePoint.finish()).finish());

  const histPoint = w();
  fixed64(histPoint, 2, START);
  fixed64(histPoint, 3, T);
  fixed64(histPoint, 4, 18446744073709551615n);
  bytes(histPoint, ...exemplar(8));
  const hist = str(w(), 1, 'h.nominmax');
  bytes(hist, 9, bytes(w(), 1, histPoint.finish()).uint32(tag(2, 0)).int32(1).finish());

  const quantile = (q: number, v: number) => dbl(dbl(w(), 1, q), 2, v).finish();
  const summaryPoint = w();
  bytes(summaryPoint, 7, kv('route', '/p'));
  fixed64(summaryPoint, 2, START);
  fixed64(summaryPoint, 3, T);
  fixed64(summaryPoint, 4, 10n);
  dbl(summaryPoint, 5, Infinity);
  bytes(summaryPoint, 6, quantile(0.5, 3));
  bytes(summaryPoint, 6, quantile(1, 9));
  summaryPoint.uint32(tag(8, 0)).uint32(1);
  const summary = str(str(w(), 1, 's.latency'), 3, 'ms');
  bytes(summary, 11, bytes(w(), 1, summaryPoint.finish()).finish());

  const expPoint = w();
  fixed64(expPoint, 3, T);
  fixed64(expPoint, 4, 3n);
  expPoint.uint32(tag(6, 0)).sint32(-3);
  fixed64(expPoint, 7, 1n);
  const negative = w().uint32(tag(1, 0)).sint32(-2);
  bytes(negative, 2, w().uint64(2).finish());
  bytes(expPoint, 9, negative.finish());
  const exp = str(w(), 1, 'e.scale');
  bytes(exp, 10, bytes(w(), 1, expPoint.finish()).uint32(tag(2, 0)).int32(2).finish());

  const scope = str(str(w(), 1, 'hand'), 2, '1');
  bytes(scope, 3, kv('s', 'x'));
  scope.uint32(tag(4, 0)).uint32(3);
  const scopeMetrics = bytes(w(), 1, scope.finish());
  for (const m of [gauge, hist, summary, exp]) bytes(scopeMetrics, 2, m.finish());
  str(scopeMetrics, 3, 'https://example.com/s');
  const resourceMetrics = bytes(w(), 1, bytes(w(), 1, kv('service.name', 'svc-h')).finish());
  bytes(resourceMetrics, 2, scopeMetrics.finish());
  return bytes(w(), 1, resourceMetrics.finish()).finish();
}

describe('decodeMetricsRequest on hand-written requests', () => {
  const decodedBoth = () => [decodeMetricsRequest(protobufRequest(), 'protobuf', 'p'), decodeMetricsRequest(encodeJson(jsonRequest()), 'json', 'p')];
  const scope = { ScopeName: 'hand', ScopeVersion: '1', ScopeAttributes: { s: 'x' }, ScopeDroppedAttrCount: 3, ScopeSchemaUrl: 'https://example.com/s', ServiceName: 'svc-h' };
  const exemplar = { FilteredAttributes: { user: 'u-1' }, TimeUnix: NOW_S - 1, Value: 42, SpanId: SPAN_ID, TraceId: TRACE_ID };

  it('maps exemplars (ids in lowercase hex, all-zero ids as none, times in whole seconds, asInt as a double) and flags', () => {
    for (const decoded of decodedBoth()) {
      expect(decoded.errors).toEqual([]);
      expect(decoded.gauge).toEqual([
        expect.objectContaining({
          ...scope,
          MetricName: 'g.int',
          StartTimeUnix: 0,
          TimeUnix: NOW_S,
          // An int64 beyond 2^53 becomes the nearest double, as the exporter's float64() does.
          Value: -9007199254740992,
          Flags: 1,
          ExemplarsFilteredAttributes: [exemplar.FilteredAttributes, {}],
          ExemplarsTimeUnix: [exemplar.TimeUnix, NOW_S],
          ExemplarsValue: [42, 0.25],
          ExemplarsSpanId: [SPAN_ID, ''],
          ExemplarsTraceId: [TRACE_ID, ''],
        }),
      ]);
    }
  });

  it('stores an absent sum, min and max as 0 and keeps a count past 2^53 exact', () => {
    for (const decoded of decodedBoth()) {
      expect(decoded.histogram).toEqual([
        expect.objectContaining({ MetricName: 'h.nominmax', StartTimeUnix: NOW_S - 60, Count: '18446744073709551615', Sum: 0, Min: 0, Max: 0, BucketCounts: [], ExplicitBounds: [], AggregationTemporality: 1, ExemplarsValue: [42] }),
      ]);
    }
  });

  it('maps a summary (quantiles as a Nested column) and an exponential histogram with only negative buckets', () => {
    for (const decoded of decodedBoth()) {
      expect(decoded.summary).toEqual([
        {
          ResourceAttributes: { 'service.name': 'svc-h' },
          ResourceSchemaUrl: '',
          ...scope,
          MetricName: 's.latency',
          MetricDescription: '',
          MetricUnit: 'ms',
          Attributes: { route: '/p' },
          StartTimeUnix: NOW_S - 60,
          TimeUnix: NOW_S,
          Count: '10',
          Sum: Infinity,
          ValueAtQuantilesQuantile: [0.5, 1],
          ValueAtQuantilesValue: [3, 9],
          Flags: 1,
          Project: 'p',
        },
      ]);
      expect(decoded.exponentialHistogram).toEqual([
        expect.objectContaining({ Count: '3', Scale: -3, ZeroCount: '1', PositiveOffset: 0, PositiveBucketCounts: [], NegativeOffset: -2, NegativeBucketCounts: ['2'], AggregationTemporality: 2 }),
      ]);
    }
  });
});

describe('decodeMetricsRequest rejects single invalid points and keeps the rest', () => {
  const at = 'resourceMetrics[0].scopeMetrics[0].metrics';
  const point = (extra: object) => ({ timeUnixNano: String(T), asDouble: 1, ...extra });
  const request = (metrics: unknown[]) => encodeJson({ resourceMetrics: [{ scopeMetrics: [{ metrics }] }] });

  it('in JSON: no time, a time past DateTime, bad exemplar ids, mismatched buckets, a quantile above 1, wrong types, no name, no data', () => {
    const decoded = decodeMetricsRequest(
      request([
        { name: 'ok', gauge: { dataPoints: [point({}), point({ timeUnixNano: undefined }), point({ startTimeUnixNano: String(2n ** 33n * 1_000_000_000n) })] } },
        { name: 'ex', sum: { isMonotonic: true, dataPoints: [point({ exemplars: [{ spanId: 'abcd' }] }), point({ asDouble: undefined, asInt: 'x' }), point({ flags: -1 })] } },
        { name: 'h', histogram: { dataPoints: [point({ count: 3, bucketCounts: [1, 2], explicitBounds: [1, 2] }), point({ count: 1, bucketCounts: [1] })] } },
        { name: 's', summary: { dataPoints: [point({ quantileValues: [{ quantile: 1.5, value: 2 }] }), point({ quantileValues: [{ quantile: 'half' }] })] } },
        { gauge: { dataPoints: [point({}), point({})] } },
        { name: 'nothing' },
        { name: 'bad-sum', sum: { isMonotonic: 'yes', dataPoints: [point({})] } },
      ]),
      'json',
      'p',
    );
    expect(decoded.gauge.map((r) => r.MetricName)).toEqual(['ok']);
    expect(decoded.histogram.map((r) => r.Count)).toEqual(['1']);
    expect(decoded.sum).toEqual([]);
    expect(decoded.summary).toEqual([]);
    expect(decoded.rejected).toBe(12);
    expect(decoded.errors).toEqual([
      `${at}[0].gauge.dataPoints[1].timeUnixNano: missing (0); a data point needs its time`,
      `${at}[0].gauge.dataPoints[2].startTimeUnixNano: ${2n ** 33n * 1_000_000_000n} ns is beyond the latest time otel_metrics_* hold (their DateTime columns end at 2106-02-07T06:28:15Z)`,
      `${at}[1].sum.dataPoints[0].exemplars[0].spanId: expected 16 hex chars or none, got "abcd"`,
      `${at}[1].sum.dataPoints[1].asInt: expected a 64-bit integer (decimal string or number), got "x"`,
      `${at}[1].sum.dataPoints[2].flags: expected an unsigned 32-bit integer, got number -1`,
      `${at}[2].histogram.dataPoints[0].bucketCounts: expected none or explicitBounds + 1 (3) counts, got 2`,
      `${at}[3].summary.dataPoints[0].quantileValues[0].quantile: expected a number from 0 to 1, got 1.5`,
      `${at}[3].summary.dataPoints[1].quantileValues[0].quantile: expected a number, got "half"`,
      `${at}[4].name: missing; a metric needs its name`,
      `${at}[4].name: missing; a metric needs its name`,
    ]);
  });

  it('in protobuf: an exemplar id of the wrong size, a point without time', () => {
    const gaugePoint = (withTime: boolean, spanId: Uint8Array) => {
      const p = w();
      if (withTime) fixed64(p, 3, T);
      dbl(p, 4, 2.5);
      const e = w();
      bytes(e, 4, spanId);
      bytes(p, 5, e.finish());
      return p.finish();
    };
    const gauge = bytes(w(), 1, gaugePoint(true, new Uint8Array(8).fill(1)));
    bytes(gauge, 1, gaugePoint(true, new Uint8Array(3)));
    bytes(gauge, 1, gaugePoint(false, new Uint8Array(8).fill(1)));
    const metric = bytes(str(w(), 1, 'g'), 5, gauge.finish()).finish();
    const body = bytes(w(), 1, bytes(w(), 2, bytes(w(), 2, metric).finish()).finish()).finish();
    const decoded = decodeMetricsRequest(body, 'protobuf', 'p');
    expect(decoded.gauge.map((r) => [r.Value, r.ExemplarsSpanId])).toEqual([[2.5, ['0101010101010101']]]);
    expect(decoded.errors).toEqual([
      `${at}[0].gauge.dataPoints[1].exemplars[0].spanId: expected 8 bytes or none, got 3`,
      `${at}[0].gauge.dataPoints[2].timeUnixNano: missing (0); a data point needs its time`,
    ]);
  });

  it('refuses a body that is not a metrics request at all', () => {
    const message = (body: Uint8Array, encoding: 'json' | 'protobuf') => {
      try {
        decodeMetricsRequest(body, encoding, 'p');
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        return (err as Error).message;
      }
      throw new Error('expected an OtlpDecodeError');
    };
    expect(message(new TextEncoder().encode('{"resourceMetrics": {}}'), 'json')).toBe('json: resourceMetrics: expected an array, got object');
    expect(message(new TextEncoder().encode('[1]'), 'json')).toBe('json: expected an ExportMetricsServiceRequest object at the top level, got array');
    expect(message(new TextEncoder().encode('{"resourceMetrics": [{"scopeMetrics": [{"scope": {"droppedAttributesCount": "many"}}]}]}'), 'json')).toBe(
      'json: resourceMetrics[0].scopeMetrics[0].scope.droppedAttributesCount: expected an unsigned 32-bit integer, got "many"',
    );
    expect(message(new Uint8Array([0x0a, 0x05, 0x12]), 'protobuf')).toMatch(/^protobuf: truncated field at byte 2/);
  });
});

describe('decodeMetricsRequest on mutated protobuf', () => {
  it('either decodes or throws OtlpDecodeError, for 3000 bit-flipped, zeroed or truncated bodies from the official serializer and by hand', async () => {
    const sources = [Buffer.from(ProtobufMetricsSerializer.serializeRequest(await collect(AggregationTemporality.CUMULATIVE))!), Buffer.from(protobufRequest())];
    const r = rng(18);
    const int = (n: number) => Math.floor(r.uniform() * n);
    const outcomes = { decoded: 0, refused: 0 };
    for (let n = 0; n < 3000; n++) {
      let body = Buffer.from(sources[n % 2]!);
      // A few bits flipped, the tail zeroed from a random byte on, or the body cut short.
      if (n % 3 === 0) for (let k = 0; k < 1 + int(4); k++) body[int(body.length)] ^= 1 << int(8);
      else if (n % 3 === 1) body.fill(0, int(body.length));
      else body = body.subarray(0, int(body.length));
      try {
        const d = decodeMetricsRequest(body, 'protobuf', 'p');
        // What decodes is consistent: every point is a row or a rejection.
        expect(d.rejected).toBeGreaterThanOrEqual(0);
        for (const row of [...d.gauge, ...d.sum, ...d.histogram, ...d.exponentialHistogram, ...d.summary]) {
          expect(Number.isInteger(row.TimeUnix) && row.TimeUnix > 0 && row.TimeUnix < 2 ** 32).toBe(true);
        }
        outcomes.decoded++;
      } catch (err) {
        expect(err, `body ${n}`).toBeInstanceOf(OtlpDecodeError);
        outcomes.refused++;
      }
    }
    // Both outcomes happen: the mutations reach past the envelope.
    expect(outcomes.decoded).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});
