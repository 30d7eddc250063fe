import { RowBinaryWriter } from './row-binary.js';
import { FEEDBACK as FEEDBACK_TABLE, type FeedbackRow } from './schema/feedback.js';
import { OTEL_LOGS, type LogRow } from './schema/otel-logs.js';
import { OTEL_TRACES, type SpanRow } from './schema/otel-traces.js';
import { PREDICTIONS as PREDICTIONS_TABLE, type PredictionRow } from './schema/predictions.js';
import { READINESS_PROBE as READINESS_PROBE_TABLE, type ReadinessProbeRow } from './schema/readiness-probe.js';
import type { TableDefinition } from './schema/TableDefinition.js';

/**
 * How one table's rows are written in `RowBinary`: the table, its columns with the types
 * the bytes are read as (the structure of the engine's `file()` function, whose order is the
 * INSERT's), and a function writing one row in that order.
 */
export interface BinaryCodec<R> {
  /** Table name. */
  table: string;
  /** `[column, type]` in value order. */
  columns: readonly (readonly [name: string, type: string])[];
  /** Appends one row. */
  write(w: RowBinaryWriter, row: R): void;
}

/**
 * How each table's rows are serialised: as `JSONCompactEachRow` lines (the column list of
 * the INSERT, and a function giving one row's values in that order), and as `RowBinary`.
 * The store says which one it takes (`ClickHouseStore.rowFormat`).
 */
export interface TableCodec<R> {
  /** Table name. */
  table: string;
  /** Columns named in the INSERT, in value order. */
  columns: readonly string[];
  /** One row as a `JSONCompactEachRow` line (no newline). */
  line(row: R): string;
  /** The same rows in `RowBinary`. */
  binary: BinaryCodec<R>;
  /**
   * The UTC day (days since 1970-01-01) of the row's partition, for a table partitioned by
   * day (`PARTITION BY toDate(...)`); absent for the others. See `PartitionDays`.
   */
  partitionDay?(row: R): number;
}

/** The RowBinary side of a table's definition. */
function binaryOf<R>(def: TableDefinition<R>): BinaryCodec<R> {
  return { table: def.name, columns: def.wireColumns, write: def.write };
}

/** Serialises many rows into one `RowBinary` payload. */
export function encodeRowsBinary<R>(codec: BinaryCodec<R>, rows: readonly R[], bytesPerRowHint = 256): Buffer {
  const w = new RowBinaryWriter(rows.length * bytesPerRowHint + 64);
  for (let i = 0; i < rows.length; i++) codec.write(w, rows[i]!);
  return w.bytes();
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
  binary: binaryOf(OTEL_TRACES),
  partitionDay: OTEL_TRACES.partitionDay!,
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
  binary: binaryOf(OTEL_LOGS),
  partitionDay: OTEL_LOGS.partitionDay!,
};

/**
 * `predictions`. As `JSONCompactEachRow` it is written through `predictions_ingest` (a Null
 * table whose materialized view fills \`predictions\`), maps travelling as parallel key and
 * value arrays, which the engine parses faster than JSON objects; as `RowBinary`, directly.
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
  binary: binaryOf(PREDICTIONS_TABLE),
  partitionDay: PREDICTIONS_TABLE.partitionDay!,
};

/** `feedback`. */
export const FEEDBACK: TableCodec<FeedbackRow> = {
  table: 'feedback',
  columns: ['Timestamp', 'PredictionId', 'Project', 'ModelName', 'ModelVersion', 'Label', 'Value', 'Attributes'],
  line: (r) => JSON.stringify([r.Timestamp, r.PredictionId, r.Project, r.ModelName, r.ModelVersion, r.Label, r.Value, r.Attributes]),
  binary: binaryOf(FEEDBACK_TABLE),
};

/** `inferlens_readiness_probe`: written like ingestion's rows, so a probe takes the same path to disk. */
export const READINESS_PROBE: TableCodec<ReadinessProbeRow> = {
  table: 'inferlens_readiness_probe',
  columns: ['Id', 'ProbedAt'],
  line: (r) => JSON.stringify([r.Id, r.ProbedAt]),
  binary: binaryOf(READINESS_PROBE_TABLE),
};
