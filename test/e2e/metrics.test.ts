import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// `GET /metrics` of a collector child process after known traffic: the counters say exactly what
// was sent, and Prometheus' own checker (`promtool check metrics`, Debian's `prometheus` package)
// reads the exposition.

const PROMTOOL = '/usr/bin/promtool';
// prom-client's default Node.js metrics name three gauges `*_total`, which promtool's linter
// flags (a gauge should not end in `_total`); they are the library's names, kept as
// dashboards know them. Any other problem fails the test.
const PROM_CLIENT_LINT = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let collector: CollectorProcess;
const dataDir = tempDataDir();

beforeAll(async () => {
  collector = await startCollector({ dataDir });
});

afterAll(async () => {
  await collector?.stop();
  removeDir(dataDir);
});

/** The samples of an exposition, by series (`name{labels}` as written) */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

async function post(path: string, body: string, contentType = 'application/x-ndjson'): Promise<number> {
  const r = await fetch(collector.url + path, { method: 'POST', body, headers: { 'content-type': contentType } });
  await r.arrayBuffer();
  return r.status;
}

describe('GET /metrics', () => {
  it('counts records, bytes, refusals, inserts and job runs, and promtool reads it', async () => {
    const now = Date.now();
    const body = [0, 1, 2].map((i) => JSON.stringify({ predictionId: `m-${i}`, model: 'metrics', version: 'v1', timestamp: new Date(now).toISOString(), features: { x: i } }));
    body.push('{"model":"metrics"}'); // no predictionId: rejected alone
    expect(await post('/v1/predictions', body.join('\n'))).toBe(200);
    expect(await post('/v1/feedback', '{"predictionId":"m-0","label":"yes"}')).toBe(200);
    expect(await post('/v1/predictions', '{}', 'image/png')).toBe(415);
    expect((await fetch(`${collector.url}/api/v1/jobs/drift/run`, { method: 'POST' })).status).toBe(200);

    const r = await fetch(`${collector.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await r.text();
    const s = samples(text);
    expect(s.get('inferlens_records_received_total{signal="predictions"}')).toBe(4);
    expect(s.get('inferlens_records_accepted_total{signal="predictions"}')).toBe(3);
    expect(s.get('inferlens_records_refused_total{signal="predictions",reason="invalid"}')).toBe(1);
    expect(s.get('inferlens_records_accepted_total{signal="feedback"}')).toBe(1);
    expect(s.get('inferlens_received_bytes_total{signal="predictions"}')).toBe(Buffer.byteLength(body.join('\n')) + 2); // with the refused `{}`
    expect(s.get('inferlens_requests_refused_total{code="INGEST_UNSUPPORTED_MEDIA_TYPE"}')).toBe(1);
    expect(s.get('inferlens_http_requests_total{method="POST",route="/v1/predictions",status="200"}')).toBe(1);
    expect(s.get('inferlens_http_requests_total{method="POST",route="/v1/predictions",status="415"}')).toBe(1);
    expect(s.get('inferlens_insert_duration_seconds_count{table="predictions"}')).toBeGreaterThanOrEqual(1);
    expect(s.get('inferlens_insert_duration_seconds_count{table="feedback"}')).toBeGreaterThanOrEqual(1);
    expect(s.get('inferlens_pending_rows{table="predictions"}')).toBe(0);
    expect(s.get('inferlens_bytes_in_flight')).toBe(0);
    expect(s.get('inferlens_job_runs_total{job="drift"}')).toBeGreaterThanOrEqual(1);
    expect(s.has('inferlens_windows_closed_total{job="drift"}')).toBe(true);
    expect(s.get('inferlens_http_requests_in_flight')).toBeGreaterThanOrEqual(1); // this scrape
    expect(s.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const name of ['inferlens_insert_failures_total', 'inferlens_job_failures_total', 'inferlens_alert_evaluations_total', 'inferlens_alert_notifications_total', 'inferlens_job_lag_seconds']) {
      expect(text).toContain(`# TYPE ${name} `);
    }

    expect(existsSync(PROMTOOL), `${PROMTOOL} is missing: apt-get install -y --no-install-recommends prometheus`).toBe(true);
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    const problems = `${check.stdout}${check.stderr}`.split('\n').filter((l) => l.trim() !== '');
    // 0: clean; 3: lint problems only (listed); anything else: the exposition does not parse.
    expect([0, 3], problems.join('\n')).toContain(check.status);
    expect(problems.filter((p) => !PROM_CLIENT_LINT.some((name) => p.startsWith(`${name} `)))).toEqual([]);
  });
});
