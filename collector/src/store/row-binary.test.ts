import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random as seededRandom } from '../../../test/helpers/random.js';
import { ClickHouseStore } from './ClickHouseStore.js';
import { decimalNanosToInt64, RowBinaryWriter } from './row-binary.js';
import type { FeedbackRow } from './schema/feedback.js';
import type { LogRow } from './schema/otel-logs.js';
import type { PredictionRow } from './schema/predictions.js';
import type { SpanRow } from './schema/otel-traces.js';
import { FEEDBACK } from './schema/feedback.js';
import { OTEL_LOGS } from './schema/otel-logs.js';
import { OTEL_TRACES } from './schema/otel-traces.js';
import { PREDICTIONS } from './schema/predictions.js';
import { DateTime64Nanos } from './schema/column-types.js';
import { column, defineTable, encodeRows, type TableDefinition } from './schema/TableDefinition.js';

/** The int64 that `decimalNanosToInt64` should give, through BigInt. */
function expectedHalves(decimal: string): [number, number] {
  const negative = decimal.startsWith('-');
  const [sec, frac = ''] = decimal.replace('-', '').split('.');
  let v = BigInt(sec!) * 1_000_000_000n + BigInt((frac + '000000000').slice(0, 9));
  if (negative) v = -v;
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffff_ffffn), Number(u >> 32n)];
}

describe('decimalNanosToInt64', () => {
  it('matches BigInt arithmetic on edge and random values', () => {
    const edges = [
      '0.000000000', '0.000000001', '1.000000000', '1700000000.123456789', '4.294967296', '4.294967295',
      '9223372036.854775807', '18446744073.709551615', '1700000000', '1700000000.5', '-1.000000000', '-0.000000001',
      '-1700000000.123456789',
    ];
    const random = seededRandom(7);
    const randoms = Array.from({ length: 2000 }, () => {
      const sec = Math.floor(random() * 18_446_744_073);
      const nanos = Math.floor(random() * 1e9);
      return `${random() < 0.1 ? '-' : ''}${sec}.${String(nanos).padStart(9, '0')}`;
    });
    for (const d of [...edges, ...randoms]) expect(decimalNanosToInt64(d), d).toEqual(expectedHalves(d));
  });
});

describe('RowBinaryWriter', () => {
  it('writes strings as their UTF-8 bytes after a LEB128 length, ASCII or not, short or long', () => {
    const cases = ['', 'a', 'x'.repeat(127), 'x'.repeat(128), 'é', '日本語', '🙂', `${'y'.repeat(126)}é`, 'z'.repeat(70_000), 'tab\there\nNUL\0"\\'];
    const w = new RowBinaryWriter(16); // small, so the buffer has to grow
    for (const s of cases) w.string(s);
    const bytes = w.bytes();
    let pos = 0;
    for (const s of cases) {
      let len = 0;
      let shift = 0;
      for (;;) {
        const b = bytes[pos++]!;
        len |= (b & 0x7f) << shift;
        if (b < 0x80) break;
        shift += 7;
      }
      expect(bytes.subarray(pos, pos + len).toString('utf8')).toBe(s);
      expect(len).toBe(Buffer.byteLength(s));
      pos += len;
    }
    expect(pos).toBe(bytes.length);
  });
});

// Every ingestion table's RowBinary codec (derived from its definition) stores exactly what the
// engine's own JSON parser stores of the same rows given by column name (JSONEachRow, the
// reference): the rows go both ways into twin tables of the real engine, and the two tables are
// compared column by column.
let dataDir: string;
let store: ClickHouseStore;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-rowbinary-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
});

