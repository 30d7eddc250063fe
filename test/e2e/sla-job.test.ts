import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { recentStart } from '../helpers/recent-time.js';

// Three versions of one model against one SLO (fixtures/sla, made with numpy): v1 healthy,
// v2 with a latency regression from window 2, v3 with an error burst in windows 2 and 3.
// The SLA job must find exactly those breaches, with percentiles, error rates, the error budget
// and burn rates equal to numpy's, and ignore the staging environment the SLO excludes.

interface BurnRate { longSeconds: number; shortSeconds: number; factor: number; longBurnRate: number; shortBurnRate: number; firing: boolean }
interface Expected {
  version: string;
  window: number;
  rows: number;
  requests: number;
  errors: number;
  errorRate: number;
  latency: { p50: number; p90: number; p95: number; p99: number };
  latencyMet: boolean;
  errorRateMet: boolean;
  availabilityMet: boolean;
  errorBudgetRemaining: number;
  burnRates: BurnRate[];
  breached: boolean;
}
interface Fixture {
  t0: number;
  windowMs: number;
  rowsPerWindow: number;
  slo: { name: string; model: string };
  traffic: Array<{ version: string; window: number; latencyMs: number[]; errors: string; halfSampled: string }>;
  expected: Expected[];
}
interface SlaResult {
  slo: string;
  version: string;
  environment: string;
  windowStart: string;
  rows: number;
  requests: number;
  errors: number;
  errorRate: number;
  availability: number;
  latency: { p50: number; p90: number; p95: number; p99: number };
  objectives: {
    latency: { percentile: number; thresholdMs: number; observedMs: number; met: boolean };
    errorRate: { max: number; observed: number; met: boolean };
    availability: { target: number; observed: number; met: boolean };
  };
  errorBudget: { periodSeconds: number; remaining: number };
  burnRates: BurnRate[];
  burnRateFiring: boolean;
  breached: boolean;
}

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/sla/sla-traffic.json', import.meta.url), 'utf8')) as Fixture;
const WINDOW = FIXTURE.windowMs;
// The fixture's start moved to the recent past by whole weeks (same windows), within the event-age bound.
const T0 = recentStart(FIXTURE.t0);
const MODEL = FIXTURE.slo.model;

const CONFIG = `
slos:
  - name: ${FIXTURE.slo.name}
    model: ${MODEL}
    environment: prod
    latency: { percentile: 99, thresholdMs: 300 }
    errorRate: "2%"
    availability: { target: "99%", period: 1h }
    burnRates:
      - { long: 5m, short: 1m, factor: 5 }
      - { long: 30m, short: 5m, factor: 1 }
`;

function records(): unknown[] {
  const out: unknown[] = [];
  for (const t of FIXTURE.traffic) {
    const step = WINDOW / FIXTURE.rowsPerWindow;
    t.latencyMs.forEach((latencyMs, i) =>
      out.push({
        predictionId: `${t.version}-${t.window}-${i}`, model: MODEL, version: t.version, environment: 'prod',
        timestamp: T0 + t.window * WINDOW + i * step, latencyMs, status: t.errors[i] === '1' ? 'error' : 'ok',
        sampleRate: t.halfSampled[i] === '1' ? 0.5 : 1,
      }),
    );
    for (let i = 0; i < 10; i++) {
      out.push({
        predictionId: `${t.version}-${t.window}-staging-${i}`, model: MODEL, version: t.version, environment: 'staging',
        timestamp: T0 + t.window * WINDOW + i * 1000 + 7, latencyMs: 5000, status: 'error',
      });
    }
  }
  // One event per version far ahead moves each version's watermark past window 5.
  for (const version of ['v1', 'v2', 'v3']) out.push({ predictionId: `${version}-pusher`, model: MODEL, version, environment: 'prod', timestamp: T0 + 10 * WINDOW });
  return out;
}

