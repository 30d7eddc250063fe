import type { NormalizedFeedback, NormalizedPrediction } from '@inferlens/semconv';
import type { FeedbackRow, PredictionRow } from '../../store/rows.js';
import { formatUnixNanos } from './format-unix-nanos.js';

/**
 * Maps a validated prediction to a `predictions` row. The row's `Timestamp`
 * is the record's event time, or `receivedAtNs` when the record gave none.
 * The feature, output and attribute maps are shared with the record, not
 * copied.
 *
 * @param prediction a record returned by `validatePrediction`
 * @param receivedAtNs when the collector received the record, in Unix nanoseconds
 */
export function predictionToRow(prediction: NormalizedPrediction, receivedAtNs: bigint): PredictionRow {
  return {
    Timestamp: formatUnixNanos(prediction.timeUnixNano ?? receivedAtNs),
    PredictionId: prediction.predictionId,
    TraceId: prediction.traceId,
    SpanId: prediction.spanId,
    Project: prediction.project,
    ServiceName: prediction.service,
    ModelName: prediction.model,
    ModelVersion: prediction.version,
    Environment: prediction.environment,
    Segment: prediction.segment,
    LatencyMs: prediction.latencyMs,
    Status: prediction.status,
    ErrorType: prediction.errorType,
    NumericFeatures: prediction.numericFeatures,
    CategoricalFeatures: prediction.categoricalFeatures,
    NumericOutputs: prediction.numericOutputs,
    CategoricalOutputs: prediction.categoricalOutputs,
    InputTokens: prediction.inputTokens,
    OutputTokens: prediction.outputTokens,
    SampleRate: prediction.sampleRate,
    Attributes: prediction.attributes,
  };
}

/**
 * Maps a validated feedback record to a `feedback` row: a categorical truth
 * goes to `Label` (with `Value` null), a numeric truth to `Value` (with
 * `Label` empty). `Timestamp` falls back to `receivedAtNs` as for predictions.
 *
 * @param feedback a record returned by `validateFeedback`
 * @param receivedAtNs when the collector received the record, in Unix nanoseconds
 */
export function feedbackToRow(feedback: NormalizedFeedback, receivedAtNs: bigint): FeedbackRow {
  return {
    Timestamp: formatUnixNanos(feedback.timeUnixNano ?? receivedAtNs),
    PredictionId: feedback.predictionId,
    Project: feedback.project,
    ModelName: feedback.model,
    ModelVersion: feedback.version,
    Label: feedback.label ?? '',
    Value: feedback.value ?? null,
    Attributes: feedback.attributes,
  };
}
