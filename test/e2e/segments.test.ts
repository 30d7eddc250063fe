import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';
import { postAccepted } from '../helpers/ndjson.js';
import { rng } from '../helpers/random.js';

// Drift, data quality and quality per segment in a collector child process, beside the whole
// window's results: a model with three segments of which one drifts, a model segmented by a
// categorical feature with more values than `segments.maxValues` (the rest folded into
// `other`), and a classifier whose quality per segment is compared with numpy's over that
// segment's rows (fixtures/segments, made by make-fixtures.py).

const WINDOW = 60_000;
const T0 = recentStart(WINDOW);
const MAX_VALUES = 3;
const CONFIG = `segments:
  maxValues: ${MAX_VALUES}
  models:
    - model: seg-country
      feature: country
`;
const ENV = {
  INFERLENS_DRIFT_WINDOW_SECONDS: '60',
  INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '30',
  INFERLENS_DRIFT_INTERVAL_MS: '600000',
  INFERLENS_QUALITY_INTERVAL_MS: '600000',
  INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS,
};

interface DriftRow { segment: string; windowStart: string; source: string; feature: string; drifted: boolean; statistic: number; currentRows: number; referenceRows: number }
interface DataQualityRow { segment: string; windowStart: string; feature: string; metric: string; value: number; count: number }

