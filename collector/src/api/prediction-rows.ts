/**
 * The columns of a `predictions` row as the read API shows it, and their JSON shape: the same
 * fields as `GET /api/v1/predictions` answers, for the endpoints that list predictions by another
 * key (a trace).
 */

/** SELECT list of a prediction row; read it back with {@link predictionJson}. */
export const PREDICTION_COLUMNS_SQL = `toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, PredictionId, TraceId, SpanId, Project, ServiceName,
  ModelName, ModelVersion, Environment, Segment, LatencyMs, Status, ErrorType, NumericFeatures, CategoricalFeatures,
  NumericOutputs, CategoricalOutputs, InputTokens, OutputTokens, SampleRate, Attributes`;

/** A row selected with {@link PREDICTION_COLUMNS_SQL}. */
export interface PredictionRow {
  timeUnixNano: string;
  PredictionId: string;
  TraceId: string;
  SpanId: string;
  Project: string;
  ServiceName: string;
  ModelName: string;
  ModelVersion: string;
  Environment: string;
  Segment: string;
  LatencyMs: number | string;
  Status: string;
  ErrorType: string;
  NumericFeatures: Record<string, number>;
  CategoricalFeatures: Record<string, string>;
  NumericOutputs: Record<string, number>;
  CategoricalOutputs: Record<string, string>;
  InputTokens: number | string;
  OutputTokens: number | string;
  SampleRate: number | string;
  Attributes: Record<string, string>;
}

/** The read API's JSON of one prediction. */
export function predictionJson(r: PredictionRow) {
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
