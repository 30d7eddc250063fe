// Ingestion throughput: predictions/s through POST /v1/predictions and spans/s through
// POST /v1/traces (OTLP protobuf), HTTP to stored, each printed beside direct bulk inserts
// of the same rows into chDB measured in the same run: in the collector's own format
// (RowBinary through a spool file, serialisation from row objects included) and as
// JSONCompactEachRow (pre-serialised, the format earlier versions used; see lib/json-lines.js).
//
// Every phase starts once the engine's background merges from the previous one are over (see
// `settle`), in the collector and in the direct baseline alike.
//
// Env: BENCH_NODE_ARGS (node flags for the collector), BENCH_PREDICTIONS (default 400000), BENCH_SPANS (default 200000), BENCH_CONCURRENCY (default 4),
// BENCH_DATA_DIR (where the data directories are made; default the system's temporary folder).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { processCpuSeconds, spawnListening, waitForQuiet } from './lib/processes.js';
import { fileCreateMicros } from './lib/filesystem.js';
import { benchPrediction } from './lib/predictions.js';
import { PREDICTIONS_JSON, SPANS_JSON } from './lib/json-lines.js';
import { createChdbConnection } from 'chdb/connection';
// The collector's own encoders (from its build), so the baseline inserts byte-identical payloads.
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist');
const { PREDICTIONS } = await import(join(dist, 'store/schema/predictions.js'));
const { OTEL_TRACES } = await import(join(dist, 'store/schema/otel-traces.js'));
const { encodeRows } = await import(join(dist, 'store/schema/TableDefinition.js'));
const { ClickHouseStore } = await import(join(dist, 'store/ClickHouseStore.js'));
const { parseRecordBody } = await import(join(dist, 'ingest/native/parse-records.js'));
const { predictionToRow } = await import(join(dist, 'ingest/native/to-rows.js'));
const { decodeTraceRequest } = await import(join(dist, 'ingest/otlp/index.js'));
const { DEFAULT_RECORD_LIMITS } = await import('@inferlens/semconv');

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../../collector/dist/cli.js');
const N_PRED = Number(process.env.BENCH_PREDICTIONS ?? 400_000);
const N_SPANS = Number(process.env.BENCH_SPANS ?? 200_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PER_REQUEST = 5_000;
const DATA_PARENT = process.env.BENCH_DATA_DIR ?? tmpdir();

async function startCollector(dataDir) {
  // BENCH_NODE_ARGS passes flags to the collector's node, e.g. --cpu-prof to profile it.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const { child, port } = await spawnListening([...nodeArgs, CLI, '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, INFERLENS_LOG_LEVEL: 'info', INFERLENS_BATCH_MAX_PENDING_ROWS: '2000000' },
    listening: 'collector listening',
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One POST through node:http with keep-alive: a lighter load client than fetch on the cores the collector needs. */
function post(url, body, contentType) {
  return new Promise((res, rej) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': contentType, 'content-length': body.length } }, (response) => {
      const chunks = [];
      response.on('data', (c) => chunks.push(c));
      response.on('end', () => res({ status: response.statusCode, text: Buffer.concat(chunks).toString() }));
      response.on('error', rej);
    });
    req.on('error', rej);
    req.end(body);
  });
}

