import type { StringMap } from '../../../store/schema/column-types.js';
import type { ExponentialHistogramRow, GaugeRow, HistogramRow, SumRow, SummaryRow } from '../../../store/schema/otel-metrics.js';
import type { EventTimeBounds } from '../../EventTimeBounds.js';
import type { DecodedMetricsRequest } from '../decode-metrics-request.js';
import type { Rejections } from './rejections.js';
import { problemAt } from './signal-envelope.js';
import type { RecordContext } from './signal-envelope.js';

/*
 * The data points of an OTLP metric as both decoders (protobuf-metrics.ts, json-metrics.ts) read
 * them, and their mapping to the `otel_metrics_*` rows, as the OpenTelemetry Collector's
 * ClickHouse exporter maps them: times truncated to whole seconds, an integer value stored as a
 * double, an absent sum, min or max stored as 0, attributes flattened as for spans, exemplar ids
 * in lowercase hex. Both walk the request with the envelope walkers (`METRICS_ENVELOPE`): a metric
 * is one record, which yields a row per data point.
 */

/** A metric's own fields. */
export interface MetricHeader {
  name: string;
  description: string;
  unit: string;
}

/** The exemplars of one data point, column by column. */
export interface Exemplars {
  filteredAttributes: StringMap[];
  /** Unix nanoseconds. */
  times: bigint[];
  values: number[];
  spanIds: string[];
  traceIds: string[];
}

/** What every data point has. */
export interface PointBase {
  attributes: StringMap;
  /** Unix nanoseconds; 0n when absent. */
  start: bigint;
  /** Unix nanoseconds; 0n when absent (which rejects the point). */
  time: bigint;
  flags: number;
  exemplars: Exemplars;
}

/** A gauge's or a sum's point. */
export interface NumberPoint extends PointBase {
  value: number;
}

/** An explicit-bucket histogram's point. Counts are decimal strings (they may pass 2^53). */
export interface HistogramPoint extends PointBase {
  count: string;
  sum: number | undefined;
  bucketCounts: string[];
  explicitBounds: number[];
  min: number | undefined;
  max: number | undefined;
}

/** An exponential histogram's buckets. */
export interface ExponentialBuckets {
  offset: number;
  bucketCounts: string[];
}

/** An exponential histogram's point. */
export interface ExponentialHistogramPoint extends PointBase {
  count: string;
  sum: number | undefined;
  scale: number;
  zeroCount: string;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
  min: number | undefined;
  max: number | undefined;
}

/** A summary's point. */
export interface SummaryPoint extends PointBase {
  count: string;
  sum: number;
  quantiles: number[];
  values: number[];
}

/**
 * A point, or why it is rejected (relative to the point: `timeUnixNano: ...`). Decoders return
 * the reason for what only they can see (a JSON field of the wrong type, an id of the wrong size);
 * {@link MetricRows.add} checks the rest.
 */
export type PointOrProblem<P> = P | string;

/** The data of one metric, by type, as OTLP/JSON names the field (which names it in rejections). */
export type MetricData =
  | { kind: 'gauge'; points: PointOrProblem<NumberPoint>[] }
  | { kind: 'sum'; temporality: number; monotonic: boolean; points: PointOrProblem<NumberPoint>[] }
  | { kind: 'histogram'; temporality: number; points: PointOrProblem<HistogramPoint>[] }
  | { kind: 'exponentialHistogram'; temporality: number; points: PointOrProblem<ExponentialHistogramPoint>[] }
  | { kind: 'summary'; points: PointOrProblem<SummaryPoint>[] };

/** Empty exemplars (shared: never mutated). */
export const NO_EXEMPLARS: Exemplars = Object.freeze({ filteredAttributes: [], times: [], values: [], spanIds: [], traceIds: [] });

/** Latest time a `DateTime` column holds: 2106-02-07T06:28:15Z. */
const MAX_DATETIME_SECONDS = 0xffff_ffffn;
const NS_PER_SECOND = 1_000_000_000n;

/** Whole seconds of `ns`, or undefined beyond `DateTime`'s range. */
function seconds(ns: bigint): number | undefined {
  const s = ns / NS_PER_SECOND;
  return s > MAX_DATETIME_SECONDS ? undefined : Number(s);
}

/** The columns both histogram tables end with, after their buckets (in the tables' order). */
function histogramTail<E>(h: HistogramPoint | ExponentialHistogramPoint, temporality: number, exemplars: E, Project: string) {
  return { ...exemplars, Flags: h.flags, Min: h.min ?? 0, Max: h.max ?? 0, AggregationTemporality: temporality, Project };
}

const BEYOND_DATETIME = "is beyond the latest time otel_metrics_* hold (their DateTime columns end at 2106-02-07T06:28:15Z)";

/**
 * Rejects a metric as a whole (no data, no name, data of the wrong shape): its points, or one
 * when it has none, are counted.
 * @param problem Relative to the metric: `name: missing ...`, or `: no data ...` (see `RecordContext.reject`).
 */
export function rejectMetric(metric: RecordContext, problem: string, points: number): void {
  for (let i = 0; i < Math.max(points, 1); i++) metric.reject(problem);
}

/**
 * Collects the rows of a request's metrics, table by table. A point is rejected alone (counted,
 * its path named) for: no time, a time outside `eventTimes`, a start or exemplar time beyond
 * `DateTime`'s range, a histogram whose bucket counts do not match its bounds, a summary whose
 * quantile is outside [0, 1], or what its decoder found wrong.
 */
