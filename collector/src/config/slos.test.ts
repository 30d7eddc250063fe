import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BURN_RATES, loadConfig } from '../config.js';
import { ConfigError } from '../errors.js';

const dir = mkdtempSync(join(tmpdir(), 'inferlens-slo-config-test-'));
let count = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, `c${++count}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ file, env });
}

function error(yaml: string): string {
  try {
    load(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('no error');
}

describe('slos in the YAML config', () => {
  it('parses objectives, percentages, durations and defaults the burn-rate pairs to the SRE Workbook', () => {
    const config = load(`
slos:
  - model: fraud
    latency: { percentile: 99.5, thresholdMs: 300 }
    errorRate: "1%"
    availability: { target: "99.9%", period: 30d }
  - name: fraud-v3-prod
    model: fraud
    version: v3
    environment: prod
    availability: { target: 0.99, period: 7d }
    burnRates:
      - { long: 2h, short: 10m, factor: 10 }
`);
    expect(config.slos).toEqual([
      {
        name: 'fraud', model: 'fraud', version: undefined, environment: undefined,
        latency: { percentile: 99.5, thresholdMs: 300 }, errorRate: 0.01,
        availability: { target: 0.999, periodSeconds: 30 * 86_400 },
        burnRates: [
          { longSeconds: 3600, shortSeconds: 300, factor: 14.4 },
          { longSeconds: 21_600, shortSeconds: 1800, factor: 6 },
          { longSeconds: 259_200, shortSeconds: 21_600, factor: 1 },
        ],
      },
      {
        name: 'fraud-v3-prod', model: 'fraud', version: 'v3', environment: 'prod', latency: undefined, errorRate: undefined,
        availability: { target: 0.99, periodSeconds: 7 * 86_400 }, burnRates: [{ longSeconds: 7200, shortSeconds: 600, factor: 10 }],
      },
    ]);
    expect(config.slos[0]!.burnRates).toEqual(DEFAULT_BURN_RATES);
  });

  it('takes the SLA window from the drift settings unless sla.* sets its own', () => {
    expect(load('drift: { windowSeconds: 600 }').sla).toEqual({ windowSeconds: 600, allowedLatenessSeconds: 300, intervalMs: 10_000, idleTimeoutSeconds: 300 });
    expect(load('drift: { windowSeconds: 600 }\nsla: { windowSeconds: 120 }', { INFERLENS_SLA_INTERVAL_MS: '50' }).sla).toEqual({
      windowSeconds: 120, allowedLatenessSeconds: 300, intervalMs: 50, idleTimeoutSeconds: 300,
    });
    // Was "sla.windowSeconds: expected 60 (one minute) to 86400 (one day), got 30": now names the file it came from.
    expect(error('sla: { windowSeconds: 30 }')).toMatch(/sla\.windowSeconds \(from .*c\d+\.yaml\): expected an integer from 60 to 86400, got 30/);
  });

  it.each([
    ['slos: { model: a }', /slos: expected a list of objectives, got \{"model":"a"\}/],
    ['slos: [ { latency: { percentile: 99, thresholdMs: 1 } } ]', /slos\[0\]\.model: expected a non-empty string.*got undefined/],
    ['slos: [ { model: a } ]', /slos\[0\]: expected at least one objective/],
    ['slos: [ { model: a, latency: { percentile: 100, thresholdMs: 5 } } ]', /slos\[0\]\.latency\.percentile: expected a number strictly between 0 and 100.*got 100/],
    ['slos: [ { model: a, latency: { percentile: 99, thresholdMs: -1 } } ]', /slos\[0\]\.latency\.thresholdMs: expected a positive number, got -1/],
    ['slos: [ { model: a, latency: { p: 99 } } ]', /slos\[0\]\.latency: unknown key "p"; known keys: percentile, thresholdMs/],
    ['slos: [ { model: a, errorRate: 5 } ]', /slos\[0\]\.errorRate: expected a percentage such as "99.9%" or a fraction .* got 5/],
    ['slos: [ { model: a, availability: { target: "99.9%", period: 30x } } ]', /slos\[0\]\.availability\.period: expected a duration such as 5m, 6h, 30d.*got "30x"/],
    ['slos: [ { model: a, errorRate: 0.1, burnRates: [ { long: 5m, short: 1h, factor: 2 } ] } ]', /slos\[0\]\.burnRates\[0\]\.short: expected a window shorter than long \(300 s\), got "1h"/],
    ['slos: [ { model: a, errorRate: 0.1 }, { model: a, errorRate: 0.2 } ]', /slos\[1\]\.name: expected a name no other SLO has.*got "a"/],
    ['slos: [ { model: a, errorRate: 0.1, typo: 1 } ]', /slos\[0\]: unknown key "typo"/],
  ])('refuses %s naming the key, the value and what is expected', (yaml, message) => {
    expect(error(yaml)).toMatch(message);
  });
});
