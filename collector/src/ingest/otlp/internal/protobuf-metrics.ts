import type { StringMap } from '../../../store/schema/column-types.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedMetricsRequest } from '../decode-metrics-request.js';
import { isZeroHex } from './hex-id.js';
import { MetricRows, NO_EXEMPLARS, rejectMetric } from './metric-points.js';
import type {
  ExponentialBuckets,
  ExponentialHistogramPoint,
  Exemplars,
  HistogramPoint,
  MetricData,
  MetricHeader,
  NumberPoint,
  PointBase,
  SummaryPoint,
} from './metric-points.js';
import { readAttributeInto } from './protobuf-common.js';
import { walkProtobufEnvelope } from './protobuf-envelope.js';
import { optionalIdProblem } from './protobuf-id-problems.js';
import { checkEnd, readHex, readString, readVarint64, skipField, subEnd, varint64 } from './protobuf-wire.js';
import type { WireReader } from './protobuf-wire.js';
import { METRICS_ENVELOPE } from './signal-envelope.js';
import type { RecordContext } from './signal-envelope.js';

/*
 * Field numbers (metrics.proto; the request, ResourceMetrics and ScopeMetrics are walked by
 * protobuf-envelope.ts):
 * Metric: name 1, description 2, unit 3, gauge 5, sum 7, histogram 9, exponential_histogram 10,
 *   summary 11. Gauge / Summary: data_points 1. Sum: data_points 1, aggregation_temporality 2,
 *   is_monotonic 3. Histogram / ExponentialHistogram: data_points 1, aggregation_temporality 2.
 * NumberDataPoint: start_time_unix_nano 2, time_unix_nano 3 (fixed64), as_double 4, exemplars 5,
 *   as_int 6 (sfixed64), attributes 7, flags 8.
 * HistogramDataPoint: start 2, time 3, count 4 (fixed64), sum 5, bucket_counts 6 (fixed64,
 *   packed), explicit_bounds 7 (double, packed), exemplars 8, attributes 9, flags 10, min 11, max 12.
 * ExponentialHistogramDataPoint: attributes 1, start 2, time 3, count 4, sum 5, scale 6 (sint32),
 *   zero_count 7 (fixed64), positive 8, negative 9, flags 10, exemplars 11, min 12, max 13.
 *   Buckets: offset 1 (sint32), bucket_counts 2 (uint64, packed).
 * SummaryDataPoint: start 2, time 3, count 4, sum 5, quantile_values 6, attributes 7, flags 8.
 *   ValueAtQuantile: quantile 1, value 2.
 * Exemplar: time_unix_nano 2, as_double 3, span_id 4, trace_id 5, as_int 6, filtered_attributes 7.
 */

const VARINT = 0;
const I64 = 1;
const LEN = 2;
const tag = (field: number, wire: number): number => (field << 3) | wire;

/** Decodes a binary `ExportMetricsServiceRequest`; points with a time outside `eventTimes` are rejected. */
export function decodeMetricsProtobuf(body: Uint8Array, project: string, eventTimes = EventTimeBounds.REPRESENTABLE): DecodedMetricsRequest {
  const rows = new MetricRows(eventTimes);
  const rejections = walkProtobufEnvelope(body, METRICS_ENVELOPE, (r, end, metric) => readMetric(r, end, metric, rows), project);
  return rows.result(rejections);
}

/** One `Metric` (a `ProtobufRecordReader` once `rows` is bound): a row per data point. */
function readMetric(r: WireReader, end: number, metric: RecordContext, rows: MetricRows): void {
  const header: MetricHeader = { name: '', description: '', unit: '' };
  let data: MetricData | undefined;
  while (r.pos < end) {
    const t = r.uint32();
    switch (t) {
      case tag(1, LEN):
        header.name = readString(r, end);
        break;
      case tag(2, LEN):
        header.description = readString(r, end);
        break;
      case tag(3, LEN):
        header.unit = readString(r, end);
        break;
      case tag(5, LEN):
        data = { kind: 'gauge', points: readPoints(r, subEnd(r, end), readNumberPoint).points };
        break;
      case tag(7, LEN): {
        const s = readPoints(r, subEnd(r, end), readNumberPoint);
        data = { kind: 'sum', temporality: s.temporality, monotonic: s.monotonic, points: s.points };
        break;
      }
      case tag(9, LEN): {
        const h = readPoints(r, subEnd(r, end), readHistogramPoint);
        data = { kind: 'histogram', temporality: h.temporality, points: h.points };
        break;
      }
      case tag(10, LEN): {
        const h = readPoints(r, subEnd(r, end), readExponentialPoint);
        data = { kind: 'exponentialHistogram', temporality: h.temporality, points: h.points };
        break;
      }
      case tag(11, LEN):
        data = { kind: 'summary', points: readPoints(r, subEnd(r, end), readSummaryPoint).points };
        break;
      default:
        skipField(r, t, end);
    }
  }
  checkEnd(r, end);
  if (data === undefined) return rejectMetric(metric, ': no data (none of gauge, sum, histogram, exponentialHistogram, summary)', 0);
  if (header.name === '') return rejectMetric(metric, 'name: missing; a metric needs its name', data.points.length);
  rows.add(metric, header, data);
}

