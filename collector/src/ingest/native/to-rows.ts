import { DEFAULT_PROJECT, type NormalizedFeedback, type NormalizedPrediction } from '@inferlens/semconv';
import type { FeedbackRow } from '../../store/schema/feedback.js';
import type { PredictionRow } from '../../store/schema/predictions.js';
import { formatUnixNanos } from './format-unix-nanos.js';

/**
 * Maps a validated prediction to a `predictions` row. The row's `Timestamp`
 * is the record's event time, or `receivedAtNs` when the record gave none.
 * The feature, output and attribute maps are shared with the record, not
 * copied.
 *
 * @param prediction a record returned by `validatePrediction`
 * @param receivedAtNs when the collector received the record, in Unix nanoseconds
 * @param requestProject the request's project (`X-Inferlens-Project`), for a record whose
 *   project is `default` (or not given)
 */
export function predictionToRow(prediction: NormalizedPrediction, receivedAtNs: bigint, requestProject?: string): PredictionRow {
  return {
    Timestamp: formatUnixNanos(prediction.timeUnixNano ?? receivedAtNs),
    PredictionId: prediction.predictionId,
    TraceId: prediction.traceId,
    SpanId: prediction.spanId,
    Project: projectFor(prediction.project, requestProject),
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
    Embedding: prediction.embedding,
    Attributes: prediction.attributes,
    // The request's key: set by the batcher (InsertBatcher.add) or the transcoder.
    IngestKey: '',
  };
}

/**
 * Maps a validated feedback record to a `feedback` row: a categorical truth
 * goes to `Label` (with `Value` null), a numeric truth to `Value` (with
 * `Label` empty). `Timestamp` falls back to `receivedAtNs` as for predictions.
 *
 * @param feedback a record returned by `validateFeedback`
 * @param receivedAtNs when the collector received the record, in Unix nanoseconds
 * @param requestProject as for {@link predictionToRow}
 */
export function feedbackToRow(feedback: NormalizedFeedback, receivedAtNs: bigint, requestProject?: string): FeedbackRow {
  return {
    Timestamp: formatUnixNanos(feedback.timeUnixNano ?? receivedAtNs),
    PredictionId: feedback.predictionId,
    Project: projectFor(feedback.project, requestProject),
    ModelName: feedback.model,
    ModelVersion: feedback.version,
    Label: feedback.label ?? '',
    Value: feedback.value ?? null,
    Attributes: feedback.attributes,
  };
}

/** The row's project: the record's, unless it is the default and the request names one. */
export function projectFor(recordProject: string, requestProject: string | undefined): string {
  return requestProject !== undefined && recordProject === DEFAULT_PROJECT ? requestProject : recordProject;
}
