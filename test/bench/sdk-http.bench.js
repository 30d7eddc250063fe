// A Fastify inference endpoint (examples/fastify-service, POST /predict) with and without the
// SDK, under autocannon, in the same run: requests/s and p99 latency. Goals: >= 0.95x req/s and
// <= 1.10x p99 with the SDK.
//
// The service exports to a trivial HTTP sink in this process that answers 200 to everything,
// not to a collector child process: on a 2-core machine a collector storing ~10k records/s
// would take CPU from the service and measure the collector's cost, not the SDK's. The SDK
// still does all of its work (spans encoded as OTLP/protobuf, records as gzip NDJSON, HTTP).
//
// Env: BENCH_SECONDS (per measured run, default 10), BENCH_CONNECTIONS (default 10).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

const here = dirname(fileURLToPath(import.meta.url));
const SERVICE = resolve(here, '../../examples/fastify-service/dist/server.js');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);

const sink = { requests: 0, bytes: 0, byPath: {} };
const sinkServer = createServer((req, res) => {
  sink.requests++;
  sink.byPath[req.url] = (sink.byPath[req.url] ?? 0) + 1;
  req.on('data', (c) => (sink.bytes += c.length));
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
await new Promise((r) => sinkServer.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sinkServer.address().port}`;

async function startService(sdk) {
  const child = spawn(process.execPath, [SERVICE], {
    env: { ...process.env, PORT: '0', INFERLENS_SDK: sdk ? 'on' : 'off', INFERLENS_ENDPOINT: sinkUrl, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise((res, rej) => {
    let buf = '';
    child.stdout.on('data', (c) => {
      buf += c;
      for (const line of buf.split('\n')) {
        try {
          const r = JSON.parse(line);
          if (r.msg === 'listening') res(r.port);
        } catch {}
      }
    });
    child.once('exit', (code) => rej(new Error(`service exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

function cannon(url, duration) {
  return autocannon({
    url: `${url}/predict`,
    method: 'POST',
    headers: { 'content-type': 'application/json', traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
    body: JSON.stringify({ amount: 420.5, country: 'FR', channel: 'web', hoursSinceLast: 3.5, email: 'someone@example.com' }),
    connections: CONNECTIONS,
    duration,
  });
}

async function run(sdk) {
  const { child, url } = await startService(sdk);
  await cannon(url, 2); // warm-up: JIT, connection set-up
  const r = await cannon(url, SECONDS);
  const stats = await (await fetch(`${url}/stats`)).json();
  child.kill('SIGTERM');
  await new Promise((res) => child.once('exit', res));
  if (r.non2xx || r.errors) throw new Error(`${sdk ? 'with' : 'without'} SDK: ${r.non2xx} non-2xx, ${r.errors} errors`);
  return { rps: r.requests.average, p99: r.latency.p99, p50: r.latency.p50, total: r.requests.total, stats };
}

function fmt(n, d = 0) {
  return n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
}

async function main() {
  console.log(`node ${process.version}; ${CONNECTIONS} connections, ${SECONDS} s per run after a 2 s warm-up; service exports to an in-process 200 sink`);
  const without = await run(false);
  const withSdk = await run(true);
  console.log('');
  console.log('| service | req/s | p50 ms | p99 ms |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| without the SDK | ${fmt(without.rps)} | ${fmt(without.p50, 1)} | ${fmt(without.p99, 1)} |`);
  console.log(`| with the SDK | ${fmt(withSdk.rps)} | ${fmt(withSdk.p50, 1)} | ${fmt(withSdk.p99, 1)} |`);
  const rpsRatio = withSdk.rps / without.rps;
  const p99Ratio = withSdk.p99 / without.p99;
  console.log(`\nwith / without: req/s ${rpsRatio.toFixed(3)}x (goal >= 0.95x: ${rpsRatio >= 0.95 ? 'met' : 'NOT met'}), p99 ${p99Ratio.toFixed(2)}x (goal <= 1.10x: ${p99Ratio <= 1.1 ? 'met' : 'NOT met'})`);
  const s = withSdk.stats;
  console.log(`sanity (SDK run, warm-up included): records exported ${s.exported}, dropped ${s.dropped}, failed ${s.failed}, queued ${s.queued}; sink got ${JSON.stringify(sink.byPath)}, ${fmt(sink.bytes / 1e6, 1)} MB`);
  sinkServer.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
