import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { postAccepted, postNdjson } from '../helpers/ndjson.js';
import { rng } from '../helpers/random.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';

// Embedding drift as a user meets it: a collector child process, predictions whose records carry
// a 24-dimensional `embedding` through the native endpoint, the first two windows pinned as the
// reference, then windows whose embeddings move along one direction from window 4 on (the
// scalar feature beside them does not change). The `source: embedding` row drifts exactly from
// then; its centroid distances equal those of the vectors sent (as 32-bit floats). Version v2
// serves windows 2–7 again with the first two windows' vectors uploaded as its reference data set
// (NDJSON rows with an `embedding`): the same distances and decisions.

const WINDOW = 60_000;
const T0 = recentStart(WINDOW);
const SHIFT = 4;
const MODEL = 'emb-model';
const DIM = 24;

interface Row { windowStart: string; source: string; feature: string; method: string; statistic: number; pValue: number | null; threshold: number; drifted: boolean; status: string; referenceRows: number; currentRows: number; metrics: any }

describe('embedding drift in the drift job', () => {
  let collector: CollectorProcess | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await collector?.stop();
    if (dir) removeDir(dir);
  });

  it('flags the windows whose embeddings moved; centroid distances as computed from the records', async () => {
    dir = tempDataDir();
    collector = await startCollector({
      dataDir: dir,
      env: { INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1', INFERLENS_DRIFT_INTERVAL_MS: '600000', INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS },
    });
    const base = collector.url;
    const center = Array.from({ length: DIM }, (_, i) => Math.sin(i));
    const sent = new Map<number, number[][]>();
    // Seeded data; the permutations are seeded by the window start (relative to now), so the data's
    // p-values must be far from the level: 0.52 and 0.55 for the unshifted windows 2 and 3, 0 for the shifted.
    for (let w = 0; w < 8; w++) {
      const r = rng(500 + w);
      const vectors = Array.from({ length: 150 }, () => center.map((c, i) => c + r.normal(0, 1) + (w >= SHIFT && i < 3 ? 0.6 : 0)));
      sent.set(w, vectors.map((v) => v.map(Math.fround)));
      await postAccepted(`${base}/v1/predictions`, vectors.map((embedding, i) => ({
        predictionId: `w${w}-${i}`, model: MODEL, version: 'v1', timestamp: T0 + w * WINDOW + i * 300, features: { x: r.normal(0, 1) }, embedding,
      })));
    }
    await postAccepted(`${base}/v1/predictions`, [{ predictionId: 'pusher', model: MODEL, version: 'v1', timestamp: T0 + 10 * WINDOW, features: { x: 0 } }]);
    // A bad embedding is refused by name and position.
    const bad = await postNdjson(`${base}/v1/predictions`, [{ predictionId: 'bad', model: MODEL, embedding: [1, 'two'] }]);
    expect(await bad.json()).toMatchObject({ accepted: 0, rejected: 1, errors: ['record 0: embedding[1]: expected a finite number, got "two"'] });

    const pin = await fetch(`${base}/api/v1/references/pin`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, version: 'v1', from: String(T0), to: String(T0 + 2 * WINDOW) }),
    });
    expect(pin.status, await pin.clone().text()).toBe(200);
    expect((await fetch(`${base}/api/v1/jobs/drift/run`, { method: 'POST' })).status).toBe(200);

    const rows = ((await (await fetch(`${base}/api/v1/drift?model=${MODEL}&version=v1&source=embedding`)).json()) as { results: Row[] }).results;
    expect(rows.map((r) => r.windowStart)).toEqual([0, 1, 2, 3, 4, 5, 6, 7].map((w) => new Date(T0 + w * WINDOW).toISOString()));
    const reference = [...sent.get(0)!, ...sent.get(1)!];
    const mean = (vs: number[][]) => vs[0]!.map((_, i) => vs.reduce((a, v) => a + v[i]!, 0) / vs.length);
    const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const centroidDistances = (a: number[], b: number[]) => ({
      euclidean: Math.sqrt(a.reduce((s, x, i) => s + (x - b[i]!) ** 2, 0)),
      cosine: 1 - dot(a, b) / Math.sqrt(dot(a, a) * dot(b, b)),
    });
    for (const [w, r] of rows.entries()) {
      expect(r, `window ${w}`).toMatchObject({ source: 'embedding', feature: 'embedding', method: 'mmd', status: 'ok', threshold: 0.05, referenceRows: 300, currentRows: 150 });
      expect(r.metrics).toMatchObject({ dimension: DIM, referenceSample: 200, currentSample: 150, permutations: 100 });
      const want = centroidDistances(mean(reference), mean(sent.get(w)!));
      expect(Math.abs(r.metrics.euclidean - want.euclidean)).toBeLessThan(1e-9 * Math.max(1, want.euclidean));
      expect(Math.abs(r.metrics.cosine - want.cosine)).toBeLessThan(1e-9);
      // The reference windows themselves (0, 1) and the unshifted ones stay; the shifted ones drift.
      expect(r.drifted, `window ${w}: p ${r.pValue}`).toBe(w >= SHIFT);
      if (w >= 2 && w < SHIFT) expect(r.pValue).toBeGreaterThan(0.25);
    }
    // eslint-disable-next-line no-console -- the margins of the decisions
    console.log(`p-values by window: ${rows.map((r) => r.pValue).join(", ")}; centroid distances: ${rows.map((r) => (r.metrics.euclidean as number).toFixed(3)).join(", ")}`);
    const distance = (w: number) => rows[w]!.metrics.euclidean as number;
    expect(Math.min(...[4, 5, 6, 7].map(distance))).toBeGreaterThan(Math.max(...[0, 1, 2, 3].map(distance)));
    // v2: the reference uploaded as a data set, the same production windows.
    const upload = await fetch(`${base}/v1/references?model=${MODEL}&version=v2`, {
      method: 'POST', headers: { 'content-type': 'application/x-ndjson' },
      body: reference.map((embedding, i) => JSON.stringify({ features: { x: i % 7 }, embedding })).join('\n'),
    });
    expect(upload.status, await upload.clone().text()).toBe(200);
    expect(await upload.json()).toMatchObject({ rows: 300, embeddingRows: 300 });
    for (let w = 2; w < 8; w++) {
      await postAccepted(`${base}/v1/predictions`, sent.get(w)!.map((embedding, i) => ({ predictionId: `v2-w${w}-${i}`, model: MODEL, version: 'v2', timestamp: T0 + w * WINDOW + i * 300, features: { x: 0 }, embedding })));
    }
    await postAccepted(`${base}/v1/predictions`, [{ predictionId: 'v2-pusher', model: MODEL, version: 'v2', timestamp: T0 + 10 * WINDOW, features: { x: 0 } }]);
    expect((await fetch(`${base}/api/v1/jobs/drift/run`, { method: 'POST' })).status).toBe(200);
    const v2 = ((await (await fetch(`${base}/api/v1/drift?model=${MODEL}&version=v2&source=embedding`)).json()) as { results: Row[] }).results;
    expect(v2.map((r) => r.windowStart)).toEqual([2, 3, 4, 5, 6, 7].map((w) => new Date(T0 + w * WINDOW).toISOString()));
    for (const r of v2) {
      const v1 = rows.find((x) => x.windowStart === r.windowStart)!;
      expect(r).toMatchObject({ status: 'ok', referenceRows: 300, currentRows: 150, drifted: v1.drifted });
      expect(Math.abs(r.metrics.euclidean - v1.metrics.euclidean)).toBeLessThan(1e-9);
      expect(Math.abs(r.metrics.cosine - v1.metrics.cosine)).toBeLessThan(1e-9);
    }
    // eslint-disable-next-line no-console -- the margins of the decisions
    console.log(`v2 (uploaded reference) p-values: ${v2.map((r) => r.pValue).join(', ')}`);
    // An embedding that is not an array of numbers is refused with its row and position.
    const badUpload = await fetch(`${base}/v1/references?model=${MODEL}&version=v3`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: '{"features":{"x":1},"embedding":[1,"two"]}' });
    expect(badUpload.status).toBe(400);
    expect(await badUpload.text()).toContain('line 1: embedding[1]: expected a finite number');

    // The scalar feature did not change.
    const features = ((await (await fetch(`${base}/api/v1/drift?model=${MODEL}&version=v1&source=feature`)).json()) as { results: Row[] }).results;
    expect(features.filter((r) => r.drifted).map((r) => r.windowStart)).toEqual([]);
  });
});
