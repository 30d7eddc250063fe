import { dayOfDecimalSeconds } from './PartitionDays.js';
import { RowBinaryWriter } from './row-binary.js';
import type { FeedbackRow, LogRow, PredictionRow, ReadinessProbeRow, SpanRow } from './rows.js';

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

/** Serialises many rows into one `RowBinary` payload. */
export function encodeRowsBinary<R>(codec: BinaryCodec<R>, rows: readonly R[], bytesPerRowHint = 256): Buffer {
  const w = new RowBinaryWriter(rows.length * bytesPerRowHint + 64);
  for (let i = 0; i < rows.length; i++) codec.write(w, rows[i]!);
  return w.bytes();
}

const STRING_MAP = 'Map(String, String)';
const NUMBER_MAP = 'Map(String, Float64)';

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
  binary: {
    table: 'otel_traces',
    columns: [
      ['Timestamp', 'DateTime64(9)'], ['TraceId', 'String'], ['SpanId', 'String'], ['ParentSpanId', 'String'],
      ['TraceState', 'String'], ['SpanName', 'String'], ['SpanKind', 'String'], ['ServiceName', 'String'],
      ['ResourceAttributes', STRING_MAP], ['ScopeName', 'String'], ['ScopeVersion', 'String'], ['SpanAttributes', STRING_MAP],
      ['Duration', 'UInt64'], ['StatusCode', 'String'], ['StatusMessage', 'String'],
      ['Events.Timestamp', 'Array(DateTime64(9))'], ['Events.Name', 'Array(String)'], ['Events.Attributes', `Array(${STRING_MAP})`],
      ['Links.TraceId', 'Array(String)'], ['Links.SpanId', 'Array(String)'], ['Links.TraceState', 'Array(String)'],
      ['Links.Attributes', `Array(${STRING_MAP})`], ['Project', 'String'],
    ],
    write(w, r) {
      w.dateTime64Nanos(r.Timestamp);
      w.string(r.TraceId);
      w.string(r.SpanId);
      w.string(r.ParentSpanId);
      w.string(r.TraceState);
      w.string(r.SpanName);
      w.string(r.SpanKind);
      w.string(r.ServiceName);
      w.stringMap(r.ResourceAttributes);
      w.string(r.ScopeName);
      w.string(r.ScopeVersion);
      w.stringMap(r.SpanAttributes);
      w.uint64Decimal(r.Duration);
      w.string(r.StatusCode);
      w.string(r.StatusMessage);
      w.dateTime64NanosArray(r.EventsTimestamp);
      w.stringArray(r.EventsName);
      w.stringMapArray(r.EventsAttributes);
      w.stringArray(r.LinksTraceId);
      w.stringArray(r.LinksSpanId);
      w.stringArray(r.LinksTraceState);
      w.stringMapArray(r.LinksAttributes);
      w.string(r.Project);
    },
  },
  partitionDay: (r) => dayOfDecimalSeconds(r.Timestamp),
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
  binary: {
    table: 'otel_logs',
    columns: [
      ['Timestamp', 'DateTime64(9)'], ['TraceId', 'String'], ['SpanId', 'String'], ['TraceFlags', 'UInt8'],
      ['SeverityText', 'String'], ['SeverityNumber', 'UInt8'], ['ServiceName', 'String'], ['Body', 'String'],
      ['ResourceSchemaUrl', 'String'], ['ResourceAttributes', STRING_MAP], ['ScopeSchemaUrl', 'String'], ['ScopeName', 'String'],
      ['ScopeVersion', 'String'], ['ScopeAttributes', STRING_MAP], ['LogAttributes', STRING_MAP], ['EventName', 'String'],
      ['Project', 'String'],
    ],
    write(w, r) {
      w.dateTime64Nanos(r.Timestamp);
      w.string(r.TraceId);
      w.string(r.SpanId);
      w.uint8(r.TraceFlags);
      w.string(r.SeverityText);
      w.uint8(r.SeverityNumber);
      w.string(r.ServiceName);
      w.string(r.Body);
      w.string(r.ResourceSchemaUrl);
      w.stringMap(r.ResourceAttributes);
      w.string(r.ScopeSchemaUrl);
      w.string(r.ScopeName);
      w.string(r.ScopeVersion);
      w.stringMap(r.ScopeAttributes);
      w.stringMap(r.LogAttributes);
      w.string(r.EventName);
      w.string(r.Project);
    },
  },
  partitionDay: (r) => dayOfDecimalSeconds(r.Timestamp),
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
  binary: {
    table: 'predictions',
    columns: [
      ['Timestamp', 'DateTime64(9)'], ['PredictionId', 'String'], ['TraceId', 'String'], ['SpanId', 'String'],
      ['Project', 'String'], ['ServiceName', 'String'], ['ModelName', 'String'], ['ModelVersion', 'String'],
      ['Environment', 'String'], ['Segment', 'String'], ['LatencyMs', 'Float64'], ['Status', 'String'], ['ErrorType', 'String'],
      ['NumericFeatures', NUMBER_MAP], ['CategoricalFeatures', STRING_MAP], ['NumericOutputs', NUMBER_MAP],
      ['CategoricalOutputs', STRING_MAP], ['InputTokens', 'UInt32'], ['OutputTokens', 'UInt32'], ['SampleRate', 'Float64'],
      ['Attributes', STRING_MAP],
    ],
    write(w, r) {
      w.dateTime64Nanos(r.Timestamp);
      w.string(r.PredictionId);
      w.string(r.TraceId);
      w.string(r.SpanId);
      w.string(r.Project);
      w.string(r.ServiceName);
      w.string(r.ModelName);
      w.string(r.ModelVersion);
      w.string(r.Environment);
      w.string(r.Segment);
      w.float64(r.LatencyMs);
      w.string(r.Status);
      w.string(r.ErrorType);
      w.numberMap(r.NumericFeatures);
      w.stringMap(r.CategoricalFeatures);
      w.numberMap(r.NumericOutputs);
      w.stringMap(r.CategoricalOutputs);
      w.uint32(r.InputTokens);
      w.uint32(r.OutputTokens);
      w.float64(r.SampleRate);
      w.stringMap(r.Attributes);
    },
  },
  partitionDay: (r) => dayOfDecimalSeconds(r.Timestamp),
};

