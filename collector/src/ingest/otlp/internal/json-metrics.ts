import type { StringMap } from '../../../store/schema/column-types.js';
import { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedMetricsRequest } from '../decode-metrics-request.js';
import { jsonAttributesInto } from './json-any-value.js';
import { enumField, idField, JsonShapeError, nanosField, optionalArray, optionalObject, requiredObject, shapeError, stringField, uint32Field } from './json-common.js';
import type { JsonObject } from './json-common.js';
import { walkJsonEnvelope } from './json-envelope.js';
import { MetricRows, NO_EXEMPLARS, rejectMetric } from './metric-points.js';
import type {
  ExponentialBuckets,
  ExponentialHistogramPoint,
  Exemplars,
  HistogramPoint,
  MetricData,
  NumberPoint,
  PointBase,
  PointOrProblem,
  SummaryPoint,
} from './metric-points.js';
import { METRICS_ENVELOPE } from './signal-envelope.js';
import type { RecordContext } from './signal-envelope.js';

/** `AGGREGATION_TEMPORALITY_*` names to their values. */
const TEMPORALITY_BY_NAME: ReadonlyMap<string, number> = new Map(['UNSPECIFIED', 'DELTA', 'CUMULATIVE'].map((n, i) => [`AGGREGATION_TEMPORALITY_${n}`, i]));

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` (`resourceMetrics[].scopeMetrics[].metrics[]`).
 * A point with a field of the wrong type is rejected alone; a metric of the wrong shape (its data
 * not an object, `isMonotonic` not a boolean, ...) is rejected whole and counted once; a shape
 * error above the metrics refuses the request.
 */
export function decodeMetricsJson(body: Uint8Array, project: string, eventTimes = EventTimeBounds.REPRESENTABLE): DecodedMetricsRequest {
  const rows = new MetricRows(eventTimes);
  const rejections = walkJsonEnvelope(body, METRICS_ENVELOPE, (v, path, metric) => jsonMetric(v, path, metric, rows), project);
  return rows.result(rejections);
}

const KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const;

/** One metric at `path` (a `JsonRecordReader` once `rows` is bound): a row per data point. */
function jsonMetric(v: unknown, path: string, metric: RecordContext, rows: MetricRows): void {
  const m = requiredObject(v, path);
  const header = { name: stringField(m, 'name', path), description: stringField(m, 'description', path), unit: stringField(m, 'unit', path) };
  const kind = KINDS.find((k) => m[k] !== undefined && m[k] !== null);
  if (kind === undefined) return rejectMetric(metric, ': no data (none of gauge, sum, histogram, exponentialHistogram, summary)', 0);
  const dataPath = `${path}.${kind}`;
  const d = requiredObject(m[kind], dataPath);
  const list = optionalArray(d.dataPoints, `${dataPath}.dataPoints`);
  const points = <P>(read: (o: JsonObject) => P): PointOrProblem<P>[] =>
    list.map((x) => {
      try {
        return read(requiredObject(x, ''));
      } catch (err) {
        if (!(err instanceof JsonShapeError)) throw err;
        // Paths inside a point are relative to it (''): MetricRows puts the point's path in front.
        return err.message.startsWith('.') ? err.message.slice(1) : err.message;
      }
    });
  const temporality = () => enumField(d, 'aggregationTemporality', dataPath, TEMPORALITY_BY_NAME);
  let data: MetricData;
  switch (kind) {
    case 'gauge':
      data = { kind, points: points(numberPoint) };
      break;
    case 'sum': {
      const monotonic = d.isMonotonic ?? false;
      if (typeof monotonic !== 'boolean') throw shapeError(`${dataPath}.isMonotonic`, 'a boolean', monotonic);
      data = { kind, temporality: temporality(), monotonic, points: points(numberPoint) };
      break;
    }
    case 'histogram':
      data = { kind, temporality: temporality(), points: points(histogramPoint) };
      break;
    case 'exponentialHistogram':
      data = { kind, temporality: temporality(), points: points(exponentialPoint) };
      break;
    case 'summary':
      data = { kind, points: points(summaryPoint) };
      break;
  }
  if (header.name === '') return rejectMetric(metric, 'name: missing; a metric needs its name', data.points.length);
  rows.add(metric, header, data);
}

/** A `double` field: a number, or a string holding one (`"NaN"`, `"Infinity"`); undefined when absent. */
function optionalDouble(o: JsonObject, field: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (v === 'NaN') return Number.NaN;
    const n = Number(v);
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
  }
  throw shapeError(`.${field}`, 'a number', v);
}

const INT64 = /^-?\d+$/;
const UINT64 = /^\d+$/;

/** An `int64` value (`asInt`) as a double, as the exporter stores it. */
function int64AsDouble(o: JsonObject, field: string): number | undefined {
  const v = o[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INT64.test(v)) return Number(v);
  throw shapeError(`.${field}`, 'a 64-bit integer (decimal string or number)', v);
}

/** A `fixed64`/`uint64` count as decimal digits; "0" when absent. */
function countField(v: unknown, path: string): string {
  if (v === undefined || v === null) return '0';
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return String(v);
  if (typeof v === 'string' && UINT64.test(v) && BigInt(v) < 2n ** 64n) return BigInt(v).toString();
  throw shapeError(path, 'an unsigned 64-bit count (decimal string or number)', v);
}

function countList(o: JsonObject, field: string, path = ''): string[] {
  return optionalArray(o[field], `${path}.${field}`).map((v, i) => countField(v, `${path}.${field}[${i}]`));
}

function doubleList(o: JsonObject, field: string): number[] {
  return optionalArray(o[field], `.${field}`).map((v, i) => {
    const n = optionalDouble({ v }, 'v');
    if (n === undefined) throw shapeError(`.${field}[${i}]`, 'a number', v);
    return n;
  });
}

function int32Field(o: JsonObject, field: string, path: string): number {
  const v = o[field];
  if (v === undefined || v === null) return 0;
  const n = typeof v === 'string' && INT64.test(v) ? Number(v) : v;
  if (typeof n === 'number' && Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31) return n;
  throw shapeError(`${path}.${field}`, 'a signed 32-bit integer', v);
}

function basePoint(o: JsonObject): PointBase {
  const attributes: StringMap = {};
  jsonAttributesInto(o.attributes, '.attributes', attributes);
  const list = optionalArray(o.exemplars, '.exemplars');
  let exemplars: Exemplars = NO_EXEMPLARS;
  if (list.length > 0) {
    exemplars = { filteredAttributes: [], times: [], values: [], spanIds: [], traceIds: [] };
    for (let i = 0; i < list.length; i++) {
      const path = `.exemplars[${i}]`;
      const e = requiredObject(list[i], path);
      const filtered: StringMap = {};
      jsonAttributesInto(e.filteredAttributes, `${path}.filteredAttributes`, filtered);
      exemplars.filteredAttributes.push(filtered);
      exemplars.times.push(BigInt(nanosField(e, 'timeUnixNano', path)));
      exemplars.values.push(int64Or(e, path));
      exemplars.spanIds.push(idField(e, 'spanId', path, 8, false));
      exemplars.traceIds.push(idField(e, 'traceId', path, 16, false));
    }
  }
  return {
    attributes,
    start: BigInt(nanosField(o, 'startTimeUnixNano', '')),
    time: BigInt(nanosField(o, 'timeUnixNano', '')),
    flags: uint32Field(o, 'flags', ''),
    exemplars,
  };
}

/** `asDouble` or `asInt` of a point or an exemplar at `path` (relative), 0 when neither. */
function int64Or(o: JsonObject, path: string): number {
  try {
    return optionalDouble(o, 'asDouble') ?? int64AsDouble(o, 'asInt') ?? 0;
  } catch (err) {
    if (err instanceof JsonShapeError && path !== '') throw new JsonShapeError(`${path}${err.message}`);
    throw err;
  }
}

function numberPoint(o: JsonObject): NumberPoint {
  return { ...basePoint(o), value: int64Or(o, '') };
}

function histogramPoint(o: JsonObject): HistogramPoint {
  return {
    ...basePoint(o),
    count: countField(o.count, '.count'),
    sum: optionalDouble(o, 'sum'),
    bucketCounts: countList(o, 'bucketCounts'),
    explicitBounds: doubleList(o, 'explicitBounds'),
    min: optionalDouble(o, 'min'),
    max: optionalDouble(o, 'max'),
  };
}

function buckets(o: JsonObject, field: string): ExponentialBuckets {
  const b = optionalObject(o[field], `.${field}`);
  if (b === undefined) return { offset: 0, bucketCounts: [] };
  return { offset: int32Field(b, 'offset', `.${field}`), bucketCounts: countList(b, 'bucketCounts', `.${field}`) };
}

function exponentialPoint(o: JsonObject): ExponentialHistogramPoint {
  return {
    ...basePoint(o),
    count: countField(o.count, '.count'),
    sum: optionalDouble(o, 'sum'),
    scale: int32Field(o, 'scale', ''),
    zeroCount: countField(o.zeroCount, '.zeroCount'),
    positive: buckets(o, 'positive'),
    negative: buckets(o, 'negative'),
    min: optionalDouble(o, 'min'),
    max: optionalDouble(o, 'max'),
  };
}

function summaryPoint(o: JsonObject): SummaryPoint {
  const quantiles: number[] = [];
  const values: number[] = [];
  optionalArray(o.quantileValues, '.quantileValues').forEach((x, i) => {
    const q = requiredObject(x, `.quantileValues[${i}]`);
    try {
      quantiles.push(optionalDouble(q, 'quantile') ?? 0);
      values.push(optionalDouble(q, 'value') ?? 0);
    } catch (err) {
      if (err instanceof JsonShapeError) throw new JsonShapeError(`.quantileValues[${i}]${err.message}`);
      throw err;
    }
  });
  return { ...basePoint(o), count: countField(o.count, '.count'), sum: optionalDouble(o, 'sum') ?? 0, quantiles, values };
}
