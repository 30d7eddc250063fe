// The Inferlens demo, run by `pnpm demo` after the build:
//  1. starts the collector (embedded store in ./.inferlens/data, http://127.0.0.1:4318) with
//     1-minute drift windows and the demo's alert rules;
//  2. starts the example fraud service (http://127.0.0.1:3000), instrumented with @inferlens/sdk;
//  3. uploads a reference data set for the fraud model;
//  4. sends it traffic, with ground truth for some predictions; after DEMO_SHIFT_AFTER_S seconds
//     (default 150) transaction amounts shift upwards, the drift job flags `amount` in the next
//     closed window and the FeatureDrift alert reaches the demo's webhook (http://127.0.0.1:9099);
//  5. prints what the collector sees every 10 seconds. Ctrl-C stops everything.
// Env: DEMO_COLLECTOR_PORT (4318), DEMO_SERVICE_PORT (3000), DEMO_WEBHOOK_PORT (9099),
//      DEMO_RATE (requests/s, 20), DEMO_SHIFT_AFTER_S (150), DEMO_DURATION_S (0 = until Ctrl-C).
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const COLLECTOR_PORT = Number(process.env.DEMO_COLLECTOR_PORT ?? 4318);
const SERVICE_PORT = Number(process.env.DEMO_SERVICE_PORT ?? 3000);
const WEBHOOK_PORT = Number(process.env.DEMO_WEBHOOK_PORT ?? 9099);
const RATE = Number(process.env.DEMO_RATE ?? 20);
const SHIFT_AFTER_S = Number(process.env.DEMO_SHIFT_AFTER_S ?? 150);
const DURATION_S = Number(process.env.DEMO_DURATION_S ?? 0);
const COLLECTOR = `http://127.0.0.1:${COLLECTOR_PORT}`;
const SERVICE = `http://127.0.0.1:${SERVICE_PORT}`;
const PROJECT = 'examples';

const children = [];
function start(name, args, env, ready) {
  return new Promise((resolveStart, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        try {
          const rec = JSON.parse(line);
          if (ready(rec)) resolveStart(child);
          if (rec.level >= 40) console.log(`[${name}] ${rec.msg}`);
        } catch {
          /* not JSON */
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
  });
}

function stopAll(code = 0) {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stopAll(0));
process.on('SIGTERM', () => stopAll(0));

// Deterministic pseudo-random numbers, so every demo run tells the same story.
let seed = 12345;
const uniform = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const normal = (m, s) => m + s * Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
const pick = (items) => items[Math.floor(uniform() * items.length)];
function transaction(shifted) {
  return {
    amount: Math.max(1, Math.round(normal(shifted ? 420 : 180, 60) * 100) / 100),
    country: pick(['FR', 'FR', 'DE', 'US', 'GB', 'XX']),
    channel: pick(['web', 'ios', 'android', 'pos']),
    hoursSinceLast: Math.round(Math.abs(normal(20, 15)) * 100) / 100,
  };
}

const alertsSeen = [];
const webhook = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    try {
      const msg = JSON.parse(body);
      for (const a of msg.alerts ?? []) {
        alertsSeen.push(a);
        console.log(`\n*** alert ${a.status}: ${a.labels?.alertname} — ${a.annotations?.summary ?? ''}\n`);
      }
    } catch {
      /* ignore */
    }
    res.writeHead(200).end();
  });
});

async function main() {
  await new Promise((r) => webhook.listen(WEBHOOK_PORT, '127.0.0.1', r));
  console.log(`starting the collector on ${COLLECTOR} (data in .inferlens/data) ...`);
  await start('collector', ['collector/dist/cli.js', '--port', String(COLLECTOR_PORT), '--data-dir', '.inferlens/data'], {
    INFERLENS_DRIFT_WINDOW_SECONDS: '60',
    INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '5',
    INFERLENS_DRIFT_INTERVAL_MS: '2000',
    INFERLENS_ALERTS_RULES_FILE: resolve(root, 'examples/demo/alert-rules.yaml'),
  }, (rec) => rec.msg === 'collector listening');
  console.log(`starting the instrumented fraud service on ${SERVICE} ...`);
  await start('service', ['examples/fastify-service/dist/server.js'], { PORT: String(SERVICE_PORT), INFERLENS_ENDPOINT: COLLECTOR, INFERLENS_SCHEDULED_DELAY_MILLIS: '500' }, (rec) => rec.msg === 'listening');

  const reference = Array.from({ length: 2000 }, () => ({ features: transaction(false) }));
  const up = await fetch(`${COLLECTOR}/v1/references?model=fraud&version=v3&project=${PROJECT}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: reference.map((r) => JSON.stringify(r)).join('\n'),
  });
  console.log(`reference uploaded: ${JSON.stringify(await up.json())}`);

  const started = Date.now();
  let sent = 0;
  let shiftedAnnounced = false;
  const traffic = setInterval(async () => {
    const shifted = (Date.now() - started) / 1000 >= SHIFT_AFTER_S;
    if (shifted && !shiftedAnnounced) {
      shiftedAnnounced = true;
      console.log('\n>>> transaction amounts now shift upwards: watch the next closed drift window\n');
    }
    try {
      const r = await fetch(`${SERVICE}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(transaction(shifted)) });
      const p = await r.json();
      sent++;
      if (sent % 5 === 0 && p.predictionId) {
        await fetch(`${SERVICE}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ predictionId: p.predictionId, label: p.fraud === uniform() < 0.9 ? 'fraud' : 'legit' }) });
      }
    } catch (err) {
      console.log(`request failed: ${err.message}`);
    }
  }, 1000 / RATE);

  const report = setInterval(async () => {
    try {
      const preds = await (await fetch(`${COLLECTOR}/api/v1/predictions?project=${PROJECT}&model=fraud&limit=1`)).json();
      const drift = await (await fetch(`${COLLECTOR}/api/v1/drift?project=${PROJECT}&model=fraud&version=v3`)).json();
      const alerts = await (await fetch(`${COLLECTOR}/api/v1/alerts`)).json().catch(() => ({}));
      const windows = [...new Set(drift.results.map((r) => r.windowStart))];
      const last = windows.at(-1);
      const drifted = drift.results.filter((r) => r.windowStart === last && r.drifted && r.source === 'feature').map((r) => r.feature);
      const elapsed = Math.round((Date.now() - started) / 1000);
      console.log(
        `[${elapsed}s] sent ${sent} predictions; newest stored ${preds.predictions?.[0]?.timestamp ?? '-'}; ` +
          `${windows.length} drift windows closed${last ? `, last ${last.slice(11, 16)} drifted: [${drifted.join(', ')}]` : ''}; ` +
          `active alerts: ${(alerts.alerts ?? []).map((a) => a.labels?.alertname + ':' + a.state).join(', ') || 'none'}`,
      );
    } catch (err) {
      console.log(`status check failed: ${err.message}`);
    }
  }, 10_000);

  console.log(`\nsending ${RATE} requests/s to the service; open ${COLLECTOR}/ in a browser for the UI, or try: curl '${COLLECTOR}/api/v1/drift?project=${PROJECT}&model=fraud'\n`);
  if (DURATION_S > 0) {
    setTimeout(() => {
      clearInterval(traffic);
      clearInterval(report);
      console.log(`demo done: ${sent} predictions sent, ${alertsSeen.length} alert notifications received`);
      stopAll(0);
    }, DURATION_S * 1000);
  }
}

main().catch((err) => {
  console.error(err);
  stopAll(1);
});
