// The Inferlens demo, run by `pnpm demo` (after the build) or `pnpm demo --ci`:
//
//  1. starts the collector (examples/demo/collector.yaml: 1-minute windows, SLOs, quality outputs;
//     examples/demo/alert-rules.yaml) on a fresh embedded store in .inferlens/demo, and a local
//     webhook that receives its alerts;
//  2. trains two versions of the `rain-tomorrow` model on the daily weather of Seattle and New York
//     (vega-datasets): v1, a logistic regression on 2012–2013, in production; v2, the candidate, a
//     random forest retrained on summer 2013 only, scored in shadow (see models.mjs);
//  3. uploads each version's training data as its drift reference;
//  4. replays 2014–2015 through an in-process forecast service instrumented with @inferlens/sdk,
//     on a compressed clock (one day per 2 s of event time, 12 times faster than real time, so
//     the two years take about two minutes and a 1-minute window holds 30 days), with the truth
//     of each forecast sent as feedback the next day; a toy token generator streams a summary;
//  5. watches for the story: seasonal drift, v2's SLA breach and quality drop, a `worse` verdict for
//     v2 against v1, and the alerts delivered to the webhook.
//
// Interactive (`pnpm demo`): a live status line; after the replay, the days go on at real-time
// pace until Ctrl-C, which stops everything quietly (exit 0).
// `--ci`: prints each of the five events as it sees it, exits 0 once all five happened (and at
// least DEMO_MIN_DAYS days were replayed), and 1 after DEMO_TIMEOUT_S seconds otherwise.
//
// Env: DEMO_COLLECTOR_PORT (4318; 0 picks a free port), DEMO_WEBHOOK_PORT (9099; 0 likewise),
//      DEMO_DATA_DIR (.inferlens/demo; emptied at start), DEMO_SPEED (12), DEMO_MIN_DAYS (0),
//      DEMO_TIMEOUT_S (300, --ci only).
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { trainBaseline, trainCandidate } from './models.mjs';
import { ReplayClock } from './replay-clock.mjs';
import { createStory, EVENTS } from './story.mjs';
import { loadWeather, featuresOf } from './weather.mjs';
import { MODEL, startWeatherService } from './weather-service.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const CI = process.argv.includes('--ci');
const envNumber = (name, fallback) => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: expected a number >= 0, got ${JSON.stringify(raw)}`);
  return n;
};
const COLLECTOR_PORT = envNumber('DEMO_COLLECTOR_PORT', 4318);
const WEBHOOK_PORT = envNumber('DEMO_WEBHOOK_PORT', 9099);
const DATA_DIR = resolve(root, process.env.DEMO_DATA_DIR || '.inferlens/demo');
const SPEED = Math.max(1, envNumber('DEMO_SPEED', 12));
const MIN_DAYS = envNumber('DEMO_MIN_DAYS', 0);
const TIMEOUT_S = envNumber('DEMO_TIMEOUT_S', 300);
const PROJECT = 'examples';
/** Event time of one replayed day. */
const DAY_MS = 2000;
const WINDOW_MS = 60_000;

const started = performance.now();
const elapsed = () => `${Math.round((performance.now() - started) / 1000)
  .toString()
  .padStart(3)} s`;
const tty = process.stdout.isTTY && !CI;
let statusShown = false;
/** Prints a line above the live status line (which the next tick redraws). */
function say(line) {
  if (statusShown) process.stdout.write('\r\x1b[K');
  statusShown = false;
  process.stdout.write(`${line}\n`);
}

// ---------------------------------------------------------------- processes and shutdown

/** @type {import('node:child_process').ChildProcess | undefined} */
let collectorChild;
let stopping = false;
const cleanups = [];

/** Stops the replay, flushes the telemetry, stops the collector, exits with `code`. */
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (statusShown) process.stdout.write('\r\x1b[K');
  const force = setTimeout(() => process.exit(code), 20_000);
  force.unref();
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch {
      // stopping anyway
    }
  }
  if (collectorChild && collectorChild.exitCode === null) {
    const exited = new Promise((r) => collectorChild.once('exit', r));
    collectorChild.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  }
  process.exit(code);
}
process.on('SIGINT', () => {
  if (!stopping) say('\nstopping (the data stays in ' + DATA_DIR + ') ...');
  void stop(0);
});
process.on('SIGTERM', () => void stop(0));
// A detached collector must not outlive the demo, however it ends.
process.on('exit', () => {
  if (collectorChild && collectorChild.exitCode === null) collectorChild.kill('SIGKILL');
});

/** Starts the collector; resolves with its URL once it listens. */
function startCollector(rulesFile) {
  const args = ['collector/dist/cli.js', '--config', resolve(here, 'collector.yaml'), '--alert-rules', rulesFile, '--port', String(COLLECTOR_PORT), '--data-dir', DATA_DIR];
  // Its own process group: the terminal's Ctrl-C reaches the demo only, which stops it in order.
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  collectorChild = child;
  return new Promise((resolveUrl, reject) => {
    let buffer = '';
    const lines = [];
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        lines.push(line);
        try {
          const rec = JSON.parse(line);
          if (rec.msg === 'collector listening') resolveUrl(`http://127.0.0.1:${rec.port}`);
          else if (rec.level >= 50 && !stopping) say(`[collector] ${rec.msg}${rec.err?.message ? `: ${rec.err.message}` : ''}`);
        } catch {
          // not a JSON log line
        }
      }
    });
    child.stderr.on('data', (chunk) => lines.push(String(chunk)));
    child.once('exit', (code) => {
      if (!stopping) {
        reject(new Error(`the collector exited with ${code}:\n${lines.slice(-20).join('\n')}`));
        say(`the collector exited with ${code}`);
        void stop(1);
      }
    });
  });
}

