import { describe, expect, expectTypeOf, it } from 'vitest';
import { sampleRows } from '../../../../test/helpers/table-rows.js';
import { ALL_TABLES } from './all-tables.js';
import { DateTime64Millis, DateTime64Nanos, declaredOnly, Str, UInt32 } from './column-types.js';
import { Ddl } from './ddl.js';
import { FEEDBACK, type FeedbackRow } from './feedback.js';
import { OTEL_LOGS, type LogRow } from './otel-logs.js';
import { OTEL_TRACES } from './otel-traces.js';
import { PREDICTIONS, type PredictionRow } from './predictions.js';
import { READINESS_PROBE } from './readiness-probe.js';
import { alias, column, decodeRows, defineTable, encodeRows, generated, nested, stamped, type RowType } from './TableDefinition.js';
import { ArrayOf } from './column-types.js';

describe('defineTable', () => {
  it('derives the row type from the columns: inserted ones only, typed as their column types say', () => {
    expectTypeOf<FeedbackRow>().toEqualTypeOf<{
      Timestamp: string;
      PredictionId: string;
      Project: string;
      ModelName: string;
      ModelVersion: string;
      Label: string;
      Value: number | null;
      Attributes: Record<string, string>;
    }>();
    expectTypeOf<PredictionRow>().not.toHaveProperty('ReceivedAt');
    expectTypeOf<PredictionRow['NumericFeatures']>().toEqualTypeOf<Record<string, number>>();
    const T = defineTable(
      't',
      { A: column(Str), B: generated(DateTime64Millis, 'now64(3)'), C: nested('N', 'C', ArrayOf.Str), D: alias(ArrayOf.Str, 'arrayMap(x -> upper(x), N.C)') },
      { engine: 'MergeTree', orderBy: 'A' },
    );
    expectTypeOf<RowType<typeof T>>().toEqualTypeOf<{ A: string; C: string[] }>();
    expect(T.columns).toEqual(['A', 'N.C']);
    expect(Ddl.SINGLE.table(T)[0]).toContain('    D Array(String) ALIAS arrayMap(x -> upper(x), N.C)\n)');
  });

  // What the first release wrote: the transcoders hand-write these columns in this order, and
  // their byte-equality tests compare them with the codecs derived from the definitions.
  it('keeps the RowBinary layouts of the ingest tables as the first release wrote them', () => {
    const S = 'String';
    const SM = 'Map(String, String)';
    expect(OTEL_TRACES.wireColumns).toEqual([
      ['Timestamp', 'DateTime64(9)'], ['TraceId', S], ['SpanId', S], ['ParentSpanId', S], ['TraceState', S], ['SpanName', S], ['SpanKind', S],
      ['ServiceName', S], ['ResourceAttributes', SM], ['ScopeName', S], ['ScopeVersion', S], ['SpanAttributes', SM], ['Duration', 'UInt64'],
      ['StatusCode', S], ['StatusMessage', S], ['Events.Timestamp', 'Array(DateTime64(9))'], ['Events.Name', 'Array(String)'],
      ['Events.Attributes', `Array(${SM})`], ['Links.TraceId', 'Array(String)'], ['Links.SpanId', 'Array(String)'], ['Links.TraceState', 'Array(String)'],
      ['Links.Attributes', `Array(${SM})`], ['Project', S],
      // Added by migration 16.
      ['IngestKey', S],
    ]);
    expect(OTEL_LOGS.wireColumns).toEqual([
      ['Timestamp', 'DateTime64(9)'], ['TraceId', S], ['SpanId', S], ['TraceFlags', 'UInt8'], ['SeverityText', S], ['SeverityNumber', 'UInt8'],
      ['ServiceName', S], ['Body', S], ['ResourceSchemaUrl', S], ['ResourceAttributes', SM], ['ScopeSchemaUrl', S], ['ScopeName', S],
      ['ScopeVersion', S], ['ScopeAttributes', SM], ['LogAttributes', SM], ['EventName', S], ['Project', S],
      // Added by migration 23.
      ['IngestKey', S], ['IngestRow', 'UInt32'],
    ]);
    expect(PREDICTIONS.wireColumns).toEqual([
      ['Timestamp', 'DateTime64(9)'], ['PredictionId', S], ['TraceId', S], ['SpanId', S], ['Project', S], ['ServiceName', S], ['ModelName', S],
      ['ModelVersion', S], ['Environment', S], ['Segment', S], ['LatencyMs', 'Float64'], ['Status', S], ['ErrorType', S],
      ['NumericFeatures', 'Map(String, Float64)'], ['CategoricalFeatures', SM], ['NumericOutputs', 'Map(String, Float64)'], ['CategoricalOutputs', SM],
      ['InputTokens', 'UInt32'], ['OutputTokens', 'UInt32'], ['SampleRate', 'Float64'], ['Attributes', SM],
      // Added by migration 12, after every column of the first release (spool files are never replayed across versions).
      ['Embedding', 'Array(Float32)'],
      // Added by migration 16.
      ['IngestKey', S],
    ]);
    expect(FEEDBACK.wireColumns).toEqual([
      ['Timestamp', 'DateTime64(9)'], ['PredictionId', S], ['Project', S], ['ModelName', S], ['ModelVersion', S], ['Label', S],
      ['Value', 'Nullable(Float64)'], ['Attributes', SM],
    ]);
    expect(READINESS_PROBE.wireColumns).toEqual([['Id', 'UInt8'], ['ProbedAt', 'DateTime64(9)']]);
  });

  it('writes every table\'s rows in RowBinary that reads back to the same rows, field by field', () => {
    for (const def of ALL_TABLES.filter((d) => d.columns.length > 0)) {
      const rows = sampleRows(def, 50, 3);
      expect(decodeRows(def, encodeRows(def, rows)), def.name).toEqual(rows);
    }
  });

  it('gives the partition day of the tables partitioned by day, from their time column', () => {
    const row = { ...sampleRows(PREDICTIONS, 1)[0], Timestamp: '86400.000000001' } as PredictionRow;
    expect(PREDICTIONS.partitionDay!(row)).toBe(1);
    expect(OTEL_TRACES.partitionDay).toBeDefined();
    expect(OTEL_LOGS.partitionDay).toBeDefined();
    expect(FEEDBACK.partitionDay).toBeUndefined();
  });

  it('leaves stamped columns (filled by the batcher) optional in the row type, and writes their zero for a row that leaves them out', () => {
    const T = defineTable('t', { A: column(Str), K: stamped(Str, ''), N: stamped(UInt32, 0) }, { engine: 'MergeTree', orderBy: 'A' });
    expectTypeOf<RowType<typeof T>>().toEqualTypeOf<{ A: string; K?: string; N?: number }>();
    expectTypeOf<LogRow>().toHaveProperty('IngestRow').toEqualTypeOf<number | undefined>();
    expect(decodeRows(T, encodeRows(T, [{ A: 'x' }, { A: 'y', K: 'k', N: 7 }]))).toEqual([
      { A: 'x', K: '', N: 0 },
      { A: 'y', K: 'k', N: 7 },
    ]);
  });

  it('refuses definitions it cannot derive from, saying which column', () => {
    const layout = { engine: 'MergeTree', orderBy: 'A' };
    expect(() => defineTable('t', { A: generated(Str, undefined as unknown as string) }, layout)).toThrow('t.A: a generated column needs its DEFAULT');
    expect(() => defineTable('t', { 'A-B': column(Str) }, layout)).toThrow('t.A-B: a row field is an identifier');
    expect(() => defineTable('t x', { A: column(Str) }, layout)).toThrow('table name "t x": expected an identifier');
    expect(() => defineTable('t', { A: column(declaredOnly('DateTime')) }, layout)).toThrow('t.A: DateTime has no RowBinary writer; declare it generated');
    expect(() => defineTable('t', { A: column(UInt32) }, { ...layout, dayPartition: 'A' })).toThrow('t.A: the day partition is an inserted time column');
    expect(() => nested('N', 'A', Str)).toThrow('N.A: a nested member is an Array, got String');
    const numbered = { T: column(DateTime64Nanos), K: column(Str), N: column(UInt32), S: column(Str) };
    expect(() => defineTable('t', numbered, { ...layout, identity: { columns: ['K'], time: 'T', request: 'K', row: 'N' } })).toThrow(
      't.N: a row-number column is a UInt32 of the identity, beside its request column',
    );
    expect(() => defineTable('t', numbered, { ...layout, identity: { columns: ['K', 'S'], time: 'T', request: 'K', row: 'S' } })).toThrow(
      't.S: a row-number column is a UInt32 of the identity',
    );
    expect(() => defineTable('t', numbered, { ...layout, identity: { columns: ['K', 'N'], time: 'T', request: 'K', row: 'N', seconds: 'S' } })).toThrow(
      "t.S: the identity's time in seconds is a column DEFAULT toDateTime(T)",
    );
    const split = defineTable('t', { A: nested('N', 'A', ArrayOf.Str), B: column(DateTime64Nanos), C: nested('N', 'C', ArrayOf.Str) }, layout);
    expect(() => Ddl.SINGLE.table(split)).toThrow('t: the members of N are not adjacent');
  });
});
