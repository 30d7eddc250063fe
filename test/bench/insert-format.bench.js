// Which insert format and column layout the collector should use for predictions, by
// measurement: the same 100k prediction rows (10 numeric + 3 categorical features) inserted
// into the embedded engine in each candidate way, serialisation in JavaScript included, beside
// the engine's own INSERT ... SELECT of generated rows (its raw rate for this table).
// chDB's in-memory insert takes text formats only, so RowBinary goes through a file.
// Env: BENCH_ROWS (default 100000), BENCH_REPEATS (default 2; the best run is printed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist');
const { PREDICTIONS } = await import(join(dist, 'store/schema/predictions.js'));
const { encodeRows } = await import(join(dist, 'store/schema/TableDefinition.js'));
const { PREDICTIONS_JSON } = await import('./lib/json-lines.js');
const { ClickHouseStore } = await import(join(dist, 'store/ClickHouseStore.js'));

const N = Number(process.env.BENCH_ROWS ?? 100_000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'inferlens-format-'));
const conn = createChdbConnection({ path: dir });
const client = createClient({ connection: conn });
// The collector's store on the same directory, for its RowBinary insert path.
const store = await ClickHouseStore.open({ mode: 'embedded', dataDir: dir });
await store.migrate();

const rows = [];
for (let i = 0; i < N; i++) {
  const nf = {};
  for (let j = 0; j < 10; j++) nf[`f${j}`] = Math.round(Math.random() * 1e6) / 1e3;
  rows.push({
    Timestamp: `${1795168800 + Math.floor(i / 1000)}.${String(i % 1000).padStart(3, '0')}000000`, PredictionId: `p-${i}-${Math.random().toString(36).slice(2, 10)}`,
    TraceId: '', SpanId: '', Project: 'default', ServiceName: 'svc', ModelName: 'bench-model', ModelVersion: 'v1', Environment: 'prod', Segment: '',
    LatencyMs: Math.random() * 50, Status: 'ok', ErrorType: '', NumericFeatures: nf, CategoricalFeatures: { country: ['FR', 'DE', 'US'][i % 3], device: 'ios', plan: 'pro' },
    NumericOutputs: { score: Math.random() }, CategoricalOutputs: {}, InputTokens: 0, OutputTokens: 0, SampleRate: 1, Attributes: {},
  });
}
const mapCols = ['Timestamp', 'PredictionId', 'TraceId', 'SpanId', 'Project', 'ServiceName', 'ModelName', 'ModelVersion', 'Environment', 'Segment', 'LatencyMs', 'Status', 'ErrorType', 'NumericFeatures', 'CategoricalFeatures', 'NumericOutputs', 'CategoricalOutputs', 'InputTokens', 'OutputTokens', 'SampleRate', 'Attributes'];
const BATCH = 50_000;
const batches = (arr) => Array.from({ length: Math.ceil(arr.length / BATCH) }, (_, i) => arr.slice(i * BATCH, (i + 1) * BATCH));
const tsvEsc = (s) => s.replace(/[\\\t\n']/g, (c) => (c === '\t' ? '\\t' : c === '\n' ? '\\n' : `\\${c}`));
const tsvArr = (a) => `[${a.map((v) => (typeof v === 'number' ? String(v) : `'${tsvEsc(v)}'`)).join(',')}]`;

const candidates = [
  ['@clickhouse/client insert, JSONEachRow, Map objects', async () => {
    for (const b of batches(rows)) await client.insert({ table: 'predictions', values: b, format: 'JSONEachRow' });
  }],
  ['@clickhouse/client insert, JSONCompactEachRow, Map objects', async () => {
    for (const b of batches(rows)) await client.insert({ table: 'predictions', columns: mapCols, values: b.map((r) => mapCols.map((c) => r[c])), format: 'JSONCompactEachRow' });
  }],
  ['chDB raw insert, JSONCompactEachRow, Map objects', async () => {
    for (const b of batches(rows)) await conn.chdb.rawInsert({ table: 'predictions', columns: mapCols, values: b.map((r) => JSON.stringify(mapCols.map((c) => r[c]))).join('\n'), format: 'JSONCompactEachRow' });
  }],
  ['chDB raw insert, TabSeparated, key/value arrays via predictions_ingest', async () => {
    for (const b of batches(rows)) {
      const text = b.map((r) => [r.Timestamp, tsvEsc(r.PredictionId), r.TraceId, r.SpanId, r.Project, r.ServiceName, r.ModelName, r.ModelVersion, r.Environment, r.Segment, r.LatencyMs, r.Status, r.ErrorType,
        tsvArr(Object.keys(r.NumericFeatures)), tsvArr(Object.values(r.NumericFeatures)), tsvArr(Object.keys(r.CategoricalFeatures)), tsvArr(Object.values(r.CategoricalFeatures)),
        tsvArr(Object.keys(r.NumericOutputs)), tsvArr(Object.values(r.NumericOutputs)), '[]', '[]', 0, 0, 1, '[]', '[]'].join('\t')).join('\n');
      await conn.chdb.rawInsert({ table: PREDICTIONS_JSON.table, columns: [...PREDICTIONS_JSON.columns], values: text, format: 'TSV' });
    }
  }],
  ['RowBinary spool file read by file(), Map columns (the collector, embedded)', async () => {
    for (const b of batches(rows)) await store.insertRowBinary(PREDICTIONS, [encodeRows(PREDICTIONS, b)]);
  }],
  ['chDB raw insert, JSONCompactEachRow, key/value arrays via predictions_ingest (earlier versions, server mode)', async () => {
    for (const b of batches(rows)) await conn.chdb.rawInsert({ table: PREDICTIONS_JSON.table, columns: [...PREDICTIONS_JSON.columns], values: b.map(PREDICTIONS_JSON.line).join('\n'), format: 'JSONCompactEachRow' });
  }],
  ['engine-internal INSERT ... SELECT of generated rows (baseline)', async () => {
    await client.command({
      query: `INSERT INTO predictions (Timestamp, PredictionId, Project, ServiceName, ModelName, ModelVersion, Environment, LatencyMs, Status, NumericFeatures, CategoricalFeatures, NumericOutputs)
        SELECT toDateTime64(1795168800 + number / 1000, 9), concat('p-', toString(number)), 'default', 'svc', 'bench-model', 'v1', 'prod', rand() / 1e8, 'ok',
          mapFromArrays(['f0','f1','f2','f3','f4','f5','f6','f7','f8','f9'], [rand(0)/1e6, rand(1)/1e6, rand(2)/1e6, rand(3)/1e6, rand(4)/1e6, rand(5)/1e6, rand(6)/1e6, rand(7)/1e6, rand(8)/1e6, rand(9)/1e6]),
          map('country', ['FR','DE','US'][number % 3 + 1], 'device', 'ios', 'plan', 'pro'), map('score', rand() / 4e9)
        FROM numbers(${N})`,
    });
  }],
];

console.log(`${N} prediction rows, ${BATCH} rows per insert, best of ${REPEATS}`);
console.log('| way | rows/s | vs engine INSERT SELECT |');
console.log('| --- | ---: | ---: |');
const results = [];
for (const [name, fn] of candidates) {
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    await client.command({ query: 'TRUNCATE TABLE predictions' });
    const t0 = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t0);
    const [{ n }] = await (await client.query({ query: 'SELECT count() AS n FROM predictions', format: 'JSONEachRow' })).json();
    if (Number(n) !== N) throw new Error(`${name}: stored ${n} rows, expected ${N}`);
  }
  results.push([name, (N / best) * 1000]);
}
const engine = results[results.length - 1][1];
for (const [name, rate] of results) console.log(`| ${name} | ${Math.round(rate).toLocaleString('en-US')} | ${(rate / engine).toFixed(2)}x |`);
await store.close();
await client.close();
rmSync(dir, { recursive: true, force: true });
