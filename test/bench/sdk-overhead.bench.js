// Per-call cost of an instrumented no-op model (span + prediction record, exported in the
// background to a no-op exporter) beside a bare OpenTelemetry span with 10 attributes ended
// through a BatchSpanProcessor with a no-op exporter, measured in the same run. Goal: <= 1.5x.
// (The published figure for the bare span is about 1.5 us a call.)
//
// Env: BENCH_CALLS (calls per case and round, default 200000), BENCH_ROUNDS (default 9),
// BENCH_BLOCKS (blocks a round's calls are split into and interleaved by, default 20).
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ExportResultCode } from '@opentelemetry/core';
import { createMonitor } from '@inferlens/sdk';

const CALLS = Number(process.env.BENCH_CALLS ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
// Each round's calls of a case are split into this many blocks, interleaved with the other cases'.
const BLOCKS = Number(process.env.BENCH_BLOCKS ?? 20);
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

/** Total ns spent on `calls` calls of `fn` (yields included). */
async function time(fn, calls) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    fn();
    if (i % YIELD_EVERY === YIELD_EVERY - 1) await new Promise((r) => setImmediate(r));
  }
  return Number(process.hrtime.bigint() - t0);
}

/**
 * One round: CALLS calls of each case, in BLOCKS blocks that alternate between the cases
 * (A B C D A B C D ...), so that a burst of load from other work on the machine lands on
 * every case about equally instead of on whichever case was running. ns/call per case.
 */
async function round(fns) {
  const total = fns.map(() => 0);
  const perBlock = Math.ceil(CALLS / BLOCKS);
  for (let b = 0; b < BLOCKS; b++) for (const [i, fn] of fns.entries()) total[i] += await time(fn, perBlock);
  return total.map((t) => t / (perBlock * BLOCKS));
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
  console.log(`node ${process.version}, ${process.arch}; ${ROUNDS} rounds of ${CALLS} calls each, cases interleaved in ${BLOCKS} blocks a round; median ns/call and min–max over rounds`);
  const fns = cases.map(([, fn]) => fn);
  await round(fns); // warm-up
  const samples = cases.map(() => []);
  for (let r = 0; r < ROUNDS; r++) for (const [i, ns] of (await round(fns)).entries()) samples[i].push(ns);
  await monitor.forceFlush();
  await bareProvider.forceFlush();
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  // Per round: each case minus that round's loop cost; ratios are taken within a round (the
  // cases of one round ran back to back, so they saw about the same machine load).
  const net = samples.map((s, i) => (i === 0 ? s : s.map((x, r) => x - samples[0][r])));
  const ratios = net.map((s) => s.map((x, r) => x / net[1][r]));
  const loop = median(samples[0]);
  const ns = net.map(median);
  const spread = (xs) => `${Math.round(Math.min(...xs))}–${Math.round(Math.max(...xs))}`;
  const ratioSpread = (xs) => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
  const ratio = ratios.map(median);
  console.log('');
  console.log('| case | ns/call (median) | min–max | vs bare span (median of per-round ratios) | min–max |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const [i, [name]] of cases.entries()) {
    if (i === 0) console.log(`| ${name} (subtracted from the others) | ${Math.round(loop)} | ${spread(samples[0])} | | |`);
    else console.log(`| ${name} | ${Math.round(ns[i])} | ${spread(net[i])} | ${ratio[i].toFixed(2)}x | ${ratioSpread(ratios[i])} |`);
  }
  const stats = monitor.stats();
  console.log(`\ngoal: instrumented <= 1.5x the bare span; ${ratio[2] <= 1.5 ? 'met' : 'NOT met'} without extractors (${ratio[2].toFixed(2)}x), ${ratio[3] <= 1.5 ? 'met' : 'NOT met'} with features + output (${ratio[3].toFixed(2)}x)`);
  console.log(`sanity: records exported ${recordsExported}, dropped ${stats.dropped}, queued ${stats.queued}; spans exported ${spansExported}`);
  await monitor.shutdown();
  await bareProvider.shutdown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
