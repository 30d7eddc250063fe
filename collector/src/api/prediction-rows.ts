import type { StoredPrediction } from '../store/repositories/predictions.js';

/**
 * The JSON of a `predictions` row as the read API shows it: `GET /api/v1/predictions`, and the
 * endpoints that list predictions by another key (a trace).
 */

/** The read API's JSON of one prediction. */
export function predictionJson(r: StoredPrediction) {
  return {
    predictionId: r.PredictionId,
    timeUnixNano: r.timeUnixNano,
    timestamp: new Date(Number(BigInt(r.timeUnixNano) / 1_000_000n)).toISOString(),
    traceId: r.TraceId,
    spanId: r.SpanId,
    project: r.Project,
    service: r.ServiceName,
    model: r.ModelName,
    version: r.ModelVersion,
    environment: r.Environment,
    segment: r.Segment,
    latencyMs: Number(r.LatencyMs),
    status: r.Status,
    errorType: r.ErrorType,
    numericFeatures: r.NumericFeatures,
    categoricalFeatures: r.CategoricalFeatures,
    numericOutputs: r.NumericOutputs,
    categoricalOutputs: r.CategoricalOutputs,
    inputTokens: Number(r.InputTokens),
    outputTokens: Number(r.OutputTokens),
    sampleRate: Number(r.SampleRate),
    attributes: r.Attributes,
  };
}
