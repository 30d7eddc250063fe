// What the duplicate check (store/SpoolFileSink.ts) costs an insert as stored rows grow:
// 5000-row inserts of new predictions, spans, log records and gauge points (one request key each;
// log records and points numbered in their request) into the embedded engine,
// into empty tables (the baseline), then with BENCH_STORED rows (default 2,000,000) of each
// stored over the last BENCH_STORED_MINUTES (default 10: all of them within the check's margin of
// the inserts' times, as a collector storing 3,300 records/s for 10 minutes has), in requests of
// 5000 rows; and an insert whose batch also holds one record 300 days old (batches merge clients,
// so one old record used to make every row's lookup scan from that day to now).
// A retry of an insert (same rows, same key) is checked to store nothing twice. Log records and
// gauge points are also inserted without the check (as before migration 23), for its cost.
// Prints the median of BENCH_REPEATS.
// Env: BENCH_STORED (default 2000000), BENCH_STORED_MINUTES (default 10), BENCH_ROWS (default 5000), BENCH_REPEATS (default 5).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist');
const { PREDICTIONS } = await import(join(dist, 'store/schema/predictions.js'));
const { OTEL_TRACES } = await import(join(dist, 'store/schema/otel-traces.js'));
const { OTEL_LOGS } = await import(join(dist, 'store/schema/otel-logs.js'));
const { OTEL_METRICS_GAUGE } = await import(join(dist, 'store/schema/otel-metrics.js'));
const { encodeRows } = await import(join(dist, 'store/schema/TableDefinition.js'));
const { ClickHouseStore } = await import(join(dist, 'store/ClickHouseStore.js'));

const STORED = Number(process.env.BENCH_STORED ?? 2_000_000);
const ROWS = Number(process.env.BENCH_ROWS ?? 5000);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const STORED_MS = Number(process.env.BENCH_STORED_MINUTES ?? 10) * 60_000;
const dir = mkdtempSync(join(tmpdir(), 'inferlens-identity-'));
const store = await ClickHouseStore.open({ mode: 'embedded', dataDir: dir });
await store.migrate();

const seconds = (ms) => `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`;
let seq = 0;
/** A new request key per insert, as each request has its own. */
const newKey = () => randomBytes(20).toString('hex');
function predictions(n, oldOne) {
  const now = Date.now();
  const key = newKey();
  return Array.from({ length: n }, (_, i) => ({
    Timestamp: seconds(oldOne && i === 0 ? now - 300 * 86_400_000 : now - 2000 + (i % 1000)), PredictionId: `bench-${++seq}-${randomBytes(4).toString('hex')}`,
    TraceId: '', SpanId: '', Project: 'default', ServiceName: 'svc', ModelName: 'bench-model', ModelVersion: 'v1', Environment: 'prod', Segment: '',
    LatencyMs: 12, Status: 'ok', ErrorType: '', NumericFeatures: { a: i, b: 2 }, CategoricalFeatures: { c: 'x' },
    NumericOutputs: { score: 0.5 }, CategoricalOutputs: {}, InputTokens: 0, OutputTokens: 0, SampleRate: 1, Attributes: {}, Embedding: [], IngestKey: key,
  }));
}
function spans(n, oldOne) {
  const now = Date.now();
  const traceId = randomBytes(16).toString('hex');
  const key = newKey();
  return Array.from({ length: n }, (_, i) => ({
    Timestamp: seconds(oldOne && i === 0 ? now - 300 * 86_400_000 : now - 2000 + (i % 1000)), TraceId: traceId, SpanId: randomBytes(8).toString('hex'), ParentSpanId: '', TraceState: '',
    SpanName: 'op', SpanKind: 'Internal', ServiceName: 'svc', ResourceAttributes: {}, ScopeName: 's', ScopeVersion: '', SpanAttributes: {}, Duration: '1000',
    StatusCode: 'Unset', StatusMessage: '', EventsTimestamp: [], EventsName: [], EventsAttributes: [], LinksTraceId: [], LinksSpanId: [], LinksTraceState: [], LinksAttributes: [], Project: 'default', IngestKey: key,
  }));
}

function logs(n, oldOne) {
  const now = Date.now();
  const key = newKey();
  return Array.from({ length: n }, (_, i) => ({
    Timestamp: seconds(oldOne && i === 0 ? now - 300 * 86_400_000 : now - 2000 + (i % 1000)), TraceId: '', SpanId: '', TraceFlags: 0, SeverityText: 'INFO', SeverityNumber: 9,
    ServiceName: 'svc', Body: `request ${i % 50} served`, ResourceSchemaUrl: '', ResourceAttributes: {}, ScopeSchemaUrl: '', ScopeName: 's', ScopeVersion: '', ScopeAttributes: {},
    LogAttributes: { i: String(i % 7) }, EventName: '', Project: 'default', IngestKey: key, IngestRow: i,
  }));
}
function gauges(n, oldOne) {
  const now = Math.floor(Date.now() / 1000);
  const key = newKey();
  return Array.from({ length: n }, (_, i) => ({
    ResourceAttributes: {}, ResourceSchemaUrl: '', ScopeName: 's', ScopeVersion: '', ScopeAttributes: {}, ScopeDroppedAttrCount: 0, ScopeSchemaUrl: '', ServiceName: 'svc',
    MetricName: `m${i % 20}`, MetricDescription: '', MetricUnit: '', Attributes: { i: String(i % 50) }, StartTimeUnix: 0, TimeUnix: oldOne && i === 0 ? now - 300 * 86_400 : now - 2,
    Value: i, Flags: 0, ExemplarsFilteredAttributes: [], ExemplarsTimeUnix: [], ExemplarsValue: [], ExemplarsSpanId: [], ExemplarsTraceId: [], Project: 'default', IngestKey: key, IngestRow: i,
  }));
}
/** The table's codec without its identity: a plain insert, as these tables had before migration 23. */
const unchecked = (table) => ({ ...table, identity: undefined });

