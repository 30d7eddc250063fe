// A Fastify inference endpoint (examples/fastify-service, POST /predict) with and without the
// SDK, under autocannon: requests/s, latency, and the CPU each process used. Goals: with the SDK
// >= 0.95x req/s and <= 1.10x p99.
//
// Two models, each run in five set-ups that split the SDK's cost:
//   off          the model unwrapped, no OpenTelemetry at all (the baseline)
//   context      unwrapped, but with the AsyncLocalStorageContextManager, the W3C propagator and
//                `context.with(extracted)` per request, as the example does with the SDK
//   otel         no Inferlens: plain OpenTelemetry, one span per model call (2 attributes at start,
//                2 at the end) through a BatchSpanProcessor and the official OTLP/protobuf exporter:
//                what any SDK that makes a span per prediction costs at least
//   spans        SDK, spans exported (OTLP/protobuf over HTTP), prediction records to a no-op exporter
//   predictions  SDK, records exported (gzip NDJSON over HTTP), spans non-recording (no span export)
//   on           SDK, everything exported (what a user runs)
// Models: `noop` (a logistic function, ~0.1 µs: measures the service around the model) and
// `trees` (examples/fastify-service makeTreeFraudModel: 3000 depth-6 trees, ~100 µs of CPU a call,
// the order of a small gradient-boosted model called through a native runtime; the figure printed
// is measured in the service, not chosen to meet the goal).
//
// Processes: the service is a child process; the load generator (autocannon) runs in this
// process; the export sink (answers 200, reads and discards the body) is another child process,
// so the three can be told apart in the CPU columns (read from /proc/<pid>/stat over the measured
// window). On a 2-core machine they share the cores: "service CPU µs/req" (all the service's
// threads) is the figure that depends least on who else runs; req/s does. "main thread µs/req" is
// the event loop's share, the one that caps req/s (the rest: gzip on libuv's pool, V8's GC helpers).
//
// Two loads, both printed:
//   closed loop  each connection sends its next request when the previous one answers: the
//                maximum req/s (the req/s goal), with the latency that queueing at that maximum gives
//   fixed rate   every set-up again at the same offered load (autocannon `overallRate`, by default
//                half the lowest closed-loop req/s of the model's set-ups, so each can keep up):
//                the p99 at equal load (the fairer p99 comparison), and the CPU each request costs
//                when nobody is saturated
//
// Env: BENCH_SECONDS (per measured run, default 10), BENCH_CONNECTIONS (default 10),
// BENCH_RATE (req/s of the fixed-rate runs; default half the lowest closed-loop req/s; 0 skips them),
// BENCH_MODELS (default noop,trees), BENCH_MODES (default off,context,otel,spans,predictions,on),
// BENCH_CPU_PROF (a directory: each service run writes a --cpu-prof profile there, service-<model>-<mode>[-rate<N>].cpuprofile; the profiler slows the service).
//
// Latency columns are percentiles of every 2xx response time autocannon measured (sub-millisecond;
// autocannon's own histogram keeps whole ms, also printed for the fixed-rate runs).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLOCK_TICKS, mainThreadCpuSeconds, processCpuSeconds, spawnListening } from './lib/processes.js';

