// Sizing for a scaled-out deployment: a collector in server mode (role ingest) writing to a
// ClickHouse HTTP interface over chDB in its own process (test/helpers/clickhouse-server-process.mjs),
// predictions posted as NDJSON (5,000 a request, BENCH_CONCURRENCY at once). Prints predictions/s
// per collector core and per engine core (CPU seconds of each process over the phase, all threads)
// and the disk the predictions table takes per million rows (active parts after the inserts and
// after the merges settled). Not part of `pnpm test`.
//
// The engine process is the test server: chDB plus a small Node HTTP layer that writes each
// insert body to a spool file the engine reads. A real ClickHouse server parses the body from the
// socket in C++: per engine core it does at least as well. The rows are benchPrediction's: random
// floats in 10 numeric features, which compress worse than most real features do.
//
// Env: BENCH_PREDICTIONS (default 300000), BENCH_CONCURRENCY (default 4).
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { processCpuSeconds, spawnListening, waitForQuiet } from './lib/processes.js';
import { benchPrediction } from './lib/predictions.js';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../../collector/dist/cli.js');
const SERVER = resolve(here, '../helpers/clickhouse-server-process.mjs');
const N = Number(process.env.BENCH_PREDICTIONS ?? 300_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const PER_REQUEST = 5_000;

const dir = mkdtempSync(join(tmpdir(), 'inferlens-sizing-'));
const engine = spawn(process.execPath, [SERVER, join(dir, 'engine')], { env: { ...process.env, TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'inherit'] });
const enginePort = await new Promise((res, rej) => {
  let buf = '';
  engine.stdout.on('data', (c) => {
    buf += c;
    const nl = buf.indexOf('\n');
    if (nl >= 0) res(JSON.parse(buf.slice(0, nl)).port);
  });
  engine.once('exit', (code) => rej(new Error(`the test ClickHouse server exited with ${code}`)));
});
const chUrl = `http://127.0.0.1:${enginePort}`;
const { child: collector, port } = await spawnListening([CLI, '--port', '0', '--data-dir', join(dir, 'collector')], {
  env: { ...process.env, INFERLENS_CLICKHOUSE_URL: chUrl, INFERLENS_CLICKHOUSE_DATABASE: 'sizing', INFERLENS_ROLE: 'ingest', INFERLENS_LOG_LEVEL: 'info', INFERLENS_BATCH_MAX_PENDING_ROWS: '2000000' },
  listening: 'collector listening',
}).catch((err) => {
  engine.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
  throw err;
});

async function sql(query) {
  const r = await fetch(`${chUrl}/?database=sizing&default_format=JSONEachRow`, { method: 'POST', body: query });
  if (!r.ok) throw new Error(`${query}: ${r.status} ${await r.text()}`);
  return (await r.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function post(body) {
  return new Promise((res, rej) => {
    const req = http.request(`http://127.0.0.1:${port}/v1/predictions`, { method: 'POST', agent, headers: { 'content-type': 'application/x-ndjson', 'content-length': body.length } }, (response) => {
      let text = '';
      response.on('data', (c) => (text += c));
      response.on('end', () => (response.statusCode === 200 ? res() : rej(new Error(`${response.statusCode} ${text}`))));
    });
    req.on('error', rej);
    req.end(body);
  });
}

try {
  // Bodies prepared first: the client's own cost stays out of the figures.
  const bodies = [];
  for (let i = 0; i < N; i += PER_REQUEST) bodies.push(Buffer.from(Array.from({ length: Math.min(PER_REQUEST, N - i) }, (_, j) => JSON.stringify(benchPrediction(i + j))).join('\n')));
  const cpu = () => ({ collector: processCpuSeconds(collector.pid), engine: processCpuSeconds(engine.pid) });
  await waitForQuiet(() => cpu().engine);
  const before = cpu();
  const started = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) await post(bodies[next++]);
  }));
  const seconds = (performance.now() - started) / 1000;
  const after = cpu();
  const [{ n }] = await sql('SELECT count() AS n FROM predictions');
  if (Number(n) !== N) throw new Error(`stored ${n} of ${N}`);
  const disk = async () => (await sql("SELECT sum(bytes_on_disk) AS b, sum(rows) AS r, count() AS parts FROM system.parts WHERE active AND database = 'sizing' AND table = 'predictions'"))[0];
  const justAfter = await disk();
  const quiet = await waitForQuiet(() => processCpuSeconds(engine.pid), { timeoutMs: 120_000 });
  const merged = await disk();
  const collectorCpu = after.collector - before.collector;
  const engineCpu = after.engine - before.engine;
  const perMillion = (d) => ((Number(d.b) / Number(d.r)) * 1e6) / 2 ** 20;
  console.log(`${N} predictions in ${seconds.toFixed(1)} s: ${(N / seconds).toFixed(0)}/s over HTTP, ${CONCURRENCY} requests at once, ${PER_REQUEST} per request`);
  console.log(`collector (server mode, role ingest): ${collectorCpu.toFixed(1)} CPU s → ${(N / collectorCpu).toFixed(0)} predictions/s per collector core`);
  console.log(`engine (test ClickHouse server: chDB + its HTTP layer): ${engineCpu.toFixed(1)} CPU s → ${(N / engineCpu).toFixed(0)} predictions/s per engine core`);
  console.log(`disk, predictions table: ${perMillion(justAfter).toFixed(1)} MiB per million rows right after the inserts (${justAfter.parts} parts), ${perMillion(merged).toFixed(1)} MiB once merges settled (${merged.parts} parts${quiet ? '' : ', merges still running after 120 s'})`);
} finally {
  collector.kill('SIGTERM');
  engine.kill('SIGTERM');
  await Promise.all([new Promise((r) => collector.once('exit', r)), new Promise((r) => engine.once('exit', r))]);
  rmSync(dir, { recursive: true, force: true });
}
