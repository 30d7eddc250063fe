// Ingestion throughput: predictions/s through POST /v1/predictions and spans/s through
// POST /v1/traces (OTLP protobuf), HTTP to stored, each printed beside a direct bulk insert
// of the same rows into chDB measured in the same run (the engine's raw rate for that shape).
//
// Env: BENCH_NODE_ARGS (node flags for the collector), BENCH_PREDICTIONS (default 400000), BENCH_SPANS (default 200000), BENCH_CONCURRENCY (default 4).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { processCpuSeconds, spawnListening } from './lib/processes.js';
// The collector's own encoders (from its build), so the baseline inserts byte-identical payloads.
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist');
const { MIGRATIONS } = await import(join(dist, 'store/migrations.js'));
const { PREDICTIONS, SPANS } = await import(join(dist, 'store/tables.js'));
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

function prediction(i) {
  const features = {};
  for (let f = 0; f < 10; f++) features[`f${f}`] = Math.round(Math.random() * 1e6) / 1e3;
  features.country = ['FR', 'DE', 'US', 'JP'][i % 4];
  features.device = ['ios', 'android', 'web'][i % 3];
  features.plan = ['free', 'pro'][i % 2];
  return {
    predictionId: `bench-${i}-${Math.random().toString(36).slice(2, 10)}`,
    model: 'bench-model',
    version: `v${i % 3}`,
    timestamp: 1795168800000 + i,
    latencyMs: Math.round(Math.random() * 5000) / 100,
    features,
    outputs: { score: Math.random() },
  };
}