/** `Gauge`, `Sum`, `Histogram`, `ExponentialHistogram` or `Summary`: points, temporality, monotonicity. */
function readPoints<P>(r: WireReader, end: number, readPoint: (r: WireReader, end: number) => P | string) {
  const points: (P | string)[] = [];
  let temporality = 0;
  let monotonic = false;
  while (r.pos < end) {
    const t = r.uint32();
    if (t === tag(1, LEN)) points.push(readPoint(r, subEnd(r, end)));
    else if (t === tag(2, VARINT)) temporality = r.int32();
    else if (t === tag(3, VARINT)) monotonic = r.bool();
    else skipField(r, t, end);
  }
  checkEnd(r, end);
  return { points, temporality, monotonic };
}

/** A `fixed64` as exact Unix nanoseconds. */
function fixed64(r: WireReader): bigint {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** A `fixed64` count as decimal digits. */
function count64(r: WireReader): string {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return hi < 0x200000 ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** An `sfixed64` as a double (the exporter stores integer values as Float64). */
function sfixed64AsDouble(r: WireReader): number {
  const lo = r.fixed32();
  const hi = r.fixed32();
  return (hi | 0) * 4294967296 + lo;
}

/** A `uint64` varint count as decimal digits. */
function varintCount(r: WireReader): string {
  readVarint64(r);
  const { lo, hi } = varint64;
  return hi < 0x200000 ? String(hi * 4294967296 + lo) : ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

/** A repeated scalar field, packed (one length-delimited run) or not (one value per tag). */
function readRepeated<T>(r: WireReader, t: number, end: number, into: T[], read: (r: WireReader) => T): void {
  if ((t & 7) === LEN) {
    const runEnd = subEnd(r, end);
    while (r.pos < runEnd) into.push(read(r));
    checkEnd(r, runEnd);
  } else into.push(read(r));
}

/** Fields every point has; true when `t` was one of them. */
function readBaseField(r: WireReader, t: number, end: number, p: PointBase, fields: { attributes: number; exemplars: number; flags: number }): boolean {
  if (t === tag(fields.attributes, LEN)) readAttributeInto(r, subEnd(r, end), p.attributes);
  else if (t === tag(2, I64)) p.start = fixed64(r);
  else if (t === tag(3, I64)) p.time = fixed64(r);
  else if (t === tag(fields.flags, VARINT)) p.flags = r.uint32();
  else if (t === tag(fields.exemplars, LEN)) {
    if (p.exemplars === NO_EXEMPLARS) p.exemplars = { filteredAttributes: [], times: [], values: [], spanIds: [], traceIds: [] };
    readExemplar(r, subEnd(r, end), p.exemplars);
  } else return false;
  return true;
}

function basePoint(): PointBase {
  return { attributes: {}, start: 0n, time: 0n, flags: 0, exemplars: NO_EXEMPLARS };
}

/** Reads one exemplar into the point's columns; a wrongly sized id marks it (checked by {@link exemplarProblem}). */
function readExemplar(r: WireReader, end: number, into: Exemplars): void {
  const attributes: StringMap = {};
  let time = 0n;
  let value = 0;
  let spanId = '';
  let traceId = '';
  while (r.pos < end) {
    const t = r.uint32();
    if (t === tag(7, LEN)) readAttributeInto(r, subEnd(r, end), attributes);
    else if (t === tag(2, I64)) time = fixed64(r);
    else if (t === tag(3, I64)) value = r.double();
    else if (t === tag(6, I64)) value = sfixed64AsDouble(r);
    else if (t === tag(4, LEN)) spanId = readHex(r, end);
    else if (t === tag(5, LEN)) traceId = readHex(r, end);
    else skipField(r, t, end);
  }
  checkEnd(r, end);
  into.filteredAttributes.push(attributes);
  into.times.push(time);
  into.values.push(value);
  into.spanIds.push(spanId);
  into.traceIds.push(traceId);
}

/** Why the point's exemplars reject it (an id of the wrong size); all-zero ids are stored as none. */
function exemplarProblem(e: Exemplars): string | undefined {
  for (let i = 0; i < e.spanIds.length; i++) {
    const problem = optionalIdProblem(`exemplars[${i}].spanId`, e.spanIds[i]!, 8) ?? optionalIdProblem(`exemplars[${i}].traceId`, e.traceIds[i]!, 16);
    if (problem !== undefined) return problem;
    if (isZeroHex(e.spanIds[i]!)) e.spanIds[i] = '';
    if (isZeroHex(e.traceIds[i]!)) e.traceIds[i] = '';
  }
  return undefined;
}

function readNumberPoint(r: WireReader, end: number): NumberPoint | string {
  const p: NumberPoint = { ...basePoint(), value: 0 };
  while (r.pos < end) {
    const t = r.uint32();
    if (readBaseField(r, t, end, p, { attributes: 7, exemplars: 5, flags: 8 })) continue;
    if (t === tag(4, I64)) p.value = r.double();
    else if (t === tag(6, I64)) p.value = sfixed64AsDouble(r);
    else skipField(r, t, end);
  }
  checkEnd(r, end);
  return exemplarProblem(p.exemplars) ?? p;
}

function readHistogramPoint(r: WireReader, end: number): HistogramPoint | string {
  const p: HistogramPoint = { ...basePoint(), count: '0', sum: undefined, bucketCounts: [], explicitBounds: [], min: undefined, max: undefined };
  while (r.pos < end) {
    const t = r.uint32();
    if (readBaseField(r, t, end, p, { attributes: 9, exemplars: 8, flags: 10 })) continue;
    if (t === tag(4, I64)) p.count = count64(r);
    else if (t === tag(5, I64)) p.sum = r.double();
    else if (t === tag(6, LEN) || t === tag(6, I64)) readRepeated(r, t, end, p.bucketCounts, count64);
    else if (t === tag(7, LEN) || t === tag(7, I64)) readRepeated(r, t, end, p.explicitBounds, (x) => x.double());
    else if (t === tag(11, I64)) p.min = r.double();
    else if (t === tag(12, I64)) p.max = r.double();
    else skipField(r, t, end);
  }
  checkEnd(r, end);
  return exemplarProblem(p.exemplars) ?? p;
}

function readBuckets(r: WireReader, end: number): ExponentialBuckets {
  const b: ExponentialBuckets = { offset: 0, bucketCounts: [] };
  while (r.pos < end) {
    const t = r.uint32();
    if (t === tag(1, VARINT)) b.offset = r.sint32();
    else if (t === tag(2, LEN) || t === tag(2, VARINT)) readRepeated(r, t, end, b.bucketCounts, varintCount);
    else skipField(r, t, end);
  }
  checkEnd(r, end);
  return b;
}

function readExponentialPoint(r: WireReader, end: number): ExponentialHistogramPoint | string {
  const p: ExponentialHistogramPoint = {
    ...basePoint(),
    count: '0',
    sum: undefined,
    scale: 0,
    zeroCount: '0',
    positive: { offset: 0, bucketCounts: [] },
    negative: { offset: 0, bucketCounts: [] },
    min: undefined,
    max: undefined,
  };
  while (r.pos < end) {
    const t = r.uint32();
    if (readBaseField(r, t, end, p, { attributes: 1, exemplars: 11, flags: 10 })) continue;
    if (t === tag(4, I64)) p.count = count64(r);
    else if (t === tag(5, I64)) p.sum = r.double();
    else if (t === tag(6, VARINT)) p.scale = r.sint32();
    else if (t === tag(7, I64)) p.zeroCount = count64(r);
    else if (t === tag(8, LEN)) p.positive = readBuckets(r, subEnd(r, end));
    else if (t === tag(9, LEN)) p.negative = readBuckets(r, subEnd(r, end));
    else if (t === tag(12, I64)) p.min = r.double();
    else if (t === tag(13, I64)) p.max = r.double();
    else skipField(r, t, end);
  }
  checkEnd(r, end);
  return exemplarProblem(p.exemplars) ?? p;
}

function readSummaryPoint(r: WireReader, end: number): SummaryPoint | string {
  const p: SummaryPoint = { ...basePoint(), count: '0', sum: 0, quantiles: [], values: [] };
  while (r.pos < end) {
    const t = r.uint32();
    // A summary has no exemplars: field 5 is its sum (exemplars: -1 matches no tag).
    if (readBaseField(r, t, end, p, { attributes: 7, exemplars: -1, flags: 8 })) continue;
    if (t === tag(4, I64)) p.count = count64(r);
    else if (t === tag(5, I64)) p.sum = r.double();
    else if (t === tag(6, LEN)) {
      const qEnd = subEnd(r, end);
      let quantile = 0;
      let value = 0;
      while (r.pos < qEnd) {
        const q = r.uint32();
        if (q === tag(1, I64)) quantile = r.double();
        else if (q === tag(2, I64)) value = r.double();
        else skipField(r, q, qEnd);
      }
      checkEnd(r, qEnd);
      p.quantiles.push(quantile);
      p.values.push(value);
    } else skipField(r, t, end);
  }
  checkEnd(r, end);
  return p;
}
