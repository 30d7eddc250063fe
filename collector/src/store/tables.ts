import type { FeedbackRow, LogRow, PredictionRow, SpanRow } from './rows.js';

/**
 * How each table's rows become `JSONCompactEachRow` lines: the column list of the
 * INSERT, and a function giving one row's values in that order.
 */
export interface TableCodec<R> {
  /** Table name. */
  table: string;
  /** Columns named in the INSERT, in value order. */
  columns: readonly string[];
  /** One row as a `JSONCompactEachRow` line (no newline). */
  line(row: R): string;
}

/** Serialises many rows into one payload (lines joined by `\n`). */
export function encodeRows<R>(codec: TableCodec<R>, rows: readonly R[]): string {
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = codec.line(rows[i]!);
  return lines.join('\n');
}

/** `otel_traces`. */
export const SPANS: TableCodec<SpanRow> = {
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

/** `otel_logs`. */
export const LOGS: TableCodec<LogRow> = {
  table: 'otel_logs',
  columns: [
    'Timestamp', 'TraceId', 'SpanId', 'TraceFlags', 'SeverityText', 'SeverityNumber', 'ServiceName', 'Body',
    'ResourceSchemaUrl', 'ResourceAttributes', 'ScopeSchemaUrl', 'ScopeName', 'ScopeVersion', 'ScopeAttributes',
    'LogAttributes', 'EventName', 'Project',
  ],
  line: (r) =>
    JSON.stringify([
      r.Timestamp, r.TraceId, r.SpanId, r.TraceFlags, r.SeverityText, r.SeverityNumber, r.ServiceName, r.Body,
      r.ResourceSchemaUrl, r.ResourceAttributes, r.ScopeSchemaUrl, r.ScopeName, r.ScopeVersion, r.ScopeAttributes,
      r.LogAttributes, r.EventName, r.Project,
    ]),
};

/**
 * `predictions`, written through `predictions_ingest` (a Null table whose materialized
 * view fills \`predictions\`): maps travel as parallel key and value arrays.
 */
export const PREDICTIONS: TableCodec<PredictionRow> = {
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

/** `feedback`. */
export const FEEDBACK: TableCodec<FeedbackRow> = {
  table: 'feedback',
  columns: ['Timestamp', 'PredictionId', 'Project', 'ModelName', 'ModelVersion', 'Label', 'Value', 'Attributes'],
  line: (r) => JSON.stringify([r.Timestamp, r.PredictionId, r.Project, r.ModelName, r.ModelVersion, r.Label, r.Value, r.Attributes]),
};