async function startCollector(dataDir) {
  // BENCH_NODE_ARGS passes flags to the collector's node, e.g. --cpu-prof to profile it.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const { child, port } = await spawnListening([...nodeArgs, CLI, '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, INFERLENS_LOG_LEVEL: 'info', INFERLENS_BATCH_MAX_PENDING_ROWS: '2000000' },
    listening: 'collector listening',
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function sendAll(url, bodies, contentType) {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const r = await fetch(url, { method: 'POST', body, headers: { 'content-type': contentType } });
      if (r.status !== 200) throw new Error(`${url}: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
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

// ---------- direct bulk insert baseline (same process, its own chDB directory) ----------
async function directBaseline(dir, predictionLines, spanLines) {
  const conn = createChdbConnection({ path: dir });
  const client = createClient({ connection: conn });
  for (const m of MIGRATIONS) for (const s of m.statements) await client.command({ query: s });
  let t0 = performance.now();
  for (let i = 0; i < predictionLines.length; i += 50_000) {
    await conn.chdb.rawInsert({ table: PREDICTIONS.table, columns: [...PREDICTIONS.columns], values: predictionLines.slice(i, i + 50_000).join('\n'), format: 'JSONCompactEachRow' });
  }
  const predMs = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < spanLines.length; i += 50_000) {
    await conn.chdb.rawInsert({ table: SPANS.table, columns: [...SPANS.columns], values: spanLines.slice(i, i + 50_000).join('\n'), format: 'JSONCompactEachRow' });
  }
  const spanMs = performance.now() - t0;
  t0 = performance.now();
  await client.command({
    query: `INSERT INTO predictions (Timestamp, PredictionId, Project, ModelName, ModelVersion, LatencyMs, NumericFeatures, CategoricalFeatures, NumericOutputs)
      SELECT toDateTime64(1795168800 + number / 1000, 9), toString(number), 'default', 'bench-model', 'v1', rand() / 1e7,
        mapFromArrays(['f0','f1','f2','f3','f4','f5','f6','f7','f8','f9'], [rand(0)/1e6, rand(1)/1e6, rand(2)/1e6, rand(3)/1e6, rand(4)/1e6, rand(5)/1e6, rand(6)/1e6, rand(7)/1e6, rand(8)/1e6, rand(9)/1e6]),
        map('country', 'FR', 'device', 'ios', 'plan', 'pro'), map('score', rand() / 4e9)
      FROM numbers(${N_PRED})`,
  });
  const engineMs = performance.now() - t0;
  await client.close();
  return { predMs, spanMs, engineMs };
}

async function main() {
  console.log(`machine: ${process.arch}, node ${process.version}; ${N_PRED} predictions, ${N_SPANS} spans, ${CONCURRENCY} concurrent requests of ${PER_REQUEST} records`);
  // Prepare the bodies before any clock starts.
  const preds = Array.from({ length: N_PRED }, (_, i) => prediction(i));
  const predBodies = [];
  for (let i = 0; i < preds.length; i += PER_REQUEST) predBodies.push(preds.slice(i, i + PER_REQUEST).map((p) => JSON.stringify(p)).join('\n'));

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

  const dataDir = mkdtempSync(join(tmpdir(), 'inferlens-bench-'));
  const { child, url } = await startCollector(dataDir);
  // Warm-up: one request each, so the first measured request doesn't pay for JIT and first inserts.
  await sendAll(`${url}/v1/predictions`, [predBodies[0]], 'application/x-ndjson');
  await sendAll(`${url}/v1/traces`, [spanBody], 'application/x-protobuf');

  let c0 = processCpuSeconds(child.pid);
  let u0 = process.cpuUsage();
  const predMs = await sendAll(`${url}/v1/predictions`, predBodies, 'application/x-ndjson');
  const predCpu = { collector: processCpuSeconds(child.pid) - c0, client: (process.cpuUsage(u0).user + process.cpuUsage(u0).system) / 1e6 };
  c0 = processCpuSeconds(child.pid);
  u0 = process.cpuUsage();
  const spanMs = await sendAll(`${url}/v1/traces`, spanBodies, 'application/x-protobuf');
  const spanCpu = { collector: processCpuSeconds(child.pid) - c0, client: (process.cpuUsage(u0).user + process.cpuUsage(u0).system) / 1e6 };
  const stored = await count(url, `predictions?model=bench-model&limit=1`);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));

  // The same rows, already in the collector's insert format, inserted directly.
  const now = BigInt(Date.now()) * 1_000_000n;
  const predLines = [];
  for (const body of predBodies) {
    for (const r of parseRecordBody(body, 'prediction', DEFAULT_RECORD_LIMITS, 1e9).records) predLines.push(PREDICTIONS.line(predictionToRow(r, now)));
  }
  const oneRequestSpanLines = decodeTraceRequest(spanBody, 'protobuf', 'default').spans.map((r) => SPANS.line(r));
  const spanLines = [];
  while (spanLines.length < N_SPANS) spanLines.push(...oneRequestSpanLines);
  const baseDir = mkdtempSync(join(tmpdir(), 'inferlens-bench-direct-'));
  const base = await directBaseline(baseDir, predLines, spanLines.slice(0, N_SPANS));

  const predRate = (N_PRED / predMs) * 1000;
  const spanRate = (spanBodies.length * PER_REQUEST / spanMs) * 1000;
  const directPred = (N_PRED / base.predMs) * 1000;
  const directSpan = (N_SPANS / base.spanMs) * 1000;
  const engine = (N_PRED / base.engineMs) * 1000;
  console.log('');
  console.log('| path | rows/s | vs direct insert |');
  console.log('| --- | ---: | ---: |');
  console.log(`| POST /v1/predictions (NDJSON, HTTP to stored) | ${fmt(predRate)} | ${(predRate / directPred).toFixed(2)}x |`);
  console.log(`| direct chDB insert of the same prediction payload (same table and format, 50k rows/insert) | ${fmt(directPred)} | 1.00x |`);
  console.log(`| engine-internal INSERT ... SELECT of generated predictions | ${fmt(engine)} | ${(engine / directPred).toFixed(2)}x |`);
  console.log(`| POST /v1/traces (OTLP protobuf, HTTP to stored) | ${fmt(spanRate)} | ${(spanRate / directSpan).toFixed(2)}x |`);
  console.log(`| direct chDB insert of the same span rows | ${fmt(directSpan)} | 1.00x |`);
  const cores = (cpu, ms) => `collector ${(cpu.collector / (ms / 1000)).toFixed(2)} cores, load client ${(cpu.client / (ms / 1000)).toFixed(2)} cores`;
  console.log(`\nCPU during the predictions run: ${cores(predCpu, predMs)}; during the spans run: ${cores(spanCpu, spanMs)} (machine: 2 cores)`);
  console.log(`\nsanity: newest stored prediction ${JSON.stringify(stored.predictions?.[0]?.predictionId ?? null)}`);
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(baseDir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