async function sendAll(url, bodies, contentType) {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const { status, text } = await post(url, body, contentType);
      if (status !== 200) throw new Error(`${url}: ${status} ${text}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return performance.now() - t0;
}

async function count(url, query) {
  const r = await fetch(`${url}/api/v1/${query}`);
  return r.json();
}

function fmt(n) {
  return Math.round(n).toLocaleString('en-US');
}

/**
 * Each measured phase starts on a quiet engine: after a phase, the engine merges the parts it
 * wrote in the background, and the next phase would share the two cores with those merges
 * (the spans figures after 400k predictions varied by a factor of two). Waits until the process
 * holding the engine (`pid`, or this one) uses under 5% of a core for a second.
 */
async function settle(what, pid) {
  const cpu = pid === undefined ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; } : () => processCpuSeconds(pid);
  if (!(await waitForQuiet(cpu))) console.log(`(${what}: the engine was still busy after 60 s; measuring anyway)`);
  // The previous phase's parts may still be in the page cache, not yet on disk: write them now,
  // so that the phase does not share the disk with their writeback.
  execFileSync('sync');
}

// ---------- direct bulk insert baselines (same process, their own chDB directory) ----------
const BASE_BATCH = 50_000;

async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function directBaseline(dir, predRows, spanRows) {
  const store = await ClickHouseStore.open({ mode: 'embedded', dataDir: dir });
  await store.migrate();
  // The engine's own connection on the same directory, for its in-memory JSON insert.
  const chdb = createChdbConnection({ path: dir }).chdb;
  // RowBinary, as the collector writes: rows serialised and inserted 50k at a time, the clock
  // covering both (the collector's rate includes its serialisation too).
  const binary = async (codec, rows) => {
    for (let i = 0; i < rows.length; i += BASE_BATCH) await store.insertRowBinary(codec, [encodeRows(codec, rows.slice(i, i + BASE_BATCH))]);
  };
  // JSONCompactEachRow: lines serialised before the clock starts, as earlier versions measured.
  const json = async (codec, lines) => {
    for (let i = 0; i < lines.length; i += BASE_BATCH) {
      await chdb.rawInsert({ table: codec.table, columns: [...codec.columns], values: lines.slice(i, i + BASE_BATCH).join('\n'), format: 'JSONCompactEachRow' });
    }
  };
  const predLines = predRows.map((r) => PREDICTIONS_JSON.line(r));
  const spanLines = spanRows.map((r) => SPANS_JSON.line(r));
  const predBinaryMs = await timed(() => binary(PREDICTIONS, predRows));
  await settle('direct, after the RowBinary predictions');
  const spanBinaryMs = await timed(() => binary(OTEL_TRACES, spanRows));
  await settle('direct, after the RowBinary spans');
  const predJsonMs = await timed(() => json(PREDICTIONS_JSON, predLines));
  await settle('direct, after the JSON predictions');
  const spanJsonMs = await timed(() => json(SPANS_JSON, spanLines));
  await settle('direct, after the JSON spans');
  const engineMs = await timed(() =>
    store.command(
      `INSERT INTO predictions (Timestamp, PredictionId, Project, ModelName, ModelVersion, LatencyMs, NumericFeatures, CategoricalFeatures, NumericOutputs)
      SELECT toDateTime64(1795168800 + number / 1000, 9), toString(number), 'default', 'bench-model', 'v1', rand() / 1e7,
        mapFromArrays(['f0','f1','f2','f3','f4','f5','f6','f7','f8','f9'], [rand(0)/1e6, rand(1)/1e6, rand(2)/1e6, rand(3)/1e6, rand(4)/1e6, rand(5)/1e6, rand(6)/1e6, rand(7)/1e6, rand(8)/1e6, rand(9)/1e6]),
        map('country', 'FR', 'device', 'ios', 'plan', 'pro'), map('score', rand() / 4e9)
      FROM numbers(${N_PRED})`,
    ),
  );
  await store.close();
  return { predBinaryMs, spanBinaryMs, predJsonMs, spanJsonMs, engineMs };
}

async function main() {
  console.log(`machine: ${process.arch}, node ${process.version}; ${N_PRED} predictions, ${N_SPANS} spans, ${CONCURRENCY} concurrent requests of ${PER_REQUEST} records`);
  // Prepare the bodies before any clock starts.
  const preds = Array.from({ length: N_PRED }, (_, i) => benchPrediction(i));
  const predBodies = [];
  // As bytes, so the load client does not encode 1.7 MB of text per request on the cores the collector needs.
  for (let i = 0; i < preds.length; i += PER_REQUEST) predBodies.push(Buffer.from(preds.slice(i, i + PER_REQUEST).map((p) => JSON.stringify(p)).join('\n')));

  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': 'bench' }), spanProcessors: [new SimpleSpanProcessor(memory)] });
  const tracer = provider.getTracer('bench', '1.0.0');
  for (let i = 0; i < PER_REQUEST; i++) {
    const s = tracer.startSpan('predict', { attributes: { 'inferlens.model.name': 'bench-model', 'inferlens.model.version': 'v1', 'inferlens.prediction.id': `p-${i}`, 'http.status_code': 200, 'gen_ai.usage.input_tokens': 12 } });
    s.addEvent('first-token', { index: 1 });
    s.end();
  }
  const spanBody = ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans());
  const spanBodies = Array.from({ length: Math.ceil(N_SPANS / PER_REQUEST) }, () => spanBody);
  await provider.shutdown();

  const fileMicros = [fileCreateMicros(DATA_PARENT)];
  const dataDir = mkdtempSync(join(DATA_PARENT, 'inferlens-bench-'));
  const { child, url } = await startCollector(dataDir);
  // Warm-up: one request each, so the first measured request doesn't pay for JIT and first inserts.
  await sendAll(`${url}/v1/predictions`, [predBodies[0]], 'application/x-ndjson');
  await sendAll(`${url}/v1/traces`, [spanBody], 'application/x-protobuf');
  await settle('collector, after the warm-up', child.pid);

  let c0 = processCpuSeconds(child.pid);
  let u0 = process.cpuUsage();
  const predMs = await sendAll(`${url}/v1/predictions`, predBodies, 'application/x-ndjson');
  const predCpu = { collector: processCpuSeconds(child.pid) - c0, client: (process.cpuUsage(u0).user + process.cpuUsage(u0).system) / 1e6 };
  await settle('collector, after the predictions', child.pid);
  c0 = processCpuSeconds(child.pid);
  u0 = process.cpuUsage();
  const spanMs = await sendAll(`${url}/v1/traces`, spanBodies, 'application/x-protobuf');
  const spanCpu = { collector: processCpuSeconds(child.pid) - c0, client: (process.cpuUsage(u0).user + process.cpuUsage(u0).system) / 1e6 };
  const stored = await count(url, `predictions?model=bench-model&limit=1`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  fileMicros.push(fileCreateMicros(DATA_PARENT));

  // The same rows, as the collector's row objects, inserted directly.
  const now = BigInt(Date.now()) * 1_000_000n;
  const predRows = [];
  for (const body of predBodies) {
    for (const r of parseRecordBody(body.toString('utf8'), 'prediction', DEFAULT_RECORD_LIMITS, 1e9).records) predRows.push(predictionToRow(r, now));
  }
  const oneRequestSpanRows = decodeTraceRequest(spanBody, 'protobuf', 'default').spans;
  const spanRows = [];
  while (spanRows.length < N_SPANS) spanRows.push(...oneRequestSpanRows);
  const baseDir = mkdtempSync(join(DATA_PARENT, 'inferlens-bench-direct-'));
  const base = await directBaseline(baseDir, predRows, spanRows.slice(0, N_SPANS));
  fileMicros.push(fileCreateMicros(DATA_PARENT));

  const rate = (rows, ms) => (rows / ms) * 1000;
  const predRate = rate(N_PRED, predMs);
  const spanRate = rate(spanBodies.length * PER_REQUEST, spanMs);
  const predBinary = rate(N_PRED, base.predBinaryMs);
  const predJson = rate(N_PRED, base.predJsonMs);
  const spanBinary = rate(N_SPANS, base.spanBinaryMs);
  const spanJson = rate(N_SPANS, base.spanJsonMs);
  const engine = rate(N_PRED, base.engineMs);
  const row = (label, r, binary, json) => console.log(`| ${label} | ${fmt(r)} | ${(r / binary).toFixed(2)}x | ${(r / json).toFixed(2)}x |`);
  console.log('');
  console.log('| path | rows/s | vs direct RowBinary | vs direct JSONCompactEachRow |');
  console.log('| --- | ---: | ---: | ---: |');
  row('POST /v1/predictions (NDJSON, HTTP to stored)', predRate, predBinary, predJson);
  row('direct insert of the same predictions, RowBinary (the collector\'s format; serialisation included)', predBinary, predBinary, predJson);
  row('direct insert of the same predictions, JSONCompactEachRow (pre-serialised)', predJson, predBinary, predJson);
  row('engine-internal INSERT ... SELECT of generated predictions', engine, predBinary, predJson);
  row('POST /v1/traces (OTLP protobuf, HTTP to stored)', spanRate, spanBinary, spanJson);
  row('direct insert of the same span rows, RowBinary', spanBinary, spanBinary, spanJson);
  row('direct insert of the same span rows, JSONCompactEachRow', spanJson, spanBinary, spanJson);
  const cores = (cpu, ms) => `collector ${(cpu.collector / (ms / 1000)).toFixed(2)} cores, load client ${(cpu.client / (ms / 1000)).toFixed(2)} cores`;
  console.log(`\nCPU during the predictions run: ${cores(predCpu, predMs)}; during the spans run: ${cores(spanCpu, spanMs)} (machine: 2 cores)`);
  console.log(
    `creating a file in ${DATA_PARENT} (the engine writes a dozen or more per insert): ${fileMicros.map((us) => `${us.toFixed(0)} µs`).join(', ')} ` +
      '(before the collector, after it, after the direct inserts)',
  );
  console.log(`\nsanity: newest stored prediction ${JSON.stringify(stored.predictions?.[0]?.predictionId ?? null)}`);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(baseDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
