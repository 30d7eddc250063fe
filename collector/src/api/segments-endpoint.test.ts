import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';

// `GET /api/v1/segments` on the collector built in-process (real engine, `app.inject()`), on
// results the drift and quality jobs wrote: a model with two segments of which one drifts and
// answers worse in the newest window, the same model in another project with a segment of its
// own; its answer checked against the per-segment rows of `/api/v1/drift` and `/api/v1/quality`.
// And `GET /api/v1/distributions?segment=`: one segment's rows of a window.

const MIN = 60_000;
/** Three one-minute windows starting on a whole minute, an hour ago. */
const T0 = Math.floor((Date.now() - 3_600_000) / MIN) * MIN;
const at = (w: number) => new Date(T0 + w * MIN).toISOString();
const ROWS = 200;

interface DriftRow { segment: string; windowStart: string; source: string; feature: string; drifted: boolean; statistic: number }
interface QualityRow { segment: string; windowStart: string; labelled: number; classification: { accuracy: number | null } }
interface Summary {
  version: string;
  segment: string;
  drift: { windows: number; driftedWindows: number; latest: { windowStart: string; windowEnd: string; columns: number; driftedColumns: number; datasetShare: number | null } } | null;
  quality: { windows: number; labelledWindows: number; latest: { windowStart: string; predictions: number; labelled: number; accuracy: number | null } } | null;
}

let dataDir: string;
let app: FastifyInstance;

