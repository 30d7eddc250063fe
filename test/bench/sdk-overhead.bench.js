// Per-call cost of an instrumented no-op model (span + prediction record, exported in the
// background to a no-op exporter) beside a bare OpenTelemetry span with 10 attributes ended
// through a BatchSpanProcessor with a no-op exporter, measured in the same run. Goal: <= 1.5x.
// (The published figure for the bare span is about 1.5 us a call.)
//
// Env: BENCH_CALLS (calls per round, default 200000), BENCH_ROUNDS (default 7).
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import { createMonitor } from '@inferlens/sdk';

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
// Yield to the event loop this often so both batch processors export as they would in a
// service (without it the queues fill up and drop, which is cheaper than keeping).
const YIELD_EVERY = 256;

let spansExported = 0;
function provider() {
  const exporter = {
    export(spans, done) {
      spansExported += spans.length;
      done({ code: ExportResultCode.SUCCESS });
    },
    async shutdown() {},
    async forceFlush() {},
  };
  return new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] });
}

// ---------- bare span: 10 attributes, BatchSpanProcessor, no-op exporter ----------
const bareProvider = provider();
const bareTracer = bareProvider.getTracer('bench', '1.0.0');
let k = 0;
function bareCall() {
  const span = bareTracer.startSpan('predict fraud', {
    attributes: {
      'inferlens.model.name': 'fraud',
      'inferlens.model.version': 'v3',
      'inferlens.prediction.id': `p-${k++}`,
      'inferlens.project': 'bench',
      'inferlens.environment': 'test',
      'inferlens.sample_rate': 1,
      'inferlens.outcome': 'ok',
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'server.port': 3000,
    },
  });
  span.end();
}

// ---------- the SDK: a no-op model, instrumented ----------
let recordsExported = 0;
const predictionExporter = {
  async export(batch) {
    recordsExported += batch.length;
    return { code: ExportResultCode.SUCCESS };
  },
  async shutdown() {},
};
const sdkProvider = provider();
const monitor = createMonitor({ serviceName: 'bench', project: 'bench', environment: 'test', tracerProvider: sdkProvider, exporter: predictionExporter });
const model = (tx) => tx.amount > 100;
const bareModel = monitor.instrument(model, { model: 'fraud', version: 'v3' });
const withFeatures = monitor.instrument(model, {
  model: 'fraud',
  version: 'v3',
  features: ([tx]) => ({ amount: tx.amount, country: tx.country, channel: tx.channel }),
  output: (fraud) => ({ fraud }),
});
const tx = { amount: 120.5, country: 'FR', channel: 'web' };

async function measure(fn) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    fn();
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
  }
  return Number(process.hrtime.bigint() - t0) / CALLS;
}

/** Cost of the loop itself (the yields), subtracted from every figure. */
const empty = () => {};

const cases = [
  ['loop and yields only', empty],
  ['bare OTel span, 10 attributes, BatchSpanProcessor', bareCall],
  ['instrumented no-op model (span + record)', () => bareModel(tx)],
  ['instrumented no-op model, 3 features + 1 output', () => withFeatures(tx)],
];

async function main() {
  console.log(`node ${process.version}, ${process.arch}; ${ROUNDS} rounds of ${CALLS} calls each, cases interleaved; median ns/call`);
  for (const [, fn] of cases) await measure(fn); // warm-up
  const samples = cases.map(() => []);
  for (let r = 0; r < ROUNDS; r++) for (const [i, [, fn]] of cases.entries()) samples[i].push(await measure(fn));
  await monitor.forceFlush();
  await bareProvider.forceFlush();
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const loop = median(samples[0]);
  const ns = samples.map((s) => median(s) - loop);
  const bare = ns[1];
  console.log('');
  console.log('| case | ns/call | vs bare span |');
  console.log('| --- | ---: | ---: |');
  for (const [i, [name]] of cases.entries()) {
    if (i === 0) console.log(`| ${name} (subtracted from the others) | ${Math.round(loop)} | |`);
    else console.log(`| ${name} | ${Math.round(ns[i])} | ${(ns[i] / bare).toFixed(2)}x |`);
  }
  const stats = monitor.stats();
  console.log(`\ngoal: instrumented <= 1.5x the bare span; ${ns[2] / bare <= 1.5 ? 'met' : 'NOT met'} without extractors (${(ns[2] / bare).toFixed(2)}x), ${ns[3] / bare <= 1.5 ? 'met' : 'NOT met'} with features + output (${(ns[3] / bare).toFixed(2)}x)`);
  console.log(`sanity: records exported ${recordsExported}, dropped ${stats.dropped}, queued ${stats.queued}; spans exported ${spansExported}`);
  await monitor.shutdown();
  await bareProvider.shutdown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
