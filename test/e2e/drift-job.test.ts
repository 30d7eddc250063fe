import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { rng } from '../helpers/random.js';
import { postNdjson } from '../helpers/ndjson.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';

// Production traffic whose distribution shifts at a known time, against an uploaded
// reference: the drift job must flag exactly the shifted columns in exactly the windows
// after the shift, across a restart of the collector in the middle of the stream.

const WINDOW = 60_000;
const T0 = recentStart(WINDOW);
const SHIFT_WINDOW = 3; // windows 3, 4, 5 carry the shift
const ROWS_PER_WINDOW = 1000;
const MODEL = 'drift-model';

function row(r: ReturnType<typeof rng>, shifted: boolean) {
  return {
    features: {
      a: r.normal(shifted ? 1.5 : 0, 1),
      b: r.normal(0, 1),
      c: r.normal(5, 2),
      plan: shifted ? r.pick([['free', 0.2], ['pro', 0.8]]) : r.pick([['free', 0.7], ['pro', 0.3]]),
      country: r.pick([['FR', 0.5], ['DE', 0.3], ['US', 0.2]]),
    },
    outputs: { score: r.uniform() },
  };
}

// Window 4 also carries data-quality problems: 100 rows without `b`, 10 rows where `c` is a
// string, and 1 row with a column the reference does not know.
const QUALITY_WINDOW = 4;

function windowPredictions(w: number) {
  const r = rng(1000 + w);
  return Array.from({ length: ROWS_PER_WINDOW }, (_, i) => {
    const p = { predictionId: `w${w}-${i}`, model: MODEL, version: 'v1', timestamp: T0 + w * WINDOW + i * 50, ...row(r, w >= SHIFT_WINDOW) };
    const f = p.features as Record<string, unknown>;
    if (w === QUALITY_WINDOW && i < 100) delete f.b;
    if (w === QUALITY_WINDOW && i >= 100 && i < 110) f.c = 'n/a';
    if (w === QUALITY_WINDOW && i === 110) f.coupon = 'NEW10';
    return p;
  });
}

interface DriftResult {
  windowStart: string;
  source: string;
  feature: string;
  method: string;
  statistic: number;
  drifted: boolean;
  referenceId: string;
  currentRows: number;
}

async function results(base: string): Promise<DriftResult[]> {
  const r = await fetch(`${base}/api/v1/drift?model=${MODEL}&version=v1`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: DriftResult[] }).results;
}

