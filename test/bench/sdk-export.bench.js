// The example service's model call in one process, without HTTP in front of it: what the SDK
// (span + record, the real HTTP exporters) costs the event loop per call beside plain
// OpenTelemetry (a span per call, the official BatchSpanProcessor and OTLP/protobuf exporter),
// both exporting to a sink in another process. Each request does what the example's handler
// does (parse the body, extract the W3C parent, the call in its context, the prediction id
// captured with `capturePredictionIds`), 10 in flight at a time, at a fixed offered rate (so that
// neither queue overflows: a dropped record or span costs less than a kept one). Less noisy than
// sdk-http.bench.js (no load generator and no HTTP server sharing the cores), so it shows
// changes of a microsecond; sdk-http.bench.js remains the figure the goals are stated in.
//
// Prints, per set-up and round: main-thread CPU µs per call (from /proc/self/task/<pid>/stat),
// wall µs per call, and minor GCs (scavenges) per 1000 calls; then the median of `on` − `otel`
// over the rounds, which are interleaved (otel, on, otel, on, ...) so a burst of other work
// lands on both.
//
// Env: BENCH_MODEL (noop or trees, default noop), BENCH_CALLS (per round, default 100000 for
// noop, 20000 for trees), BENCH_ROUNDS (default 5), BENCH_RATE (calls/s offered, default 20000
// for noop, 4000 for trees). Run after `pnpm build`.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { PerformanceObserver } from 'node:perf_hooks';
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises';
import { context, propagation, ROOT_CONTEXT } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { capturePredictionIds, createMonitor, HttpFeedbackExporter, HttpPredictionExporter } from '@inferlens/sdk';
import { fraudModel, makeTreeFraudModel } from '../../examples/fastify-service/dist/fraud-model.js';
import { mainThreadCpuSeconds } from './lib/processes.js';

const MODEL = process.env.BENCH_MODEL ?? 'noop';
const CALLS = Number(process.env.BENCH_CALLS ?? (MODEL === 'trees' ? 20_000 : 100_000));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const RATE = Number(process.env.BENCH_RATE ?? (MODEL === 'trees' ? 4000 : 20_000));
const IN_FLIGHT = 10;

// The sink: answers 200 with an empty OTLP reply in the request's encoding, as a collector does.
const sinkSource = `require('http').createServer((q, s) => { q.resume(); q.on('end', () => {
  if (q.headers['content-type'] === 'application/x-protobuf') { s.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 }); s.end(); }
  else { s.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); s.end('{}'); } }); })
  .listen(0, '127.0.0.1', function () { process.send(this.address().port); });
process.on('disconnect', () => process.exit(0));`;
const sink = spawn(process.execPath, ['-e', sinkSource], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
const endpoint = `http://127.0.0.1:${await new Promise((resolve) => sink.once('message', resolve))}`;

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const model = MODEL === 'trees' ? makeTreeFraudModel(3000) : fraudModel;

// `on`: the example's SDK set-up (server.ts), records and spans over HTTP.
const http = { endpoint, project: 'examples' };
const monitor = createMonitor({
  serviceName: 'fraud-service',
  endpoint,
  project: 'examples',
  environment: 'production',
  registerGlobal: false,
  exporter: new HttpPredictionExporter(http),
  feedbackExporter: new HttpFeedbackExporter(http),
  features: { redact: { email: 'hash' } },
});
const instrumented = monitor.instrument(model.score, {
  model: 'fraud',
  version: 'v3',
  features: ([tx]) => ({ amount: tx.amount, country: tx.country, channel: tx.channel, hoursSinceLast: tx.hoursSinceLast, email: tx.email }),
  output: (r) => ({ score: r.score, fraud: r.fraud }),
});

// `otel`: the example's plain OpenTelemetry set-up (app.ts with a tracer).
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'fraud-service' }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }))],
});
const tracer = provider.getTracer('fraud-service');
const traced = (tx) =>
  tracer.startActiveSpan('predict fraud', { attributes: { 'inferlens.model.name': 'fraud', 'inferlens.model.version': 'v3' } }, async (span) => {
    try {
      const r = await model.score(tx);
      span.setAttributes({ 'fraud.score': r.score, 'fraud.flagged': r.fraud });
      return r;
    } finally {
      span.end();
    }
  });

const headers = { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
const BODY = '{"amount":420.5,"country":"FR","channel":"web","hoursSinceLast":3.5,"email":"someone@example.com"}';

async function onRequest() {
  const body = JSON.parse(BODY);
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const { result, predictionIds } = context.with(parent, () => capturePredictionIds(() => instrumented(body)));
  const r = await result;
  return { predictionId: predictionIds[0], score: r.score, fraud: r.fraud };
}

async function otelRequest() {
  const body = JSON.parse(BODY);
  const r = await context.with(propagation.extract(ROOT_CONTEXT, headers), traced, undefined, body);
  return { predictionId: '', score: r.score, fraud: r.fraud };
}

let scavenges = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail?.kind === 1) scavenges++; // NODE_PERFORMANCE_GC_MINOR
}).observe({ entryTypes: ['gc'] });

/**
 * `n` requests, `IN_FLIGHT` at a time, no faster than `RATE` a second, yielding to the event loop
 * between groups (the exporters' timers and sockets run then).
 */
async function round(request, n) {
  const cpu = mainThreadCpuSeconds(process.pid);
  const gc = scavenges;
  const t = performance.now();
  for (let done = 0; done < n; done += IN_FLIGHT) {
    const ahead = t + (done / RATE) * 1000 - performance.now();
    if (ahead >= 1) await sleep(ahead);
    else await turn();
    const group = [];
    for (let j = 0; j < IN_FLIGHT; j++) group.push(request());
    await Promise.all(group);
  }
  await turn();
  return { cpu: ((mainThreadCpuSeconds(process.pid) - cpu) / n) * 1e6, wall: ((performance.now() - t) / n) * 1e3, gc: ((scavenges - gc) / n) * 1000 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`node ${process.version}; model \`${MODEL}\`, ${CALLS} calls a round at ${RATE}/s, ${ROUNDS} rounds (otel and on interleaved), ${IN_FLIGHT} in flight; both export over HTTP to a sink in another process`);
await round(otelRequest, CALLS / 2); // warm-up (JIT, connections)
await round(onRequest, CALLS / 2);
const rows = { otel: [], on: [] };
for (let i = 0; i < ROUNDS; i++) {
  rows.otel.push(await round(otelRequest, CALLS));
  rows.on.push(await round(onRequest, CALLS));
}
console.log('\n| set-up | main thread µs/call (each round) | median | wall µs/call (median) | scavenges / 1000 calls (median) |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const [name, rs] of Object.entries(rows)) {
  console.log(`| ${name} | ${rs.map((r) => r.cpu.toFixed(1)).join(' / ')} | ${median(rs.map((r) => r.cpu)).toFixed(1)} | ${median(rs.map((r) => r.wall)).toFixed(1)} | ${median(rs.map((r) => r.gc)).toFixed(2)} |`);
}
const diffs = rows.on.map((r, i) => r.cpu - rows.otel[i].cpu);
console.log(`\n\`on\` − \`otel\`, main thread per call: median ${median(diffs).toFixed(1)} µs (rounds: ${diffs.map((d) => d.toFixed(1)).join(', ')}); records: ${JSON.stringify(monitor.stats())}`);
await monitor.shutdown();
await provider.shutdown();
sink.kill();