const here = dirname(fileURLToPath(import.meta.url));
const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === '--sink') {
  // The export sink, in its own process. Counts requests and bytes per path; reports on IPC.
  const sink = { requests: 0, bytes: 0, byPath: {} };
  const server = createServer((req, res) => {
    sink.requests++;
    sink.byPath[req.url] = (sink.byPath[req.url] ?? 0) + 1;
    req.on('data', (c) => (sink.bytes += c.length));
    req.on('end', () => {
      // An empty OTLP response in the request's encoding (protobuf: zero bytes), as a collector answers.
      if (req.headers['content-type'] === 'application/x-protobuf') {
        res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': 0 });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 });
        res.end('{}');
      }
    });
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  process.on('message', (m) => {
    if (m === 'stats') process.send({ stats: sink });
    if (m === 'stop') process.exit(0);
  });
  process.on('disconnect', () => process.exit(0)); // the bench ended (or died): do not linger
} else {
  await main();
}

async function main() {
  const { default: autocannon } = await import('autocannon');
  const SERVICE = resolve(here, '../../examples/fastify-service/dist/server.js');
  const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
  const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const MODELS = (process.env.BENCH_MODELS ?? 'noop,trees').split(',');
  const MODES = (process.env.BENCH_MODES ?? 'off,context,otel,spans,predictions,on').split(',');
  const PROF = process.env.BENCH_CPU_PROF;
  const RATE = process.env.BENCH_RATE === undefined || process.env.BENCH_RATE === '' ? undefined : Number(process.env.BENCH_RATE);
  function selfCpu() {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  }
  /** Machine-wide busy CPU seconds (all cores) and the core count, from /proc/stat. */
  function machineCpu() {
    const lines = readFileSync('/proc/stat', 'utf8').split('\n');
    const all = lines[0].split(/\s+/).slice(1).map(Number);
    const idle = all[3] + all[4];
    const total = all.reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / CLOCK_TICKS, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
  }

  const sinkChild = spawn(process.execPath, [SELF, '--sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const sinkPort = await new Promise((res) => sinkChild.once('message', (m) => res(m.port)));
  const sinkUrl = `http://127.0.0.1:${sinkPort}`;
  const sinkStats = () => new Promise((res) => {
    sinkChild.once('message', (m) => res(m.stats));
    sinkChild.send('stats');
  });

  async function startService(mode, model, rate) {
    const name = `service-${model}-${mode}${rate ? `-rate${rate}` : ''}.cpuprofile`;
    const args = PROF ? ['--cpu-prof', '--cpu-prof-dir', PROF, '--cpu-prof-name', name, SERVICE] : [SERVICE];
    const { child, port } = await spawnListening(args, {
      env: { ...process.env, PORT: '0', INFERLENS_SDK: mode, FRAUD_MODEL: model, INFERLENS_ENDPOINT: sinkUrl, NODE_ENV: 'production' },
      listening: 'listening',
    });
    return { child, url: `http://127.0.0.1:${port}` };
  }

  /**
   * `rate`: total req/s over all connections (fixed rate); undefined: closed loop. Resolves with
   * autocannon's result plus `ms`: every 2xx response time, sorted (autocannon's own histogram
   * keeps whole milliseconds, too coarse for a p99 under a few ms).
   */
  function cannon(url, duration, rate) {
    return new Promise((resolve, reject) => {
      const times = [];
      const instance = autocannon(options(url, duration, rate), (error, result) => (error ? reject(error) : resolve({ ...result, ms: Float64Array.from(times).sort() })));
      instance.on('response', (_client, status, _bytes, ms) => {
        if (status >= 200 && status < 300) times.push(ms);
      });
    });
  }

  function options(url, duration, rate) {
    return {
      ...(rate ? { overallRate: rate } : {}),
      url: `${url}/predict`,
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
      body: JSON.stringify({ amount: 420.5, country: 'FR', channel: 'web', hoursSinceLast: 3.5, email: 'someone@example.com' }),
      connections: CONNECTIONS,
      duration,
    };
  }

  /** The `q` quantile of sorted `xs` (nearest rank). */
  function quantile(xs, q) {
    return xs.length ? xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] : NaN;
  }

  async function run(mode, model, rate) {
    const { child, url } = await startService(mode, model, rate);
    await cannon(url, 2, rate); // warm-up: JIT, connection set-up
    const before = { main: mainThreadCpuSeconds(child.pid), service: processCpuSeconds(child.pid), sink: processCpuSeconds(sinkChild.pid), self: selfCpu(), machine: machineCpu(), t: performance.now() };
    const r = await cannon(url, SECONDS, rate);
    const after = { main: mainThreadCpuSeconds(child.pid), service: processCpuSeconds(child.pid), sink: processCpuSeconds(sinkChild.pid), self: selfCpu(), machine: machineCpu(), t: performance.now() };
    const stats = await (await fetch(`${url}/stats`)).json();
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
    if (r.non2xx || r.errors) throw new Error(`${mode}/${model}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    const wall = (after.t - before.t) / 1000;
    const cores = after.machine.cores;
    const machine = after.machine.busy - before.machine.busy;
    const service = after.service - before.service;
    const sink = after.sink - before.sink;
    const loadgen = after.self - before.self;
    return {
      mode,
      model,
      rps: r.requests.average,
      p50: quantile(r.ms, 0.5),
      p99: quantile(r.ms, 0.99),
      p999: quantile(r.ms, 0.999),
      max: r.ms.length ? r.ms[r.ms.length - 1] : NaN,
      // autocannon's whole-ms p99; with a fixed rate it is corrected for coordinated omission
      // (requests a stalled connection did not send on time count as late).
      acP99: r.latency.p99,
      total: r.requests.total,
      serviceUsPerReq: (service / r.requests.total) * 1e6,
      mainUsPerReq: ((after.main - before.main) / r.requests.total) * 1e6,
      pct: { service: (service / wall) * 100, loadgen: (loadgen / wall) * 100, sink: (sink / wall) * 100, other: ((machine - service - sink - loadgen) / wall) * 100, idle: ((cores * wall - machine) / wall) * 100 },
      stats,
    };
  }

  const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const { cores } = machineCpu();
  console.log(`node ${process.version}, ${cores} cores; ${CONNECTIONS} connections, ${SECONDS} s per run after a 2 s warm-up; the service exports to a 200 sink in its own process`);
  console.log('CPU columns: % of one core over the measured window (service, autocannon = this process, sink, everything else on the machine, idle of all cores)');
  const results = [];
  for (const model of MODELS) {
    const rows = [];
    for (const mode of MODES) rows.push(await run(mode, model));
    results.push(...rows);
    const base = rows.find((r) => r.mode === 'off');
    console.log(`\nmodel \`${model}\`${base ? ` (service CPU per request without the SDK: ${fmt(base.serviceUsPerReq, 1)} µs)` : ''}\n`);
    console.log('| set-up | req/s | vs off | p50 ms | p99 ms | service CPU µs/req | main thread µs/req | service % | autocannon % | sink % | other % | idle % |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of rows) {
      const ratio = base ? `${(r.rps / base.rps).toFixed(2)}x` : '';
      console.log(`| ${r.mode} | ${fmt(r.rps)} | ${ratio} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.serviceUsPerReq, 1)} | ${fmt(r.mainUsPerReq, 1)} | ${fmt(r.pct.service)} | ${fmt(r.pct.loadgen)} | ${fmt(r.pct.sink)} | ${fmt(r.pct.other)} | ${fmt(r.pct.idle)} |`);
    }
    const on = rows.find((r) => r.mode === 'on');
    if (base && on) {
      const rpsRatio = on.rps / base.rps;
      const p99Ratio = on.p99 / base.p99;
      console.log(`\nwith / without (\`on\` / \`off\`): req/s ${rpsRatio.toFixed(3)}x (goal >= 0.95x: ${rpsRatio >= 0.95 ? 'met' : 'NOT met'}), p99 ${p99Ratio.toFixed(2)}x (goal <= 1.10x: ${p99Ratio <= 1.1 ? 'met' : 'NOT met'}); service CPU per request +${fmt(on.serviceUsPerReq - base.serviceUsPerReq, 1)} µs`);
      const s = on.stats;
      console.log(`records (\`on\`, warm-up included): exported ${s.exported}, dropped ${s.dropped}, failed ${s.failed}, queued ${s.queued}`);
    }
    if (RATE === 0) continue;
    const rate = RATE ?? Math.max(1, Math.round(0.5 * Math.min(...rows.map((r) => r.rps))));
    const fixed = [];
    for (const mode of MODES) fixed.push(await run(mode, model, rate));
    results.push(...fixed);
    console.log(`\nmodel \`${model}\`, fixed rate: ${fmt(rate)} req/s offered to every set-up (autocannon overallRate, ${CONNECTIONS} connections)\n`);
    console.log('| set-up | req/s | p50 ms | p99 ms | p99.9 ms | max ms | autocannon p99 ms (whole ms, CO-corrected) | service CPU µs/req | main thread µs/req | service % | autocannon % | sink % | idle % |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const r of fixed) {
      console.log(`| ${r.mode} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.p999, 2)} | ${fmt(r.max, 1)} | ${fmt(r.acP99)} | ${fmt(r.serviceUsPerReq, 1)} | ${fmt(r.mainUsPerReq, 1)} | ${fmt(r.pct.service)} | ${fmt(r.pct.loadgen)} | ${fmt(r.pct.sink)} | ${fmt(r.pct.idle)} |`);
    }
    const fBase = fixed.find((r) => r.mode === 'off');
    const fOn = fixed.find((r) => r.mode === 'on');
    if (fBase && fOn) {
      const p99Ratio = fOn.p99 / fBase.p99;
      console.log(`\nat ${fmt(rate)} req/s, with / without: p99 ${p99Ratio.toFixed(2)}x (goal <= 1.10x: ${p99Ratio <= 1.1 ? 'met' : 'NOT met'}), p99.9 ${fmt(fBase.p999, 2)} → ${fmt(fOn.p999, 2)} ms; service CPU per request +${fmt(fOn.serviceUsPerReq - fBase.serviceUsPerReq, 1)} µs`);
    }
  }
  const s = await sinkStats();
  console.log(`\nsink, all runs: ${JSON.stringify(s.byPath)}, ${fmt(s.bytes / 1e6, 1)} MB`);
  sinkChild.send('stop');
}