/** `n` category values in exact shares (`[value, count]`), shuffled by `r`. */
function exact(r: ReturnType<typeof rng>, counts: Array<[string, number]>): string[] {
  const out = counts.flatMap(([v, n]) => Array<string>(n).fill(v));
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(r.uniform() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function get<T>(base: string, path: string): Promise<T[]> {
  const r = await fetch(`${base}${path}`);
  expect(r.status, path).toBe(200);
  return ((await r.json()) as { results: T[] }).results;
}

/** Runs a job until `done` holds for what `read` answers (a deadline, no fixed sleep). */
async function runUntil<T>(base: string, job: 'drift' | 'quality', read: () => Promise<T>, done: (t: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await fetch(`${base}/api/v1/jobs/${job}/run`, { method: 'POST' });
    expect(r.status, await r.clone().text()).toBe(200);
    const got = await read();
    if (done(got)) return got;
    if (Date.now() > deadline) throw new Error(`${job}: not done after 60 s: ${JSON.stringify(got).slice(0, 500)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

const at = (w: number) => new Date(T0 + w * WINDOW).toISOString();

describe('segments', () => {
  let collector: CollectorProcess;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDataDir();
    const configFile = join(dataDir, 'collector.yaml');
    writeFileSync(configFile, CONFIG);
    collector = await startCollector({ dataDir, env: ENV, args: ['--config', configFile] });
  });
  afterAll(async () => {
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('flags the one segment that drifts, where the whole window does not', async () => {
    const base = collector.url;
    const MODEL = 'seg-drift';
    // The reference: `plan` exactly 70% free, `a` and `b` normal.
    const ref = rng(11);
    const plans = exact(ref, [['free', 1400], ['pro', 600]]);
    const reference = plans.map((plan) => ({ features: { a: ref.normal(0, 1), b: ref.normal(5, 2), plan } }));
    await postAccepted(`${base}/v1/references?model=${MODEL}&version=v1`, reference);

    // Two windows of three segments; in window 1, apac's plan drops to 30% free. Over the whole
    // window that moves free from 70% to 61.4% (Jensen–Shannon distance 0.064, under the 0.1
    // threshold); within apac from 70% to 30% (0.287). Segments of a few thousand rows keep the normalised
    // Wasserstein distance of the undrifted columns well under 0.1 (about 0.1 at 300 rows).
    const sizes: Array<[string, number]> = [['eu', 3000], ['us', 2500], ['apac', 1500]];
    const perWindow = sizes.reduce((a, [, n]) => a + n, 0);
    const predictions: unknown[] = [];
    for (const w of [0, 1]) {
      const r = rng(100 + w);
      let i = 0;
      for (const [segment, n] of sizes) {
        const flipped = w === 1 && segment === 'apac';
        const segmentPlans = exact(r, flipped ? [['free', (3 * n) / 10], ['pro', (7 * n) / 10]] : [['free', (7 * n) / 10], ['pro', (3 * n) / 10]]);
        for (const plan of segmentPlans) {
          predictions.push({ predictionId: `${MODEL}-${w}-${i}`, model: MODEL, version: 'v1', segment, timestamp: T0 + w * WINDOW + Math.floor((i * WINDOW) / perWindow), features: { a: r.normal(0, 1), b: r.normal(5, 2), plan } });
          i++;
        }
      }
    }
    // Far ahead, without a segment: closes windows 0 and 1.
    predictions.push({ predictionId: `${MODEL}-pusher`, model: MODEL, version: 'v1', timestamp: T0 + 5 * WINDOW, features: { a: 0 } });
    await postAccepted(`${base}/v1/predictions`, predictions);

    const all = await runUntil(base, 'drift', () => get<DriftRow>(base, `/api/v1/drift?model=${MODEL}&segment=*`), (rows) => new Set(rows.map((r) => r.windowStart)).size >= 2);
    const key = (r: DriftRow) => `${r.segment}/${r.source}:${r.feature}`;
    const drifted = (w: number) => all.filter((r) => r.windowStart === at(w) && r.drifted && r.source !== 'dataset').map(key).sort();
    expect(drifted(0)).toEqual([]);
    expect(drifted(1)).toEqual(['apac/feature:plan']);
    const plan = (segment: string, w: number) => all.find((r) => r.segment === segment && r.windowStart === at(w) && r.feature === 'plan')!;
    // scipy.spatial.distance.jensenshannon([0.7, 0.3], [4300 / 7000, 2700 / 7000]) (natural log), and [0.3, 0.7] for apac.
    expect(plan('', 1).statistic).toBeCloseTo(0.0639070, 6);
    expect(plan('apac', 1).statistic).toBeCloseTo(0.2868499, 6);
    expect(new Set(all.map((r) => r.segment))).toEqual(new Set(['', 'eu', 'us', 'apac']));
    // Each segment is compared column by column (multivariate drift stays with the whole window).
    for (const [segment, n] of sizes) {
      const rows = all.filter((r) => r.segment === segment && r.windowStart === at(1));
      expect(rows.map((r) => `${r.source}:${r.feature}`).sort()).toEqual(['dataset:*', 'feature:a', 'feature:b', 'feature:plan']);
      for (const r of rows.filter((x) => x.source === 'feature')) expect(r.currentRows).toBe(n);
    }
    expect(all.filter((r) => r.segment === '' && r.windowStart === at(1) && r.source === 'feature').map((r) => r.currentRows)).toEqual([perWindow, perWindow, perWindow]);

    // Without `segment`, the whole windows' rows only, as before segments; `segment=` one segment.
    const overall = await get<DriftRow>(base, `/api/v1/drift?model=${MODEL}`);
    expect(overall).toEqual(all.filter((r) => r.segment === ''));
    expect(await get<DriftRow>(base, `/api/v1/drift?model=${MODEL}&segment=apac&drifted=true`)).toMatchObject([{ segment: 'apac', windowStart: at(1), feature: 'plan' }]);
    expect(await get<DriftRow>(base, `/api/v1/drift?model=${MODEL}&segment=mars`)).toEqual([]);

    // Data quality per segment too: apac's measures count apac's rows.
    const dq = await get<DataQualityRow>(base, `/api/v1/data-quality?model=${MODEL}&segment=apac&feature=a&metric=missing_rate`);
    expect(dq.map((r) => [r.segment, r.windowStart, r.value, r.count])).toEqual([['apac', at(0), 0, 1500], ['apac', at(1), 0, 1500]]);
    expect((await get<DataQualityRow>(base, `/api/v1/data-quality?model=${MODEL}&feature=a&metric=missing_rate`)).map((r) => [r.segment, r.count])).toEqual([['', perWindow], ['', perWindow]]);

    const bad = await fetch(`${base}/api/v1/drift?model=${MODEL}&segment=${'s'.repeat(257)}`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/segment/);
  });

  it('folds the values beyond maxValues into other; a categorical feature as the segment column', async () => {
    const base = collector.url;
    const MODEL = 'seg-country';
    const ref = rng(21);
    const countries: Array<[string, number]> = [['c1', 300], ['c2', 250], ['c3', 200], ['c4', 100], ['c5', 60], ['c6', 40]];
    await postAccepted(`${base}/v1/references?model=${MODEL}&version=v1`, exact(ref, countries).map((country) => ({ features: { x: ref.normal(0, 1), country } })));
    const r = rng(22);
    const predictions: unknown[] = exact(r, countries).map((country, i) => ({ predictionId: `${MODEL}-${i}`, model: MODEL, version: 'v1', timestamp: T0 + i * 50, features: { x: r.normal(0, 1), country } }));
    predictions.push({ predictionId: `${MODEL}-pusher`, model: MODEL, version: 'v1', timestamp: T0 + 5 * WINDOW, features: { x: 0 } });
    await postAccepted(`${base}/v1/predictions`, predictions);

    const all = await runUntil(base, 'drift', () => get<DriftRow>(base, `/api/v1/drift?model=${MODEL}&segment=*`), (rows) => rows.length > 0);
    const x = all.filter((row) => row.feature === 'x').map((row) => [row.segment, row.currentRows, row.referenceRows]);
    // Each segment is compared with the same segment of the reference (its rows grouped as the window's).
    expect(x).toEqual([['', 950, 950], ['c1', 300, 300], ['c2', 250, 250], ['c3', 200, 200], ['other', 200, 200]]);
    // Within a segment the segment column holds one value: it is left out of the segment's comparisons.
    expect(all.filter((row) => row.feature === 'country').map((row) => row.segment)).toEqual(['']);
    expect(await get<DriftRow>(base, `/api/v1/drift?model=${MODEL}&segment=c4`)).toEqual([]);
  });

  it('compares a segment with the same segment of a pinned reference: segments that always differ do not drift', async () => {
    const base = collector.url;
    const MODEL = 'seg-pinned';
    // eu and apac differ from each other (a: mean 0 against 3) in every window, as they did in the
    // pinned one; against the whole reference each would drift, against its own segment neither does.
    const windowRows = (w: number) => {
      const r = rng(300 + w);
      return Array.from({ length: 4000 }, (_, i) => {
        const segment = i % 4 === 0 ? 'apac' : 'eu';
        return { predictionId: `${MODEL}-${w}-${i}`, model: MODEL, version: 'v1', segment, timestamp: T0 + w * WINDOW + Math.floor((i * WINDOW) / 4000), features: { a: r.normal(segment === 'apac' ? 3 : 0, 1) } };
      });
    };
    await postAccepted(`${base}/v1/predictions`, [...windowRows(0), ...windowRows(1), ...windowRows(2)]);
    const pin = await fetch(`${base}/api/v1/references/pin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, version: 'v1', from: T0, to: T0 + WINDOW }) });
    expect(pin.status, await pin.clone().text()).toBe(200);
    await postAccepted(`${base}/v1/predictions`, [{ predictionId: `${MODEL}-pusher`, model: MODEL, version: 'v1', timestamp: T0 + 5 * WINDOW, features: { a: 0 } }]);

    const all = await runUntil(base, 'drift', () => get<DriftRow>(base, `/api/v1/drift?model=${MODEL}&segment=*&feature=a`), (rows) => new Set(rows.map((r) => r.windowStart)).size >= 3);
    for (const w of [1, 2]) {
      const rows = all.filter((r) => r.windowStart === at(w));
      expect(rows.map((r) => [r.segment, r.referenceRows, r.currentRows, r.drifted])).toEqual([['', 4000, 4000, false], ['apac', 1000, 1000, false], ['eu', 3000, 3000, false]]);
    }
  });

  it('measures quality per segment as numpy does over that segment\'s rows, and recomputes the segments with late feedback', async () => {
    const base = collector.url;
    interface Expected { predictions: number; labelled: number; labelCoverage: number; accuracy: number; rocAuc: number; logLoss: number; labelDelaySeconds: { p50: number; p90: number; max: number }; macro: Record<'precision' | 'recall' | 'f1', number> }
    const F = JSON.parse(readFileSync(new URL('../fixtures/segments/segments-traffic.json', import.meta.url), 'utf8')) as {
      rows: number; segment: string[]; truth: string; score: number[]; hasFeedback: string; delaySeconds: number[]; expected: Record<string, Expected>;
    };
    const MODEL = 'seg-clf';
    const time = (i: number) => T0 + Math.floor((i * WINDOW) / F.rows);
    const predictions: unknown[] = F.score.map((score, i) => ({ predictionId: `${MODEL}-${i}`, model: MODEL, version: 'v1', segment: F.segment[i], timestamp: time(i), outputs: { label: score >= 0.5 ? '1' : '0', score } }));
    predictions.push({ predictionId: `${MODEL}-pusher`, model: MODEL, version: 'v1', timestamp: T0 + 5 * WINDOW });
    const feedback = F.score.flatMap((_, i) => (F.hasFeedback[i] === '1' ? [{ predictionId: `${MODEL}-${i}`, model: MODEL, version: 'v1', timestamp: time(i) + Math.round(F.delaySeconds[i]! * 1000), label: F.truth[i] }] : []));
    // Half the feedback before the window closes, the rest after its first computation.
    const early = (f: { predictionId: string }) => Number(f.predictionId.slice(MODEL.length + 1)) % 2 === 0;
    await postAccepted(`${base}/v1/predictions`, predictions);
    await postAccepted(`${base}/v1/feedback`, feedback.filter(early));

    interface QualityRow { segment: string; windowStart: string; predictions: number; labelled: number; labelCoverage: number; labelDelaySeconds: { p50: number; p90: number; max: number }; classification: { accuracy: number; rocAuc: number; logLoss: number; macro: Record<'precision' | 'recall' | 'f1', number> } }
    const read = () => get<QualityRow>(base, `/api/v1/quality?model=${MODEL}&segment=*`);
    const first = await runUntil(base, 'quality', read, (got) => got.filter((q) => q.windowStart === at(0)).length >= 4);
    const labelledEarly = (segment: string) => feedback.filter((f) => early(f) && (segment === '' || F.segment[Number(f.predictionId.slice(MODEL.length + 1))] === segment)).length;
    for (const q of first) expect(q.labelled, q.segment).toBe(labelledEarly(q.segment));
    expect(labelledEarly('apac')).toBeLessThan(F.expected.apac!.labelled);

    await postAccepted(`${base}/v1/feedback`, feedback.filter((f) => !early(f)));
    const rows = await runUntil(base, 'quality', read, (got) => got.filter((q) => q.windowStart === at(0)).every((q) => q.labelled === F.expected[q.segment]!.labelled));
    const w0 = rows.filter((q) => q.windowStart === at(0));
    expect(w0.map((q) => q.segment).sort()).toEqual(['', 'apac', 'eu', 'us']);
    const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
    for (const q of w0) {
      const e = F.expected[q.segment]!;
      expect([q.predictions, q.labelled], q.segment).toEqual([e.predictions, e.labelled]);
      close(q.labelCoverage, e.labelCoverage);
      close(q.classification.accuracy, e.accuracy);
      close(q.classification.rocAuc, e.rocAuc);
      close(q.classification.logLoss, e.logLoss);
      for (const k of ['precision', 'recall', 'f1'] as const) close(q.classification.macro[k], e.macro[k]);
      for (const k of ['p50', 'p90', 'max'] as const) close(q.labelDelaySeconds[k], e.labelDelaySeconds[k]);
    }
    // The segments differ as the fixture built them: apac near chance, eu near perfect.
    expect(w0.find((q) => q.segment === 'apac')!.classification.rocAuc).toBeLessThan(0.6);
    expect(w0.find((q) => q.segment === 'eu')!.classification.rocAuc).toBeGreaterThan(0.99);
    // Without `segment`, the whole window only.
    expect((await get<QualityRow>(base, `/api/v1/quality?model=${MODEL}`)).map((q) => q.segment)).toEqual(['']);
  });
});