/** `feedback`. */
export const FEEDBACK: TableCodec<FeedbackRow> = {
  table: 'feedback',
  columns: ['Timestamp', 'PredictionId', 'Project', 'ModelName', 'ModelVersion', 'Label', 'Value', 'Attributes'],
  line: (r) => JSON.stringify([r.Timestamp, r.PredictionId, r.Project, r.ModelName, r.ModelVersion, r.Label, r.Value, r.Attributes]),
  binary: {
    table: 'feedback',
    columns: [
      ['Timestamp', 'DateTime64(9)'], ['PredictionId', 'String'], ['Project', 'String'], ['ModelName', 'String'],
      ['ModelVersion', 'String'], ['Label', 'String'], ['Value', 'Nullable(Float64)'], ['Attributes', STRING_MAP],
    ],
    write(w, r) {
      w.dateTime64Nanos(r.Timestamp);
      w.string(r.PredictionId);
      w.string(r.Project);
      w.string(r.ModelName);
      w.string(r.ModelVersion);
      w.string(r.Label);
      w.nullableFloat64(r.Value);
      w.stringMap(r.Attributes);
    },
  },
};

/** `inferlens_readiness_probe`: written like ingestion's rows, so a probe takes the same path to disk. */
export const READINESS_PROBE: TableCodec<ReadinessProbeRow> = {
  table: 'inferlens_readiness_probe',
  columns: ['Id', 'ProbedAt'],
  line: (r) => JSON.stringify([r.Id, r.ProbedAt]),
  binary: {
    table: 'inferlens_readiness_probe',
    columns: [['Id', 'UInt8'], ['ProbedAt', 'DateTime64(9)']],
    write(w, r) {
      w.uint8(r.Id);
      w.dateTime64Nanos(r.ProbedAt);
    },
  },
};