export class MetricRows {
  readonly gauge: GaugeRow[] = [];
  readonly sum: SumRow[] = [];
  readonly histogram: HistogramRow[] = [];
  readonly exponentialHistogram: ExponentialHistogramRow[] = [];
  readonly summary: SummaryRow[] = [];
  readonly #eventTimes: EventTimeBounds;

  constructor(eventTimes: EventTimeBounds) {
    this.#eventTimes = eventTimes;
  }

  /**
   * Adds the rows of one metric, with its resource and scope; a rejected point goes to
   * `metric.reject`, which puts the metric's path in front
   * (`resourceMetrics[0].scopeMetrics[1].metrics[2]`).
   */
  add(metric: RecordContext, header: MetricHeader, data: MetricData): void {
    const { resource, scope } = metric;
    data.points.forEach((point: PointOrProblem<PointBase>, i) => {
      const problem = typeof point === 'string' ? point : this.#problem(point, data);
      if (problem !== undefined) {
        metric.reject(problemAt(`${data.kind}.dataPoints[${i}]`, problem));
        return;
      }
      const p = point as PointBase;
      const base = {
        ResourceAttributes: resource.attributes,
        ResourceSchemaUrl: resource.schemaUrl,
        ScopeName: scope.name,
        ScopeVersion: scope.version,
        ScopeAttributes: scope.attributes,
        ScopeDroppedAttrCount: scope.droppedAttributesCount,
        ScopeSchemaUrl: scope.schemaUrl,
        ServiceName: resource.serviceName,
        MetricName: header.name,
        MetricDescription: header.description,
        MetricUnit: header.unit,
        Attributes: p.attributes,
        StartTimeUnix: seconds(p.start)!,
        TimeUnix: seconds(p.time)!,
      };
      const e = p.exemplars;
      const exemplars = {
        ExemplarsFilteredAttributes: e.filteredAttributes,
        ExemplarsTimeUnix: e.times.map((t) => seconds(t)!),
        ExemplarsValue: e.values,
        ExemplarsSpanId: e.spanIds,
        ExemplarsTraceId: e.traceIds,
      };
      const Project = metric.project;
      switch (data.kind) {
        case 'gauge': {
          const n = p as NumberPoint;
          this.gauge.push({ ...base, Value: n.value, Flags: n.flags, ...exemplars, Project });
          break;
        }
        case 'sum': {
          const n = p as NumberPoint;
          this.sum.push({ ...base, Value: n.value, Flags: n.flags, ...exemplars, AggregationTemporality: data.temporality, IsMonotonic: data.monotonic, Project });
          break;
        }
        case 'histogram': {
          const h = p as HistogramPoint;
          this.histogram.push({
            ...base,
            Count: h.count,
            Sum: h.sum ?? 0,
            BucketCounts: h.bucketCounts,
            ExplicitBounds: h.explicitBounds,
            ...histogramTail(h, data.temporality, exemplars, Project),
          });
          break;
        }
        case 'exponentialHistogram': {
          const h = p as ExponentialHistogramPoint;
          this.exponentialHistogram.push({
            ...base,
            Count: h.count,
            Sum: h.sum ?? 0,
            Scale: h.scale,
            ZeroCount: h.zeroCount,
            PositiveOffset: h.positive.offset,
            PositiveBucketCounts: h.positive.bucketCounts,
            NegativeOffset: h.negative.offset,
            NegativeBucketCounts: h.negative.bucketCounts,
            ...histogramTail(h, data.temporality, exemplars, Project),
          });
          break;
        }
        case 'summary': {
          const s = p as SummaryPoint;
          this.summary.push({ ...base, Count: s.count, Sum: s.sum, ValueAtQuantilesQuantile: s.quantiles, ValueAtQuantilesValue: s.values, Flags: s.flags, Project });
          break;
        }
      }
    });
  }

  /** The decoders' result, with the points the walk rejected. */
  result(rejections: Rejections): DecodedMetricsRequest {
    const { gauge, sum, histogram, exponentialHistogram, summary } = this;
    return { gauge, sum, histogram, exponentialHistogram, summary, rejected: rejections.count, errors: rejections.messages };
  }

  #problem(p: PointBase, data: MetricData): string | undefined {
    if (p.time === 0n) return 'timeUnixNano: missing (0); a data point needs its time';
    if (!this.#eventTimes.contains(p.time)) return `timeUnixNano: ${this.#eventTimes.problem(p.time)}`;
    if (seconds(p.time) === undefined) return `timeUnixNano: ${p.time} ns ${BEYOND_DATETIME}`;
    if (seconds(p.start) === undefined) return `startTimeUnixNano: ${p.start} ns ${BEYOND_DATETIME}`;
    const late = p.exemplars.times.findIndex((t) => seconds(t) === undefined);
    if (late >= 0) return `exemplars[${late}].timeUnixNano: ${p.exemplars.times[late]} ns ${BEYOND_DATETIME}`;
    if (data.kind === 'histogram') {
      const h = p as HistogramPoint;
      if (h.bucketCounts.length !== 0 && h.bucketCounts.length !== h.explicitBounds.length + 1) {
        return `bucketCounts: expected none or explicitBounds + 1 (${h.explicitBounds.length + 1}) counts, got ${h.bucketCounts.length}`;
      }
    }
    if (data.kind === 'summary') {
      const s = p as SummaryPoint;
      const bad = s.quantiles.findIndex((q) => !(q >= 0 && q <= 1));
      if (bad >= 0) return `quantileValues[${bad}].quantile: expected a number from 0 to 1, got ${s.quantiles[bad]}`;
    }
    return undefined;
  }
}
