import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { loadConfig } from '../config.js';

// The read endpoints the UI's investigation views use, on the collector built in-process (real
// engine, `app.inject()`), against values known by construction: model activity, a trace's
// predictions with their newest feedback, a prediction's feedback, and a column's reference and
// window distributions.

const MIN = 60_000;
/** Whole minutes, an hour ago. */
const T = Math.floor((Date.now() - 3_600_000) / MIN) * MIN;
const TRACE = '0af7651916cd43dd8448eb211c80319c';

let dataDir: string;
let app: FastifyInstance;

const ndjson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');
async function post(url: string, rows: unknown[]): Promise<void> {
  const res = await app.inject({ method: 'POST', url, payload: ndjson(rows), headers: { 'content-type': 'application/x-ndjson' } });
  expect(res.statusCode, res.body).toBe(200);
  if (!url.startsWith('/v1/references')) expect(res.json()).toMatchObject({ rejected: 0 });
}
const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() as any };
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-investigation-test-'));
  app = await buildApp(loadConfig({ env: { INFERLENS_DATA_DIR: dataDir, INFERLENS_DRIFT_INTERVAL_MS: '3600000' } }), { logger: false });
  await app.ready();
  await post('/v1/predictions', [
    // Two versions of `inv`, three of them in one trace; one prediction in another project.
    { predictionId: 'a1', model: 'inv', version: 'v1', timestamp: T + 1000, traceId: TRACE, spanId: '00f067aa0ba902b7', features: { amount: 10, plan: 'free' } },
    { predictionId: 'a2', model: 'inv', version: 'v1', timestamp: T + 2000, traceId: TRACE, spanId: '00f067aa0ba902b8', features: { amount: 20, plan: 'pro' } },
    { predictionId: 'b1', model: 'inv', version: 'v2', timestamp: T + 5 * MIN, traceId: TRACE, spanId: '00f067aa0ba902b9', features: { amount: 30, plan: 'pro' } },
    { predictionId: 'c1', model: 'inv', version: 'v1', timestamp: T + 10 * MIN, features: { amount: 40, plan: 'pro' } },
    { predictionId: 'x1', project: 'other', model: 'inv', version: 'v1', timestamp: T - 30 * MIN, traceId: TRACE, features: { amount: 1 } },
  ]);
  // Two answers for a1: the one received last wins; none yet for a2.
  await post('/v1/feedback', [{ predictionId: 'a1', model: 'inv', version: 'v1', timestamp: T + MIN, label: 'legit' }]);
  await post('/v1/feedback', [{ predictionId: 'a1', model: 'inv', version: 'v1', timestamp: T + 2 * MIN, label: 'fraud' }, { predictionId: 'b1', value: 0.5 }]);
  // Reference: amount 0..99 (100 rows), plan free ×70 / pro ×30.
  await post('/v1/references?model=inv&version=v1', Array.from({ length: 100 }, (_, i) => ({ features: { amount: i, plan: i < 70 ? 'free' : 'pro' } })));
});

afterAll(async () => {
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('investigation read endpoints', () => {
  it('GET /api/v1/activity: first and last prediction per version and over all of them, per project', async () => {
    const { status, body } = await get('/api/v1/activity?model=inv');
    expect(status).toBe(200);
    expect(body.firstPrediction).toBe(new Date(T + 1000).toISOString());
    expect(body.lastPrediction).toBe(new Date(T + 10 * MIN).toISOString());
    expect(body.versions.map((v: any) => [v.version, v.firstPrediction, v.lastPrediction])).toEqual([
      ['v1', new Date(T + 1000).toISOString(), new Date(T + 10 * MIN).toISOString()],
      ['v2', new Date(T + 5 * MIN).toISOString(), new Date(T + 5 * MIN).toISOString()],
    ]);
    expect(Date.now() - Date.parse(body.versions[0].lastReceived)).toBeLessThan(600_000);
    const other = await get('/api/v1/activity?project=other');
    expect(other.body.versions.map((v: any) => v.version)).toEqual(['v1']);
    expect((await get('/api/v1/activity?project=nobody')).body).toEqual({ firstPrediction: null, lastPrediction: null, versions: [] });
  });

  it("GET /api/v1/traces/:traceId/predictions: the trace's predictions in time order, each with its newest feedback", async () => {
    const { status, body } = await get(`/api/v1/traces/${TRACE.toUpperCase()}/predictions`);
    expect(status).toBe(200);
    expect(body.traceId).toBe(TRACE);
    expect(body.predictions.map((p: any) => p.predictionId)).toEqual(['a1', 'a2', 'b1']);
    expect(body.predictions[0].feedback).toMatchObject({ predictionId: 'a1', label: 'fraud', value: null, timestamp: new Date(T + 2 * MIN).toISOString() });
    expect(body.predictions[1].feedback).toBeNull();
    expect(body.predictions[2].feedback).toMatchObject({ label: null, value: 0.5 });
    expect((await get(`/api/v1/traces/${TRACE}/predictions?project=other`)).body.predictions.map((p: any) => p.predictionId)).toEqual(['x1']);
    expect((await get('/api/v1/traces/not-a-trace/predictions')).status).toBe(400);
  });

  it("GET /api/v1/feedback: a prediction's newest feedback, or nothing yet", async () => {
    const a1 = await get('/api/v1/feedback?predictionId=a1');
    expect(a1.body.feedback).toHaveLength(1);
    expect(a1.body.feedback[0]).toMatchObject({ predictionId: 'a1', model: 'inv', version: 'v1', label: 'fraud' });
    expect((await get('/api/v1/feedback?predictionId=a2')).body).toEqual({ feedback: [] });
    expect((await get('/api/v1/feedback')).status).toBe(400);
  });

  it('GET /api/v1/distributions: reference and window side by side, counts exact; 404 without a reference, 400 for a reversed range', async () => {
    const range = `from=${T}&to=${T + 15 * MIN}`;
    const num = await get(`/api/v1/distributions?model=inv&version=v1&feature=amount&${range}&bins=10`);
    expect(num.status).toBe(200);
    const d = num.body.distribution;
    expect(d.kind).toBe('numeric');
    expect(d.edges).toHaveLength(11);
    expect(d.reference.counts.reduce((a: number, b: number) => a + b, 0)).toBe(100);
    expect(d.current.counts.reduce((a: number, b: number) => a + b, 0)).toBe(3);
    expect(d.reference).toMatchObject({ count: 100, min: 0, max: 99 });
    expect(d.reference.mean).toBeCloseTo(49.5, 9);
    expect(d.current).toMatchObject({ count: 3, min: 10, max: 40 });
    expect(d.current.mean).toBeCloseTo(70 / 3, 9);
    expect(num.body.reference).toEqual({ rows: 100, missing: 0, segment: false });
    expect(num.body.current).toMatchObject({ rows: 3, missing: 0, from: new Date(T).toISOString(), to: new Date(T + 15 * MIN).toISOString() });

    const cat = await get(`/api/v1/distributions?model=inv&version=v1&feature=plan&${range}`);
    expect(cat.body.distribution).toEqual({
      kind: 'categorical',
      categories: ['free', 'pro'],
      reference: { count: 100, counts: [70, 30], otherCount: 0 },
      current: { count: 3, counts: [1, 2], otherCount: 0 },
    });

    expect((await get(`/api/v1/distributions?model=inv&version=v2&feature=amount&${range}`)).status).toBe(404);
    expect((await get(`/api/v1/distributions?model=inv&version=v1&feature=amount&from=${T + MIN}&to=${T}`)).status).toBe(400);
  });
});