/** Runs the job until `windows` windows have results (polls with a deadline). */
async function waitForWindows(base: string, windows: number): Promise<DriftResult[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    await fetch(`${base}/api/v1/jobs/drift/run`, { method: 'POST' });
    const got = await results(base);
    if (new Set(got.map((g) => g.windowStart)).size >= windows) return got;
    if (Date.now() > deadline) throw new Error(`only ${new Set(got.map((g) => g.windowStart)).size} of ${windows} windows after 30 s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

// Only the watermark closes windows here: the data is a day old, so the idle timeout is set beyond it.
const ENV = { INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '30', INFERLENS_DRIFT_INTERVAL_MS: '250', INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS };

describe('streaming drift job', () => {
  let collector: CollectorProcess | undefined;
  let dataDir: string;
  afterAll(async () => {
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('accepts a CSV reference: output.* columns are outputs, non-numeric columns categorical, errors name the line', async () => {
    const dir = tempDataDir();
    const c = await startCollector({ dataDir: dir, env: ENV });
    try {
      const csv = 'age,plan,output.score\r\n31,pro,0.5\r\n45,"free, trial",0.25\r\n,pro,\r\n';
      const r = await fetch(`${c.url}/v1/references?model=csv-model&version=v2`, { method: 'POST', body: csv, headers: { 'content-type': 'text/csv' } });
      expect(r.status).toBe(200);
      expect(await r.json()).toMatchObject({ rows: 3, numericFeatures: ['age'], categoricalFeatures: ['plan'], numericOutputs: ['score'], categoricalOutputs: [] });
      const bad = await fetch(`${c.url}/v1/references?model=csv-model&version=v3`, { method: 'POST', body: 'a,b\n1,2\n3\n', headers: { 'content-type': 'text/csv' } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/^CSV body:3: /);
      const listed = (await (await fetch(`${c.url}/api/v1/references?model=csv-model`)).json()) as { references: Array<{ version: string }> };
      expect(listed.references.map((x) => x.version)).toEqual(['v2']);
      const del = await fetch(`${c.url}/api/v1/references?model=csv-model&version=v2`, { method: 'DELETE' });
      expect(del.status).toBe(200);
      expect(((await (await fetch(`${c.url}/api/v1/references?model=csv-model`)).json()) as { references: unknown[] }).references).toEqual([]);
    } finally {
      await c.stop();
      removeDir(dir);
    }
  });

  it('flags exactly the shifted columns after the shift, across a restart', async () => {
    dataDir = tempDataDir();
    collector = await startCollector({ dataDir, env: ENV });
    const ref = rng(7);
    const reference = Array.from({ length: 2000 }, () => row(ref, false));
    const up = await postNdjson(`${collector.url}/v1/references?model=${MODEL}&version=v1`, reference);
    expect(up.status).toBe(200);
    const uploaded = (await up.json()) as { referenceId: string; rows: number; numericFeatures: string[]; categoricalFeatures: string[]; numericOutputs: string[] };
    expect(uploaded).toMatchObject({ rows: 2000, numericFeatures: ['a', 'b', 'c'], categoricalFeatures: ['country', 'plan'], numericOutputs: ['score'] });
    const listed = (await (await fetch(`${collector.url}/api/v1/references?model=${MODEL}`)).json()) as { references: Array<{ referenceId: string; version: string }> };
    expect(listed.references.map((r) => [r.version, r.referenceId])).toEqual([['v1', uploaded.referenceId]]);

    // Windows 0..3; window 3 stays open (the watermark is 30 s behind its newest event).
    for (let w = 0; w <= 3; w++) expect((await postNdjson(`${collector.url}/v1/predictions`, windowPredictions(w))).status).toBe(200);
    const before = await waitForWindows(collector.url, 3);
    expect(new Set(before.map((r) => r.windowStart))).toEqual(new Set([0, 1, 2].map((w) => new Date(T0 + w * WINDOW).toISOString())));

    expect(await collector.stop()).toBe(0);
    collector = await startCollector({ dataDir, env: ENV });
    for (let w = 4; w <= 5; w++) expect((await postNdjson(`${collector.url}/v1/predictions`, windowPredictions(w))).status).toBe(200);
    // One late-arriving event far ahead moves the watermark past window 5.
    expect((await postNdjson(`${collector.url}/v1/predictions`, [{ predictionId: 'pusher', model: MODEL, version: 'v1', timestamp: T0 + 20 * WINDOW, features: { a: 0 } }])).status).toBe(200);
    const all = await waitForWindows(collector.url, 6);

    const windows = [...new Set(all.map((r) => r.windowStart))].sort();
    expect(windows).toEqual([0, 1, 2, 3, 4, 5].map((w) => new Date(T0 + w * WINDOW).toISOString()));
    // The windows closed before the restart were neither skipped nor recomputed differently.
    for (const r of before) expect(all.find((x) => x.windowStart === r.windowStart && x.feature === r.feature && x.source === r.source)).toEqual(r);
    for (const [i, start] of windows.entries()) {
      const rows = all.filter((r) => r.windowStart === start);
      const drifted = rows.filter((r) => r.drifted && (r.source === 'feature' || r.source === 'output')).map((r) => `${r.source}:${r.feature}`).sort();
      expect(drifted, `window ${i}`).toEqual(i >= SHIFT_WINDOW ? ['feature:a', 'feature:plan'] : []);
      expect(rows.map((r) => `${r.source}:${r.feature}`).sort()).toEqual(['dataset:*', 'feature:a', 'feature:b', 'feature:c', 'feature:country', 'feature:plan', 'multivariate:*', 'output:score']);
      for (const r of rows) {
        expect(r.referenceId).toBe(uploaded.referenceId);
        if (i === QUALITY_WINDOW && r.feature === 'b') expect(r.currentRows).toBe(ROWS_PER_WINDOW - 100);
        if (i === QUALITY_WINDOW && r.feature === 'c') expect(r.currentRows).toBe(ROWS_PER_WINDOW - 10);
        if (r.source !== 'dataset' && !(i === QUALITY_WINDOW && (r.feature === 'b' || r.feature === 'c'))) expect(r.currentRows).toBe(ROWS_PER_WINDOW);
      }
      const dataset = rows.find((r) => r.source === 'dataset')!;
      expect(dataset.statistic).toBeCloseTo(i >= SHIFT_WINDOW ? 2 / 5 : 0, 10);
      // Reference of 2000 rows: the defaults are normalised Wasserstein and Jensen-Shannon.
      expect(rows.find((r) => r.feature === 'a')!.method).toBe('wasserstein');
      expect(rows.find((r) => r.feature === 'plan')!.method).toBe('jensen-shannon');
    }

    // Data quality of the same windows: only window 4's planted problems, exactly.
    const dq = (await (await fetch(`${collector.url}/api/v1/data-quality?model=${MODEL}&version=v1`)).json()) as {
      results: Array<{ windowStart: string; feature: string; metric: string; value: number; count: number }>;
    };
    const q4 = new Date(T0 + QUALITY_WINDOW * WINDOW).toISOString();
    const measure = (feature: string, metric: string) => dq.results.find((m) => m.windowStart === q4 && m.feature === feature && m.metric === metric);
    expect(measure('b', 'missing_rate')).toMatchObject({ value: 0.1, count: ROWS_PER_WINDOW });
    expect(measure('c', 'type_mismatch_rate')).toMatchObject({ value: 0.01, count: ROWS_PER_WINDOW });
    expect(measure('c', 'missing_rate')!.value).toBe(0);
    expect(measure('coupon', 'appeared')).toMatchObject({ value: 1 });
    for (const m of dq.results.filter((x) => x.metric === 'missing_rate' || x.metric === 'type_mismatch_rate' || x.metric === 'appeared' || x.metric === 'disappeared' || x.metric === 'unseen_category_rate')) {
      if (m.windowStart === q4 && ((m.feature === 'b' && m.metric === 'missing_rate') || (m.feature === 'c' && m.metric === 'type_mismatch_rate') || m.feature === 'coupon')) continue;
      expect(m.value, `${m.windowStart} ${m.feature} ${m.metric}`).toBe(0);
    }
    expect(new Set(dq.results.map((m) => m.windowStart)).size).toBe(6);
  });
});