async function results(base: string, query = ''): Promise<SlaResult[]> {
  const r = await fetch(`${base}/api/v1/sla?model=${MODEL}${query}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: SlaResult[] }).results;
}

const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));

describe('SLA job', () => {
  let collector: CollectorProcess | undefined;
  let dataDir: string;
  afterAll(async () => {
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('finds the latency regression and the error burst, with numpy-exact percentiles, budget and burn rates', async () => {
    dataDir = tempDataDir();
    const configFile = join(dataDir, 'collector.yaml');
    writeFileSync(configFile, CONFIG);
    collector = await startCollector({
      dataDir,
      args: ['--config', configFile],
      env: { INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '30', INFERLENS_SLA_INTERVAL_MS: '600000' },
    });
    const body = records().map((x) => JSON.stringify(x)).join('\n');
    const posted = await fetch(`${collector.url}/v1/predictions`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
    expect(posted.status).toBe(200);
    expect(((await posted.json()) as { rejected: number }).rejected).toBe(0);

    const run = await fetch(`${collector.url}/api/v1/jobs/sla/run`, { method: 'POST' });
    expect(await run.json()).toEqual({ windowsClosed: 18 });
    // A second run finds nothing new: the checkpoints hold.
    expect(await (await fetch(`${collector.url}/api/v1/jobs/sla/run`, { method: 'POST' })).json()).toEqual({ windowsClosed: 0 });

    const all = await results(collector.url);
    expect(all).toHaveLength(18);
    for (const e of FIXTURE.expected) {
      const start = new Date(T0 + e.window * WINDOW).toISOString();
      const got = all.find((r) => r.version === e.version && r.windowStart === start);
      expect(got, `${e.version} window ${e.window}`).toBeDefined();
      const r = got!;
      expect(r.slo).toBe(FIXTURE.slo.name);
      expect(r.environment).toBe('prod');
      expect(r.rows).toBe(e.rows);
      close(r.requests, e.requests);
      close(r.errors, e.errors);
      close(r.errorRate, e.errorRate);
      close(r.availability, 1 - e.errorRate);
      for (const p of ['p50', 'p90', 'p95', 'p99'] as const) close(r.latency[p], e.latency[p]);
      close(r.objectives.latency.observedMs, e.latency.p99);
      expect([r.objectives.latency.met, r.objectives.errorRate.met, r.objectives.availability.met, r.breached]).toEqual([e.latencyMet, e.errorRateMet, e.availabilityMet, e.breached]);
      expect(r.errorBudget.periodSeconds).toBe(3600);
      close(r.errorBudget.remaining, e.errorBudgetRemaining);
      expect(r.burnRates.map((b) => [b.longSeconds, b.shortSeconds, b.factor, b.firing])).toEqual(e.burnRates.map((b) => [b.longSeconds, b.shortSeconds, b.factor, b.firing]));
      r.burnRates.forEach((b, i) => {
        close(b.longBurnRate, e.burnRates[i]!.longBurnRate);
        close(b.shortBurnRate, e.burnRates[i]!.shortBurnRate);
      });
      expect(r.burnRateFiring).toBe(e.burnRates.some((b) => b.firing));
    }

    // The story the fixture tells, stated plainly.
    const breached = (v: string) => all.filter((r) => r.version === v && r.breached).map((r) => (Date.parse(r.windowStart) - T0) / WINDOW);
    expect(breached('v1')).toEqual([]);
    expect(breached('v2')).toEqual([2, 3, 4, 5]);
    expect(all.filter((r) => r.version === 'v2' && r.breached).every((r) => !r.objectives.latency.met && r.objectives.availability.met)).toBe(true);
    expect(breached('v3')).toEqual([2, 3]);
    expect(all.filter((r) => r.version === 'v1' || r.version === 'v2').some((r) => r.burnRateFiring)).toBe(false);
    const fast = all.filter((r) => r.version === 'v3' && r.burnRates[0]!.firing).map((r) => (Date.parse(r.windowStart) - T0) / WINDOW);
    expect(fast).toEqual([3]);

    // Filters.
    expect((await results(collector.url, '&version=v2&breached=true')).map((r) => r.windowStart)).toEqual(
      [2, 3, 4, 5].map((w) => new Date(T0 + w * WINDOW).toISOString()),
    );
    expect(await results(collector.url, `&version=v1&from=${T0 + 2 * WINDOW}&to=${new Date(T0 + 4 * WINDOW).toISOString()}`)).toHaveLength(2);
    const bad = await fetch(`${collector.url}/api/v1/sla?model=${MODEL}&from=yesterday`);
    expect(bad.status).toBe(400);
  });
});