afterAll(async () => {
  await store?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const TEXTS = ['', 'plain', 'é', '日本語', '🙂 emoji', 'tab\tnew\nline "quote" \\back', 'x'.repeat(128), `${'é'.repeat(100)}`];
const text = (i: number) => TEXTS[i % TEXTS.length]!;
// Ten-digit seconds: ClickHouse's JSON parsing takes shorter ones for a date (see the RowBinary-only test below).
const TIMES = ['1000000000.000000000', '1700000000.123456789', '1700000000.000000001', '4102444800.999999999', '9223372035.999999999'];
const time = (i: number) => TIMES[i % TIMES.length]!;
// No -0: JSON text writes it as 0, RowBinary keeps the sign.
const NUMBERS = [0, 1.5, -2.25, 1e308, -1e-308, 5e-324, 123456789.123456789, 0.1 + 0.2];
const stringMap = (i: number): Record<string, string> =>
  Object.fromEntries(Array.from({ length: i % 4 }, (_, k) => [`${text(i + k)}-k${k}`, text(i + k + 1)]));

function spanRow(i: number): SpanRow {
  const events = i % 3;
  const links = i % 2;
  return {
    Timestamp: time(i), TraceId: `${i}`.padStart(32, '0'), SpanId: `${i}`.padStart(16, '0'), ParentSpanId: i % 2 ? 'ab'.repeat(8) : '',
    TraceState: text(i + 1), SpanName: text(i) || 'op', SpanKind: 'Server', ServiceName: text(i + 2), ResourceAttributes: stringMap(i),
    ScopeName: text(i + 3), ScopeVersion: '1.0', SpanAttributes: stringMap(i + 1),
    Duration: ['0', '1', '4294967296', '999999999999999', '1000000000000000', '18446744073709551615'][i % 6]!,
    StatusCode: 'Error', StatusMessage: text(i + 4),
    EventsTimestamp: Array.from({ length: events }, (_, k) => time(i + k)), EventsName: Array.from({ length: events }, (_, k) => text(i + k) || 'e'),
    EventsAttributes: Array.from({ length: events }, (_, k) => stringMap(i + k)),
    LinksTraceId: Array.from({ length: links }, () => 'cd'.repeat(16)), LinksSpanId: Array.from({ length: links }, () => 'ef'.repeat(8)),
    LinksTraceState: Array.from({ length: links }, (_, k) => text(i + k)), LinksAttributes: Array.from({ length: links }, (_, k) => stringMap(i + k + 2)),
    Project: i % 2 ? 'default' : text(i), IngestKey: i % 3 ? text(i + 5) : '',
  };
}

function logRow(i: number): LogRow {
  return {
    Timestamp: time(i), TraceId: `${i}`.padStart(32, '0'), SpanId: `${i}`.padStart(16, '0'), TraceFlags: [0, 1, 255][i % 3]!,
    SeverityText: 'WARN', SeverityNumber: [0, 13, 24][i % 3]!, ServiceName: text(i), Body: text(i + 1).repeat(i % 5),
    ResourceSchemaUrl: text(i + 2), ResourceAttributes: stringMap(i), ScopeSchemaUrl: '', ScopeName: text(i + 3), ScopeVersion: '2',
    ScopeAttributes: stringMap(i + 1), LogAttributes: stringMap(i + 2), EventName: text(i + 4), Project: 'default',
  };
}

function predictionRow(i: number): PredictionRow {
  const numbers = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, k) => [`${text(i + k)}-f${k}`, NUMBERS[(i + k) % NUMBERS.length]!]));
  return {
    Timestamp: time(i), PredictionId: `p-${i}-${text(i)}`, TraceId: `${i}`.padStart(32, '0'), SpanId: '', Project: text(i + 1) || 'default',
    ServiceName: text(i + 2), ModelName: `model-${text(i)}`, ModelVersion: `v${i % 3}`, Environment: 'prod', Segment: text(i + 3),
    LatencyMs: NUMBERS[i % NUMBERS.length]!, Status: i % 4 ? 'ok' : 'error', ErrorType: i % 4 ? '' : text(i), NumericFeatures: numbers(i % 12),
    CategoricalFeatures: stringMap(i), NumericOutputs: numbers(i % 2), CategoricalOutputs: stringMap(i + 1), InputTokens: [0, 7, 4294967295][i % 3]!,
    OutputTokens: i, SampleRate: [1, 0.5, 0.001][i % 3]!, Attributes: stringMap(i + 2),
    Embedding: i % 3 ? [] : [0.5, -1.25, 3, i], IngestKey: i % 2 ? '' : `k${i}`,
  };
}

function feedbackRow(i: number): FeedbackRow {
  return {
    Timestamp: time(i), PredictionId: `p-${i}-${text(i)}`, Project: 'default', ModelName: `model-${text(i)}`, ModelVersion: 'v1',
    Label: i % 2 ? text(i) : '', Value: i % 2 ? null : NUMBERS[i % NUMBERS.length]!, Attributes: stringMap(i),
  };
}

/** Inserts rows both ways (JSONEachRow by column name into the real table, RowBinary into its twin) and compares the two tables. */
async function compareBothWays<R>(def: TableDefinition<R>, rows: R[], stored: string, orderBy: string, except = ''): Promise<void> {
  const twin = `rowbinary_${stored}`;
  await store.command(`CREATE TABLE ${twin} AS ${stored}`);
  const fields = Object.entries(def.definitions).filter(([, c]) => c.inserted).map(([field]) => field);
  const byColumn = rows.map((r) => Object.fromEntries(def.columns.map((name, i) => [name, (r as Record<string, unknown>)[fields[i]!]])));
  await store.client.insert({ table: stored, values: byColumn, format: 'JSONEachRow' });
  await store.insertRowBinary({ ...def, table: twin }, [encodeRows(def, rows, 8)]);
  const select = (table: string) => store.query<Record<string, unknown>>(`SELECT * ${except} FROM ${table} ORDER BY ${orderBy}`);
  const [viaJson, viaBinary] = await Promise.all([select(stored), select(twin)]);
  expect(viaJson).toHaveLength(rows.length);
  expect(viaBinary).toEqual(viaJson);
}

describe('RowBinary codecs store what the engine stores of the same rows as JSON', () => {
  const N = 60;
  it('otel_traces', async () => {
    await compareBothWays(OTEL_TRACES, Array.from({ length: N }, (_, i) => spanRow(i)), 'otel_traces', 'SpanId');
  });
  it('otel_logs', async () => {
    await compareBothWays(OTEL_LOGS, Array.from({ length: N }, (_, i) => logRow(i)), 'otel_logs', 'SpanId');
  });
  it('predictions', async () => {
    await compareBothWays(PREDICTIONS, Array.from({ length: N }, (_, i) => predictionRow(i)), 'predictions', 'PredictionId', 'EXCEPT ReceivedAt');
  });
  it('feedback', async () => {
    await compareBothWays(FEEDBACK, Array.from({ length: N }, (_, i) => feedbackRow(i)), 'feedback', 'PredictionId', 'EXCEPT ReceivedAt');
  });
});

it('RowBinary stores timestamps of fewer than ten digits of seconds exactly (JSON text would read them as dates)', async () => {
  await store.command('CREATE TABLE rowbinary_times (Timestamp DateTime64(9)) ENGINE = Memory');
  const codec = defineTable('rowbinary_times', { Timestamp: column(DateTime64Nanos) }, { engine: 'Memory' });
  const times = ['0.000000000', '0.000000001', '1.500000000', '1700000.000123456'];
  await store.insertRowBinary(codec, [encodeRows(codec, times.map((Timestamp) => ({ Timestamp })))]);
  const rows = await store.query<{ ns: string }>('SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns FROM rowbinary_times ORDER BY Timestamp');
  expect(rows.map((r) => r.ns)).toEqual(['0', '1', '1500000000', '1700000000123456']);
});