async function timeInserts(table, make, oldOne = false) {
  const times = [];
  let last;
  for (let r = 0; r < REPEATS; r++) {
    last = make(ROWS, oldOne);
    const payload = encodeRows(table, last);
    const t0 = performance.now();
    await store.insertRowBinary(table, [payload], { maxPartitionsPerInsert: 1000 });
    times.push(performance.now() - t0);
  }
  // A retry of the last insert stores nothing.
  const count = async () => Number((await store.query(`SELECT count() AS n FROM ${table.name}`))[0].n);
  const before = await count();
  await store.insertRowBinary(table, [encodeRows(table, last)], { maxPartitionsPerInsert: 1000 });
  if (table.identity && (await count()) !== before) throw new Error(`${table.name}: a retry stored rows again`);
  if (!table.identity) await store.command(`DELETE FROM ${table.name} WHERE IngestKey = {key:String}`, { key: last[0].IngestKey });
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)].toFixed(0);
}

const results = [];
const measure = async (stored) => {
  results.push([`predictions, ${stored} stored`, await timeInserts(PREDICTIONS, predictions)]);
  results.push([`predictions, ${stored} stored, one record 300 days old in the batch`, await timeInserts(PREDICTIONS, predictions, true)]);
  results.push([`otel_traces, ${stored} stored`, await timeInserts(OTEL_TRACES, spans)]);
  results.push([`otel_traces, ${stored} stored, one span 300 days old in the batch`, await timeInserts(OTEL_TRACES, spans, true)]);
  results.push([`otel_logs, ${stored} stored`, await timeInserts(OTEL_LOGS, logs)]);
  results.push([`otel_logs, ${stored} stored, one record 300 days old in the batch`, await timeInserts(OTEL_LOGS, logs, true)]);
  results.push([`otel_logs, ${stored} stored, without the check`, await timeInserts(unchecked(OTEL_LOGS), logs)]);
  results.push([`otel_metrics_gauge, ${stored} stored`, await timeInserts(OTEL_METRICS_GAUGE, gauges)]);
  results.push([`otel_metrics_gauge, ${stored} stored, one point 300 days old in the batch`, await timeInserts(OTEL_METRICS_GAUGE, gauges, true)]);
  results.push([`otel_metrics_gauge, ${stored} stored, without the check`, await timeInserts(unchecked(OTEL_METRICS_GAUGE), gauges)]);
};
await measure('0');
// STORED rows of each over the last STORED_MS, in requests of 5000 rows, written by the engine itself.
const step = STORED_MS / STORED;
await store.command(`INSERT INTO predictions (Timestamp, PredictionId, Project, ModelName, ModelVersion, IngestKey)
  SELECT now64(9) - toIntervalMicrosecond(toUInt64(number * ${step * 1000})), concat('stored-', toString(number)), 'default', concat('m', toString(number % 5)), 'v1',
    lower(hex(sipHash128(intDiv(number, 5000)))) FROM numbers(${STORED})`);
await store.command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ServiceName, SpanName, IngestKey)
  SELECT now64(9) - toIntervalMicrosecond(toUInt64(number * ${step * 1000})), lower(hex(sipHash128(intDiv(number, 10)))), lower(hex(sipHash64(number))), 'svc', concat('op', toString(number % 7)),
    lower(hex(sipHash128(intDiv(number, 5000)))) FROM numbers(${STORED})`);
await store.command(`INSERT INTO otel_logs (Timestamp, ServiceName, Body, Project, IngestKey, IngestRow)
  SELECT now64(9) - toIntervalMicrosecond(toUInt64(number * ${step * 1000})), concat('svc', toString(number % 3)), concat('line ', toString(number % 1000)), 'default',
    lower(hex(sipHash128(intDiv(number, 5000)))), number % 5000 FROM numbers(${STORED})`);
await store.command(`INSERT INTO otel_metrics_gauge (ServiceName, MetricName, Attributes, TimeUnix, Value, Project, IngestKey, IngestRow)
  SELECT 'svc', concat('m', toString(number % 20)), map('i', toString(number % 50)), toDateTime(now64(9) - toIntervalMicrosecond(toUInt64(number * ${step * 1000}))), number, 'default',
    lower(hex(sipHash128(intDiv(number, 5000)))), number % 5000 FROM numbers(${STORED})`);
for (const t of ['predictions', 'otel_traces', 'otel_logs', 'otel_metrics_gauge']) await store.command(`OPTIMIZE TABLE ${t} FINAL`);
await measure(String(STORED));

console.log(`insert of ${ROWS} new rows with the duplicate check, median of ${REPEATS} (ms); stored rows over the last ${STORED_MS / 60_000} min:`);
for (const [what, ms] of results) console.log(`  ${what.padEnd(70)} ${ms}`);
await store.close();
rmSync(dir, { recursive: true, force: true });
