// Alert latency: time from the first drifted prediction to the FeatureDrift notification at a local
// webhook receiver (node:http on 127.0.0.1), with a 1-minute drift window. Goal: at most the window
// plus 10 s.
//
// The collector runs as a child process (INFERLENS_DRIFT_WINDOW_SECONDS=60, allowed lateness
// BENCH_ALERT_LATENESS_S, drift job every BENCH_ALERT_INTERVAL_MS). Predictions are sent
// continuously (BENCH_ALERT_RATE per second, in batches every 100 ms) with event time = wall-clock
// now, so the real window closes on its own. Feature `a` shifts by 1.5 standard deviations from
// the start of a window on: at a window start, because that is the worst case the goal allows for
// (the whole window must pass before the window that holds the first drifted prediction can
// close) and it makes the figure deterministic: a shift at a random offset shortens the window
// wait but leaves a mixed window that may or may not be flagged, so the figure would measure the
// detector's power on a mixed window rather than the pipeline. The shift waits for the next window
// start at least 15 s away, so the normal window before it is large enough not to alert falsely.
// Bounded: about 1.5 to 2.5 minutes; it gives up 30 s after the goal.
//
// Printed beside a baseline measured in the same run: one direct webhook POST of the same
// Alertmanager v4 payload from this host to the same receiver (the delivery floor), and the floor
// no event-time pipeline can beat, window wait + allowed lateness.
//
// Env: BENCH_ALERT_LATENESS_S (default 2), BENCH_ALERT_INTERVAL_MS (default 1000), BENCH_ALERT_RATE (default 200).
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnListening } from './lib/processes.js';

const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../collector/dist/cli.js');
const WINDOW_MS = 60_000;
const LATENESS_S = Number(process.env.BENCH_ALERT_LATENESS_S ?? 2);
const INTERVAL_MS = Number(process.env.BENCH_ALERT_INTERVAL_MS ?? 1000);
const RATE = Number(process.env.BENCH_ALERT_RATE ?? 200);
const TICK_MS = 100;
const PER_TICK = Math.max(1, Math.round((RATE * TICK_MS) / 1000));
const GOAL_MS = WINDOW_MS + 10_000;
const MODEL = 'latency-bench';

const sleep = (ms) => new Promise((res) => setTimeout(res, Math.max(0, ms)));
let seed = 42;
function uniform() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const normal = (mean) => mean + Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
const features = (shifted) => ({ a: normal(shifted ? 1.5 : 0), b: normal(0) });

// The receiver: records the arrival time of each POST.
const received = [];
let onReceive = () => {};
const receiver = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const atMs = Date.now();
    res.writeHead(200).end('ok');
    if (req.url === '/hook') {
      received.push({ atMs, body: JSON.parse(body) });
      onReceive();
    }
  });
});
await new Promise((res) => receiver.listen(0, '127.0.0.1', res));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const dir = mkdtempSync(join(tmpdir(), 'inferlens-alert-bench-'));
const rulesFile = join(dir, 'rules.yaml');
writeFileSync(
  rulesFile,
  `receivers:
  - name: hook
    webhook: { url: "${hookUrl}" }
rules:
  - alert: FeatureDrift
    when: { source: drift, metric: drifted, match: { source: feature }, op: "==", threshold: 1 }
    notify: [hook]
`,
);

