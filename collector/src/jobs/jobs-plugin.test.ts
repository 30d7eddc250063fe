import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';
import { REFERENCE_PROFILES } from '../store/schema/reference-profiles.js';
import { rng } from '../../../test/helpers/random.js';

// The jobs' HTTP side on the collector built in-process (real engine, `app.inject()`): a poisoned
// unit among healthy ones in several projects. `POST /api/v1/jobs/<job>/run` answers 200 with each
// unit's outcome, the healthy units get all their windows, and `GET /api/v1/jobs` shows the
// poisoned unit with its error, its failures and its next attempt.

const W = 60_000;
/** Three windows ten minutes ago: past end + lateness + idle timeout, so the wall clock closes them all. */
const T0 = Math.floor((Date.now() - 10 * W) / W) * W - 3 * W;
const PROJECTS = ['p1', 'p2', 'p3'];

let dataDir: string;
let app: FastifyInstance;

interface UnitOutcome { unit: Record<string, string>; status: string; windows: number; error?: string; nextAttemptAt?: string }
interface UnitStatus { unit: Record<string, string>; lastSuccessAt: string | null; lastError: string | null; consecutiveFailures: number; nextAttemptAt: string | null; checkpoint: string | null; lagSeconds: number | null; windowsClosed: number }
interface JobStatus { job: string; lastRunAt: string | null; lastRunError: string | null; units: UnitStatus[] }

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-jobs-plugin-test-'));
  const config = loadConfig({
    env: {
      INFERLENS_DATA_DIR: dataDir,
      INFERLENS_DRIFT_WINDOW_SECONDS: '60',
      INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1',
      INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: '1',
      // Runs only when asked: no timer runs while the test looks.
      INFERLENS_DRIFT_INTERVAL_MS: '3600000',
    },
  });
  config.slos = [{ name: 'fast', model: 'm', latency: { percentile: 90, thresholdMs: 100 }, burnRates: [] }];
  app = await buildApp(config, { logger: false });
  await app.ready();

  const r = rng(5);
  const lines: string[] = [];
  for (const project of PROJECTS) {
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < 40; i++) {
        lines.push(JSON.stringify({ predictionId: `${project}-${w}-${i}`, project, model: 'm', version: 'v1', timestamp: T0 + w * W + i * 1000, latencyMs: 20 + r.uniform() * 50, features: { x: r.normal(0, 1) }, outputs: { score: r.uniform() } }));
      }
    }
    const reference = Array.from({ length: 200 }, () => JSON.stringify({ features: { x: r.normal(0, 1) }, outputs: { score: r.uniform() } })).join('\n');
    const up = await app.inject({ method: 'POST', url: `/v1/references?model=m&version=v1&project=${project}`, payload: reference, headers: { 'content-type': 'application/x-ndjson' } });
    expect(up.statusCode).toBe(200);
  }
  const posted = await app.inject({ method: 'POST', url: '/v1/predictions', payload: lines.join('\n'), headers: { 'content-type': 'application/x-ndjson' } });
  expect(posted.json()).toMatchObject({ accepted: 360, rejected: 0 });
  // p2's stored reference is damaged (as a half-written row or a bad restore would leave it).
  await app.store.insert(REFERENCE_PROFILES, [
    { Project: 'p2', ModelName: 'm', ModelVersion: 'v1', ReferenceId: 'damaged', Kind: 'dataset', SourceVersion: '', SourceFrom: null, SourceTo: null, Rows: 200, Profile: '{"rows":200,"numeric":{"feature":{"x":', Deleted: false },
  ]);
});

afterAll(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const run = async (job: string) => {
  const res = await app.inject({ method: 'POST', url: `/api/v1/jobs/${job}/run` });
  expect(res.statusCode).toBe(200);
  return res.json() as { windowsClosed: number; units: UnitOutcome[] };
};

describe('jobs over HTTP', () => {
  it('runs each unit on its own: the healthy units get every window, the poisoned one shows in GET /api/v1/jobs', async () => {
    const drift = await run('drift');
    expect(drift.units.map((u) => [u.unit.project, u.status, u.windows])).toEqual([['p1', 'ok', 3], ['p2', 'failed', 0], ['p3', 'ok', 3]]);
    expect(drift.windowsClosed).toBe(6);
    expect(drift.units[1]!.error).toContain('reference damaged: its stored profile cannot be read');
    for (const project of ['p1', 'p3']) {
      const res = await app.inject({ method: 'GET', url: `/api/v1/drift?model=m&version=v1&project=${project}` });
      const starts = new Set((res.json() as { results: Array<{ windowStart: string }> }).results.map((x) => x.windowStart));
      expect([...starts].sort()).toEqual([0, 1, 2].map((w) => new Date(T0 + w * W).toISOString()));
    }

    // The other jobs know nothing of the damaged reference: every unit, every window.
    for (const job of ['sla', 'quality']) {
      const report = await run(job);
      expect(report.units.map((u) => [u.unit.project, u.status, u.windows])).toEqual(PROJECTS.map((p) => [p, 'ok', 3]));
    }
    expect((await run('sla')).units[0]!.unit).toEqual({ project: 'p1', model: 'm', version: 'v1', slo: 'fast' });

    const res = await app.inject({ method: 'GET', url: '/api/v1/jobs' });
    expect(res.statusCode).toBe(200);
    const { jobs } = res.json() as { jobs: JobStatus[] };
    expect(jobs.map((j) => j.job)).toEqual(['drift', 'sla', 'quality', 'alerts']);
    const [poisoned, ...healthy] = jobs[0]!.units;
    expect(poisoned).toMatchObject({ unit: { project: 'p2', model: 'm', version: 'v1' }, consecutiveFailures: 1, lastSuccessAt: null, checkpoint: null, windowsClosed: 0 });
    expect(poisoned!.lastError).toContain('cannot be read');
    expect(Date.parse(poisoned!.nextAttemptAt!)).toBeGreaterThan(Date.now());
    for (const u of healthy) {
      expect(u).toMatchObject({ consecutiveFailures: 0, lastError: null, nextAttemptAt: null, windowsClosed: 3, checkpoint: new Date(T0 + 3 * W).toISOString() });
      expect(u.lagSeconds!).toBeGreaterThanOrEqual((Date.now() - (T0 + 3 * W)) / 1000 - 60);
    }
    expect(jobs[0]!.lastRunError).toBeNull();
    expect(jobs[2]!.units.every((u) => u.consecutiveFailures === 0 && u.windowsClosed === 3)).toBe(true);

    // While it backs off, a run skips it and says until when.
    const again = await run('drift');
    expect(again.units[1]).toMatchObject({ status: 'backoff', nextAttemptAt: poisoned!.nextAttemptAt });
  });
});
