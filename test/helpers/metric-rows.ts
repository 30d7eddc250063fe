/**
 * The `otel_metrics_*` rows expected from the instruments both metrics tests record through a
 * real MeterProvider (the decoders' unit test and the `/v1/metrics` end-to-end test): a gauge
 * `model.queue.depth` (7.5), a counter `model.predictions` (3 + 4), an up-down counter
 * `model.inflight` (-2), a histogram `model.latency` (0.05, 0.2, 0.3 and 2 into bounds 0.1, 0.5
 * and 1) and an exponential histogram `model.latency.exp` (the same values).
 */
import { AggregationTemporality, type DataPoint, type ExponentialHistogram, type Histogram, type MetricData } from '@opentelemetry/sdk-metrics';
import type { ExponentialHistogramRow, GaugeRow, HistogramRow, SumRow } from '../../collector/src/store/schema/otel-metrics.js';

/** The columns an expected row takes from the resource, the scope and the project. */
export type ScopeColumns = Pick<
  GaugeRow,
  'ResourceAttributes' | 'ResourceSchemaUrl' | 'ScopeName' | 'ScopeVersion' | 'ScopeAttributes' | 'ScopeDroppedAttrCount' | 'ScopeSchemaUrl' | 'ServiceName' | 'Project'
>;

/** The exemplar columns of a point without exemplars. */
export const NO_EXEMPLARS = { ExemplarsFilteredAttributes: [], ExemplarsTimeUnix: [], ExemplarsValue: [], ExemplarsSpanId: [], ExemplarsTraceId: [] };

/** The expected rows, one per instrument; a table's rows in the order the test reads them are up to the test. */
export interface ExpectedModelRows {
  gauge: GaugeRow;
  predictions: SumRow;
  inflight: SumRow;
  histogram: HistogramRow;
  exponentialHistogram: ExponentialHistogramRow;
}

/**
 * The rows expected from `metrics` (what the SDK exported): `scope` in every row, `model` as the
 * points' `model` attribute, `temporality` (OTLP's number: 1 delta, 2 cumulative) for the counter
 * and the histograms; the up-down counter takes the temporality the SDK chose for it. Times, sums
 * and exponential buckets are the SDK's; counts and explicit buckets are the recorded values'.
 */
export function expectedModelRows(metrics: MetricData[], scope: ScopeColumns, model: string, temporality: 1 | 2): ExpectedModelRows {
  const metric = (name: string) => metrics.find((m) => m.descriptor.name === name)!;
  const point = (name: string) => metric(name).dataPoints[0]! as DataPoint<unknown>;
  const head = (name: string, unit: string, description = '', attributes: Record<string, string> = { model }) => ({
    ...scope,
    MetricName: name,
    MetricDescription: description,
    MetricUnit: unit,
    Attributes: attributes,
    StartTimeUnix: point(name).startTime[0],
    TimeUnix: point(name).endTime[0],
  });
  const histogramTail = { ...NO_EXEMPLARS, Flags: 0, Min: 0.05, Max: 2, AggregationTemporality: temporality };
  const h = point('model.latency').value as Histogram;
  const e = point('model.latency.exp').value as ExponentialHistogram;
  return {
    gauge: { ...head('model.queue.depth', '{request}', 'Queued requests'), Value: 7.5, Flags: 0, ...NO_EXEMPLARS },
    predictions: { ...head('model.predictions', '{prediction}', '', { model, ok: 'true' }), Value: 7, Flags: 0, ...NO_EXEMPLARS, AggregationTemporality: temporality, IsMonotonic: true },
    inflight: {
      ...head('model.inflight', ''),
      Value: -2,
      Flags: 0,
      ...NO_EXEMPLARS,
      // Whatever temporality the SDK chose for the up-down counter, as OTLP numbers it.
      AggregationTemporality: metric('model.inflight').aggregationTemporality === AggregationTemporality.DELTA ? 1 : 2,
      IsMonotonic: false,
    },
    histogram: { ...head('model.latency', 's'), Count: '4', Sum: h.sum!, BucketCounts: ['1', '2', '0', '1'], ExplicitBounds: [0.1, 0.5, 1], ...histogramTail },
    exponentialHistogram: {
      ...head('model.latency.exp', 's'),
      Count: '4',
      Sum: e.sum!,
      Scale: e.scale,
      ZeroCount: '0',
      PositiveOffset: e.positive.offset,
      PositiveBucketCounts: e.positive.bucketCounts.map(String),
      // A histogram takes no negative value.
      NegativeOffset: 0,
      NegativeBucketCounts: [],
      ...histogramTail,
    },
  };
}