/** Starts the alert webhook; resolves with its port. */
function startWebhook(onPayload) {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      try {
        onPayload(JSON.parse(body));
      } catch {
        // not JSON: ignore
      }
      res.writeHead(200).end();
    });
  });
  cleanups.push(() => new Promise((r) => server.close(r)));
  return new Promise((r) => server.listen(WEBHOOK_PORT, '127.0.0.1', () => r(server.address().port)));
}

async function post(url, body) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return res.json();
}

// ---------------------------------------------------------------- the demo

async function main() {
  rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  const rulesText = readFileSync(resolve(here, 'alert-rules.yaml'), 'utf8');
  const qualityRule = parseYaml(rulesText).rules.find((r) => r.alert === 'QualityDrop');

  /** @type {ReturnType<typeof createStory> | undefined} */
  let story;
  const early = [];
  const webhookPort = await startWebhook((payload) => (story ? story.onWebhook(payload) : early.push(payload)));
  const rulesFile = resolve(DATA_DIR, '..', `${DATA_DIR.split('/').pop()}-alert-rules.yaml`);
  writeFileSync(rulesFile, rulesText.replace('http://127.0.0.1:9099/alerts', `http://127.0.0.1:${webhookPort}/alerts`));
  cleanups.push(() => rmSync(rulesFile, { force: true }));

  say(`starting the collector (embedded store in ${DATA_DIR}) ...`);
  const collectorUrl = startCollector(rulesFile);

  // Trains while the collector starts.
  const days = loadWeather().filter((d) => d.rainTomorrow !== null);
  const baseline = trainBaseline(days.filter((d) => d.date < '2014-01-01'));
  const candidate = trainCandidate(days.filter((d) => d.date >= '2013-06-01' && d.date < '2013-09-01'));
  say(`trained v1 (${baseline.description}) and v2 (${candidate.description}) on the daily weather of Seattle and New York`);
  const collector = await collectorUrl;

  for (const model of [baseline, candidate]) {
    const rows = model.trainingDays.map((d) => {
      const { score, label } = model.predict(d);
      return JSON.stringify({ features: featuresOf(d), outputs: { score, label } });
    });
    const up = await post(`${collector}/v1/references?model=${MODEL}&version=${model.version}&project=${PROJECT}`, rows.join('\n'));
    say(`reference of ${model.version}: its ${up.rows} training days`);
  }

  // Replay 2014-01-01 .. 2015-12-30 (the last day's truth is not in the data), grouped by date.
  const byDate = new Map();
  for (const d of days.filter((d) => d.date >= '2014-01-01')) byDate.set(d.date, [...(byDate.get(d.date) ?? []), d]);
  const replay = [...byDate.values()];
  const replayMs = replay.length * DAY_MS;
  // Event time starts so far back that it catches up with the wall clock as the replay ends,
  // on a window boundary, so that each 1-minute window holds 30 whole days from 2014-01-01.
  const startMs = Math.floor((Date.now() - 1000 - replayMs * (1 - 1 / SPEED)) / WINDOW_MS) * WINDOW_MS;
  const clock = new ReplayClock({ startMs, speed: SPEED });
  const dateAt = (eventMs) => replay[Math.max(0, Math.floor((eventMs - startMs) / DAY_MS)) % replay.length][0].date;
  const describeWindow = (iso) => {
    const t = Date.parse(iso);
    return `${dateAt(t)} – ${dateAt(t + WINDOW_MS - 1)}`;
  };

  story = createStory({
    collector,
    project: PROJECT,
    model: MODEL,
    baseline: baseline.version,
    candidate: candidate.version,
    fromMs: startMs,
    qualityThreshold: qualityRule.when.threshold,
    describeWindow,
    onEvent: (event, line) => say(`${elapsed()}  ${EVENTS.indexOf(event) + 1}/5 ${event.padEnd(8)} ${line}`),
  });
  for (const payload of early.splice(0)) story.onWebhook(payload);

  const service = startWeatherService({ endpoint: collector, project: PROJECT, clock, baseline, candidate });
  cleanups.push(() => service.shutdown());

  say(
    `\nreplaying ${replay[0][0].date} – ${replay.at(-1)[0].date} on a compressed clock (1 day = ${DAY_MS / 1000} s of event time, ${SPEED}x real time; ` +
      `event time starts ${Math.round((Date.now() - startMs) / 60000)} min ago)\n` +
      `UI: ${collector}/ui/   API: ${collector}/api/v1/models?project=${PROJECT}\n`,
  );

  // ------------------------------------------------------------ the replay loop
  let replayed = 0;
  let failedRequests = 0;
  const inFlight = new Set();
  /** Prediction ids of the previous day's requests, waiting for tomorrow's truth. */
  let yesterday = [];
  let running = true;
  cleanups.push(async () => {
    running = false;
    await Promise.race([Promise.allSettled([...inFlight]), new Promise((r) => setTimeout(r, 3000))]);
  });
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const due = startMs + i * DAY_MS;
      // A timer may fire a little early: wait until event time has truly reached the day.
      while (running && clock.now() < due) await new Promise((r) => setTimeout(r, Math.max(1, clock.wallDelayUntil(due))));
      if (!running) break;
      // Yesterday's forecasts learn their truth today.
      for (const { day, ids } of yesterday) {
        ids.then((r) => {
          if (!r || !running) return;
          service.feedback(r.v1, baseline.version, day.rainTomorrow);
          service.feedback(r.v2, candidate.version, day.rainTomorrow);
        });
      }
      yesterday = replay[i % replay.length].map((day) => {
        const request = service.forecast(day).catch(() => {
          failedRequests++;
          return undefined;
        });
        inFlight.add(request);
        void request.finally(() => inFlight.delete(request));
        return { day, ids: request };
      });
      replayed = i + 1;
      if (replayed === replay.length) say(`${elapsed()}  the replay caught up with the wall clock; ${CI ? '' : 'the days go on at real-time pace (Ctrl-C stops)'}`);
    }
  })();

  // ------------------------------------------------------------ status and events
  const status = () =>
    `${elapsed()}  day ${dateAt(clock.now())} (${replayed} replayed) · events ${story.seen.size}/5 · ` +
    `${story.notifications} alert notifications${failedRequests ? ` · ${failedRequests} failed requests` : ''}`;
  let lastPlain = 0;
  const ticker = setInterval(() => {
    if (stopping) return;
    if (tty) {
      process.stdout.write(`\r\x1b[K${status()}`);
      statusShown = true;
    } else if (performance.now() - lastPlain >= 10_000) {
      lastPlain = performance.now();
      say(status());
    }
  }, 1000);
  cleanups.push(() => clearInterval(ticker));

  const deadline = performance.now() + TIMEOUT_S * 1000;
  while (!stopping) {
    await story.poll();
    if (stopping) break;
    if (story.done() && replayed >= MIN_DAYS) {
      if (CI) {
        say(`${elapsed()}  all five events seen`);
        return stop(0);
      }
      if (!story.announced) {
        story.announced = true;
        say(`${elapsed()}  all five events seen; the UI at ${collector}/ui/ shows them. Ctrl-C stops the demo.`);
      }
    }
    if (CI && performance.now() > deadline) {
      const missing = EVENTS.filter((e) => !story.seen.has(e));
      say(`${elapsed()}  timed out after ${TIMEOUT_S} s; not seen: ${missing.join(', ') || 'none'}${replayed < MIN_DAYS ? `; ${replayed} of ${MIN_DAYS} days replayed` : ''}`);
      return stop(1);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await loop;
}

main().catch((err) => {
  if (stopping) return;
  say(`demo failed: ${err?.stack ?? err}`);
  void stop(1);
});