const ndjson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
async function post(url: string, rows: unknown[], project = 'acme'): Promise<void> {
  const res = await app.inject({ method: 'POST', url, payload: ndjson(rows), headers: { 'content-type': 'application/x-ndjson', 'x-inferlens-project': project } });
  expect(res.statusCode, res.body).toBe(200);
}
async function get<T>(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await app.inject({ method: 'GET', url, headers });
  return { status: res.statusCode, body: res.json() as T };
}
/** Runs a job until `done` holds for what `read` answers (a deadline, no fixed sleep). */
async function runUntil<T>(job: 'drift' | 'quality', read: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const run = await app.inject({ method: 'POST', url: `/api/v1/jobs/${job}/run` });
    expect(run.statusCode, run.body).toBe(200);
    const got = await read();
    if (done(got)) return got;
    if (Date.now() > deadline) throw new Error(`${job}: not done after 60 s: ${JSON.stringify(got).slice(0, 300)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Window `w`, segment `segment`: `amount` spread 90..110 like the reference, moved to 190..210 for web in window 2; `plan` 2/3 free. */
function traffic(project: string, segments: string[]): { predictions: unknown[]; feedback: unknown[] } {
  const predictions: unknown[] = [];
  const feedback: unknown[] = [];
  for (let w = 0; w < 3; w++) {
    for (const segment of segments) {
      for (let i = 0; i < ROWS; i++) {
        const id = `${project}-${segment}-${w}-${i}`;
        const shifted = segment === 'web' && w === 2;
        const timestamp = T0 + w * MIN + Math.floor((i * MIN) / ROWS);
        const label = i % 2 === 0 ? 'yes' : 'no';
        predictions.push({ predictionId: id, model: 'loans', version: 'v1', segment, timestamp, features: { amount: (shifted ? 200 : 100) + (i % 21) - 10, plan: i % 3 === 0 ? 'pro' : 'free' }, outputs: { label } });
        // Every answer right, but half of web's in window 2.
        const wrong = shifted && i % 4 < 2;
        feedback.push({ predictionId: id, model: 'loans', version: 'v1', timestamp: timestamp + 1000, label: wrong ? (label === 'yes' ? 'no' : 'yes') : label });
      }
    }
  }
  // Without a segment, far ahead: closes windows 0 to 2.
  predictions.push({ predictionId: `${project}-pusher`, model: 'loans', version: 'v1', timestamp: T0 + 6 * MIN, features: { amount: 100, plan: 'free' } });
  return { predictions, feedback };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-segments-endpoint-'));
  app = await buildApp(
    loadConfig({
      env: { INFERLENS_DATA_DIR: dataDir, INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1', INFERLENS_DRIFT_INTERVAL_MS: '3600000' },
    }),
    { logger: false },
  );
  await app.ready();
  for (const [project, segments] of [['acme', ['web', 'store']], ['other', ['secret']]] as const) {
    await post('/v1/references?model=loans&version=v1', Array.from({ length: 630 }, (_, i) => ({ features: { amount: 100 + (i % 21) - 10, plan: i % 3 === 0 ? 'pro' : 'free' } })), project);
    const { predictions, feedback } = traffic(project, [...segments]);
    await post('/v1/predictions', predictions, project);
    await post('/v1/feedback', feedback, project);
  }
  const windowsOf = (rows: Array<{ segment: string; windowStart: string }>, segment: string) => new Set(rows.filter((r) => r.segment === segment).map((r) => r.windowStart)).size;
  for (const project of ['acme', 'other']) {
    const last = project === 'acme' ? 'web' : 'secret';
    await runUntil('drift', async () => (await get<{ results: DriftRow[] }>(`/api/v1/drift?project=${project}&model=loans&segment=*`)).body.results, (rows) => windowsOf(rows, last) >= 3);
    await runUntil('quality', async () => (await get<{ results: QualityRow[] }>(`/api/v1/quality?project=${project}&model=loans&segment=*`)).body.results, (rows) => rows.filter((r) => r.segment === last && r.labelled > 0).length >= 3);
  }
}, 180_000);

afterAll(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /api/v1/segments', () => {
  it("lists a model's segments with their drift and quality, as the per-segment rows of /drift and /quality say", async () => {
    const { status, body } = await get<{ segments: Summary[] }>(`/api/v1/segments?project=acme&model=loans`);
    expect(status).toBe(200);
    // The whole windows ('') are not a segment; the other project's segment is not acme's.
    expect(body.segments.map((s) => [s.version, s.segment])).toEqual([
      ['v1', 'store'],
      ['v1', 'web'],
    ]);
    const [store, web] = body.segments as [Summary, Summary];
    // Only web drifted, in window 2 only, and on amount only.
    expect(web.drift).toMatchObject({ windows: 3, driftedWindows: 1, latest: { windowStart: at(2), windowEnd: at(3), driftedColumns: 1 } });
    expect(store.drift).toMatchObject({ windows: 3, driftedWindows: 0, latest: { windowStart: at(2), windowEnd: at(3), driftedColumns: 0 } });
    // Each figure as the segment's own drift rows of its newest window give it.
    for (const s of [store, web]) {
      const { body: d } = await get<{ results: DriftRow[] }>(`/api/v1/drift?project=acme&model=loans&segment=${s.segment}&from=${T0 + 2 * MIN}`);
      const columns = d.results.filter((r) => r.windowStart === at(2) && (r.source === 'feature' || r.source === 'output'));
      expect(columns.length).toBeGreaterThanOrEqual(2);
      expect(s.drift!.latest.columns).toBe(columns.length);
      expect(s.drift!.latest.driftedColumns).toBe(columns.filter((r) => r.drifted).length);
      expect(s.drift!.latest.datasetShare).toBe(d.results.find((r) => r.source === 'dataset' && r.windowStart === at(2))!.statistic);
    }
    expect(web.drift!.latest.datasetShare).toBeGreaterThan(0);
    expect(store.drift!.latest.datasetShare).toBe(0);
    // Quality: every window labelled; in the newest, half of web's answers wrong.
    expect(store.quality).toEqual({ windows: 3, labelledWindows: 3, latest: { windowStart: at(2), windowEnd: at(3), predictions: ROWS, labelled: ROWS, accuracy: 1, rocAuc: null, mae: null, rmse: null } });
    expect(web.quality).toMatchObject({ windows: 3, labelledWindows: 3, latest: { windowStart: at(2), predictions: ROWS, labelled: ROWS, accuracy: 0.5 } });
    const { body: q } = await get<{ results: QualityRow[] }>(`/api/v1/quality?project=acme&model=loans&segment=web`);
    expect(web.quality!.latest.accuracy).toBe(q.results.find((r) => r.windowStart === at(2))!.classification.accuracy);
  });

  it('answers the windows that start in the range, of one version when asked', async () => {
    const recent = await get<{ segments: Summary[] }>(`/api/v1/segments?project=acme&model=loans&from=${T0 + MIN}&to=${at(2)}`);
    expect(recent.status).toBe(200);
    // Window 1 only: no drift there yet.
    expect(recent.body.segments.map((s) => [s.segment, s.drift?.windows, s.drift?.driftedWindows, s.drift?.latest.windowStart, s.quality?.windows])).toEqual([
      ['store', 1, 0, at(1), 1],
      ['web', 1, 0, at(1), 1],
    ]);
    expect((await get<{ segments: Summary[] }>(`/api/v1/segments?project=acme&model=loans&version=v2`)).body.segments).toEqual([]);
    expect((await get<{ segments: Summary[] }>(`/api/v1/segments?project=acme&model=nobody`)).body.segments).toEqual([]);
    expect((await get<{ segments: Summary[] }>(`/api/v1/segments?project=acme&model=loans&from=${T0 - 10 * MIN}&to=${T0}`)).body.segments).toEqual([]);
  });

  it('keeps each project to its own segments (parameter or X-Inferlens-Project header)', async () => {
    const other = await get<{ segments: Summary[] }>(`/api/v1/segments?project=other&model=loans`);
    expect(other.body.segments.map((s) => s.segment)).toEqual(['secret']);
    const header = await get<{ segments: Summary[] }>(`/api/v1/segments?model=loans`, { 'x-inferlens-project': 'other' });
    expect(header.body.segments.map((s) => s.segment)).toEqual(['secret']);
    // Without either: the default project, which has no such model.
    expect((await get<{ segments: Summary[] }>(`/api/v1/segments?model=loans`)).body.segments).toEqual([]);
  });

  it("GET /api/v1/distributions?segment=: a window's rows of one segment, beside the reference's rows of it when it has some", async () => {
    interface Distribution { segment: string; reference: { rows: number; missing: number; segment: boolean }; current: { rows: number }; distribution: { kind: string; reference: { count: number; mean: number }; current: { count: number; mean: number } } }
    const url = (segment: string) => `/api/v1/distributions?project=acme&model=loans&version=v1&feature=amount&from=${T0 + 2 * MIN}&to=${T0 + 3 * MIN}&segment=${segment}`;
    /** The mean of a window's `amount` of one segment, as traffic() makes it. */
    const mean = (base: number) => Array.from({ length: ROWS }, (_, i) => base + (i % 21) - 10).reduce((a, b) => a + b, 0) / ROWS;
    const web = await get<Distribution>(url('web'));
    expect(web.status).toBe(200);
    // Window 2: web's 200 rows moved to 190..210, store's at 90..110; the uploaded reference has no segments: the whole one.
    expect(web.body).toMatchObject({ segment: 'web', reference: { rows: 630, segment: false }, current: { rows: ROWS }, distribution: { kind: 'numeric', current: { count: ROWS } } });
    expect(web.body.distribution.current.mean).toBeCloseTo(mean(200), 6);
    const store = await get<Distribution>(url('store'));
    expect(store.body.distribution.current.mean).toBeCloseTo(mean(100), 6);
    const all = await get<Distribution>(url(''));
    expect(all.body).toMatchObject({ segment: '', current: { rows: 2 * ROWS } });
    const none = await get<{ error: string; message: string }>(url('secret'));
    expect(none.status).toBe(404);
    expect(none.body.message).toMatch(/^no segment "secret" of loans version "v1" in \[from, to\): the window's segments are \["store","web"\]$/);
    // A reference pinned on window 0 of the traffic has rows per segment: each segment is compared with its own.
    const pin = await app.inject({ method: 'POST', url: '/api/v1/references/pin', payload: { project: 'acme', model: 'loans', version: 'v1', sourceVersion: 'v1', from: String(T0), to: String(T0 + MIN) } });
    expect(pin.statusCode, pin.body).toBe(200);
    const pinned = await get<Distribution>(url('web'));
    expect(pinned.body).toMatchObject({ reference: { rows: ROWS, segment: true }, distribution: { reference: { count: ROWS } } });
    expect(pinned.body.distribution.reference.mean).toBeCloseTo(mean(100), 6);
  });

  it('answers 400 naming the parameter for what it cannot take', async () => {
    const cases: Array<[string, RegExp]> = [
      ['', /^query parameter model: expected text of 1 to 256 characters, it is missing$/],
      ['model=', /^query parameter model: expected text of 1 to 256 characters, got ""$/],
      [`model=${'m'.repeat(257)}`, /^query parameter model: /],
      [`model=loans&version=${'v'.repeat(257)}`, /^query parameter version: /],
      ['model=loans&from=yesterday', /^query parameter from: expected an ISO-8601 time or Unix milliseconds, got "yesterday"$/],
      ['model=loans&to=2026-13-45', /^query parameter to: expected an ISO-8601 time or Unix milliseconds/],
      ['model=loans&project=', /^query parameter project: /],
    ];
    for (const [query, message] of cases) {
      const res = await get<{ error: string; message: string }>(`/api/v1/segments?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body.error, query).toBe('REQUEST_INVALID');
      expect(res.body.message, query).toMatch(message);
    }
  });
});