// The collector; its JSON log lines (pino, `time` in epoch ms) tell when a drift window was written.
const windowsClosed = [];
const { child, port } = await spawnListening([CLI, '--port', '0', '--data-dir', join(dir, 'data')], {
  env: {
    ...process.env,
    INFERLENS_LOG_LEVEL: 'info',
    INFERLENS_DRIFT_WINDOW_SECONDS: String(WINDOW_MS / 1000),
    INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: String(LATENESS_S),
    INFERLENS_DRIFT_INTERVAL_MS: String(INTERVAL_MS),
    INFERLENS_SLA_INTERVAL_MS: '600000',
    INFERLENS_QUALITY_INTERVAL_MS: '600000',
    INFERLENS_ALERTS_RULES_FILE: rulesFile,
  },
  listening: 'collector listening',
  onLog: (rec) => {
    if (rec.msg === 'drift window closed' && rec.model === MODEL) windowsClosed.push({ atMs: rec.time, windowStartMs: Date.parse(rec.windowStart), drifted: rec.drifted ?? [] });
  },
});
const base = `http://127.0.0.1:${port}`;
async function post(path, records) {
  const r = await fetch(`${base}${path}`, { method: 'POST', body: records.map((x) => JSON.stringify(x)).join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
  if (r.status !== 200) throw new Error(`${path}: HTTP ${r.status} ${await r.text()}`);
}
let finished = false;
async function shutdown(code) {
  finished = true;
  child.kill('SIGTERM');
  await new Promise((res) => (child.exitCode !== null ? res() : child.once('exit', res)));
  receiver.close();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
}

await post(`/v1/references?model=${MODEL}&version=v1`, Array.from({ length: 5000 }, () => ({ features: features(false) })));

// The shift starts at the next window start at least 15 s away.
const now0 = Date.now();
let shiftAtMs = Math.ceil(now0 / WINDOW_MS) * WINDOW_MS;
if (shiftAtMs - now0 < 15_000) shiftAtMs += WINDOW_MS;
const windowEndMs = shiftAtMs + WINDOW_MS;
console.log(`window ${WINDOW_MS / 1000} s, allowed lateness ${LATENESS_S} s, drift job every ${INTERVAL_MS} ms, ${PER_TICK * (1000 / TICK_MS)} predictions/s`);
console.log(`shift of feature a at the window start ${new Date(shiftAtMs).toISOString()} (in ${((shiftAtMs - now0) / 1000).toFixed(1)} s); the run ends about ${((windowEndMs + LATENESS_S * 1000 - now0) / 1000 + 2).toFixed(0)} s from now`);

// Traffic: a batch every 100 ms, event time = now. Records when each batch was stored (acknowledged).
let firstDriftedMs;
let watermarkPassedMs; // when the first prediction with event time >= window end + lateness was stored
let sent = 0;
const traffic = (async () => {
  let next = Date.now();
  while (!finished) {
    const t = Date.now();
    const shifted = t >= shiftAtMs;
    if (shifted && firstDriftedMs === undefined) firstDriftedMs = t;
    const batch = Array.from({ length: PER_TICK }, () => ({ predictionId: `p${sent++}`, model: MODEL, version: 'v1', timestamp: t, latencyMs: 5, features: features(shifted) }));
    await post('/v1/predictions', batch);
    if (watermarkPassedMs === undefined && t >= windowEndMs + LATENESS_S * 1000) watermarkPassedMs = Date.now();
    next += TICK_MS;
    await sleep(next - Date.now());
  }
})().catch(async (err) => {
  console.error(`traffic failed: ${err.message}`);
  await shutdown(1);
});

// Baseline, measured while the first windows fill: direct webhook POSTs of an Alertmanager v4
// payload of the same shape and size from this host to the same receiver (median of 20).
const sample = {
  version: '4', groupKey: 'hook:{"alertname":"FeatureDrift"}', truncatedAlerts: 0, status: 'firing', receiver: 'hook',
  groupLabels: { alertname: 'FeatureDrift' }, commonLabels: {}, commonAnnotations: {}, externalURL: base,
  alerts: [{ status: 'firing', labels: { alertname: 'FeatureDrift', project: 'default', model: MODEL, version: 'v1', source: 'feature', feature: 'a', method: 'wasserstein' }, annotations: {}, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', generatorURL: `${base}/api/v1/alerts/history?rule=FeatureDrift`, fingerprint: '0123456789abcdef' }],
};
const direct = [];
for (let i = 0; i < 20; i++) {
  const t = performance.now();
  const r = await fetch(`${hookUrl}-baseline`, { method: 'POST', body: JSON.stringify(sample), headers: { 'content-type': 'application/json' } });
  await r.text();
  direct.push(performance.now() - t);
}
direct.sort((x, y) => x - y);
const directMs = direct[10];

// Wait for the notification of feature a firing from the shifted window: its alert started
// (fired) after that window's end; a false alarm on the normal window before would start earlier.
const hit = () =>
  received.find((r) => r.body.status === 'firing' && r.body.alerts.some((a) => a.labels.feature === 'a' && a.status === 'firing' && Date.parse(a.startsAt) >= windowEndMs));
const arrival = await new Promise((res) => {
  const check = () => {
    const h = hit();
    if (h) res(h);
  };
  onReceive = check;
  const giveUp = windowEndMs + 40_000 - Date.now(); // goal + 30 s
  setTimeout(() => res(undefined), giveUp);
  check();
});
const before = received.filter((r) => r !== arrival && r.atMs <= (arrival?.atMs ?? Infinity));
const normalWindow = windowsClosed.find((w) => w.windowStartMs === shiftAtMs - WINDOW_MS);
const driftedWindow = windowsClosed.find((w) => w.windowStartMs === shiftAtMs);
finished = true;
await traffic;

if (!arrival) {
  console.log(`no FeatureDrift notification within the goal + 30 s; windows closed: ${JSON.stringify(windowsClosed)}`);
  await shutdown(1);
}
const total = arrival.atMs - firstDriftedMs;
const windowWait = windowEndMs - firstDriftedMs;
const lateness = watermarkPassedMs - windowEndMs;
const job = driftedWindow.atMs - watermarkPassedMs;
const evalDelivery = arrival.atMs - driftedWindow.atMs;
const floor = windowWait + LATENESS_S * 1000;
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const m = (ms) => `${ms.toFixed(0)} ms`;
console.log('');
if (before.length > 0) console.log(`warning: ${before.length} other notification(s) before the measured one (a false alarm on the normal window would void the figure)`);
console.log(`normal window before the shift: ${normalWindow ? `closed, drifted columns: ${JSON.stringify(normalWindow.drifted)}` : 'not closed (too few rows?)'}; shifted window: drifted ${JSON.stringify(driftedWindow.drifted)}; ${sent} predictions sent`);
console.log('| measurement | time |');
console.log('| --- | ---: |');
console.log(`| **first drifted prediction → webhook arrival** | **${s(total)}** |`);
console.log(`| - window wait (first drifted prediction → window end) | ${s(windowWait)} |`);
console.log(`| - lateness (window end → first prediction past end + ${LATENESS_S} s stored) | ${s(lateness)} |`);
console.log(`| - job interval + drift job run (→ window results written, collector log) | ${s(job)} |`);
console.log(`| - rule evaluation + delivery (results written → webhook arrival) | ${m(evalDelivery)} |`);
console.log(`| baseline: direct webhook POST from this host, same receiver and payload (median of 20) | ${m(directMs)} |`);
console.log(`| floor: window wait + allowed lateness | ${s(floor)} |`);
console.log(`| the collector's share (total − floor) | ${s(total - floor)} |`);
console.log(`| goal: window + 10 s | ${s(GOAL_MS)} — ${total <= GOAL_MS ? 'met' : 'NOT met'} |`);
await shutdown(total <= GOAL_MS ? 0 : 1);
