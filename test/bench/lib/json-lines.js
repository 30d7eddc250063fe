// The JSONCompactEachRow rows the collector wrote before every insert became RowBinary (its
// server mode, and earlier embedded versions), kept as they were for the benchmarks' JSON
// baselines: predictions as key and value arrays into `predictions_ingest` (whose view fills
// `predictions`), spans straight into `otel_traces`.

/** `predictions` rows through `predictions_ingest`. */
export const PREDICTIONS_JSON = {
  table: 'predictions_ingest',
  columns: [
    'Timestamp', 'PredictionId', 'TraceId', 'SpanId', 'Project', 'ServiceName', 'ModelName', 'ModelVersion',
    'Environment', 'Segment', 'LatencyMs', 'Status', 'ErrorType',
    'NumericFeatureKeys', 'NumericFeatureValues', 'CategoricalFeatureKeys', 'CategoricalFeatureValues',
    'NumericOutputKeys', 'NumericOutputValues', 'CategoricalOutputKeys', 'CategoricalOutputValues',
    'InputTokens', 'OutputTokens', 'SampleRate', 'AttributeKeys', 'AttributeValues',
  ],
  line: (r) =>
    JSON.stringify([
      r.Timestamp, r.PredictionId, r.TraceId, r.SpanId, r.Project, r.ServiceName, r.ModelName, r.ModelVersion,
      r.Environment, r.Segment, r.LatencyMs, r.Status, r.ErrorType,
      Object.keys(r.NumericFeatures), Object.values(r.NumericFeatures),
      Object.keys(r.CategoricalFeatures), Object.values(r.CategoricalFeatures),
      Object.keys(r.NumericOutputs), Object.values(r.NumericOutputs),
      Object.keys(r.CategoricalOutputs), Object.values(r.CategoricalOutputs),
      r.InputTokens, r.OutputTokens, r.SampleRate, Object.keys(r.Attributes), Object.values(r.Attributes),
    ]),
};

/** `otel_traces` rows. */
export const SPANS_JSON = {
  table: 'otel_traces',
  columns: [
    'Timestamp', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState', 'SpanName', 'SpanKind', 'ServiceName',
    'ResourceAttributes', 'ScopeName', 'ScopeVersion', 'SpanAttributes', 'Duration', 'StatusCode', 'StatusMessage',
    'Events.Timestamp', 'Events.Name', 'Events.Attributes',
    'Links.TraceId', 'Links.SpanId', 'Links.TraceState', 'Links.Attributes', 'Project',
  ],
  line: (r) =>
    JSON.stringify([
      r.Timestamp, r.TraceId, r.SpanId, r.ParentSpanId, r.TraceState, r.SpanName, r.SpanKind, r.ServiceName,
      r.ResourceAttributes, r.ScopeName, r.ScopeVersion, r.SpanAttributes, r.Duration, r.StatusCode, r.StatusMessage,
      r.EventsTimestamp, r.EventsName, r.EventsAttributes,
      r.LinksTraceId, r.LinksSpanId, r.LinksTraceState, r.LinksAttributes, r.Project,
    ]),
};
