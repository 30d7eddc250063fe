import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { postAccepted } from '../helpers/ndjson.js';
import { NO_IDLE_CLOSE_SECONDS } from '../helpers/clock.js';
import { firstBatch, fixtureFeedback, fixturePredictions, loadQualityFixture, type Traffic } from '../helpers/quality-fixture.js';

// A binary classifier in two versions (v1 healthy, v2 worse from window 1 on) and a regressor,
// with feedback that arrives in two batches after the windows closed (fixtures/quality, made with
// numpy/scipy). The quality job must compute every metric as numpy does, and recompute exactly the
// windows whose feedback arrived late.

interface ClassM { precision: number; recall: number; f1: number; support: number }
interface Expected {
  model: string;
  version: string;
  window: number;
  predictions: number;
  labelled: number;
  labelCoverage: number;
  labelDelaySeconds: { p50: number; p90: number; max: number };
  accuracy?: number;
  classes?: Record<string, ClassM>;
  macro?: { precision: number; recall: number; f1: number };
  rocAuc?: number;
  logLoss?: number;
  mae?: number;
  rmse?: number;
  mape?: number;
}
interface QualityResult {
  model: string;
  version: string;
  windowStart: string;
  computedAt: string;
  predictions: number;
  labelled: number;
  labelCoverage: number;
  labelDelaySeconds: { p50: number | null; p90: number | null; max: number | null };
  classification: { rows: number; accuracy: number | null; macro: { precision: number; recall: number; f1: number }; classes: Record<string, ClassM>; scoredRows: number; rocAuc: number | null; logLoss: number | null };
  regression: { rows: number; mae: number | null; rmse: number | null; mape: number | null };
}

const F = loadQualityFixture<Expected>();
const T0 = F.t0;
const W = F.windowMs;
// v1 reports its label as a number, v2 as text: both read as the class "0"/"1".
const predictions = () => fixturePredictions(F, (t, positive) => (t.version === 'v1' ? Number(positive) : positive ? '1' : '0'), { latencyMs: 5 });
const feedback = (pick: (t: Traffic, i: number) => boolean) => fixtureFeedback(F, pick);

async function run(base: string): Promise<number> {
  const r = await fetch(`${base}/api/v1/jobs/quality/run`, { method: 'POST' });
  expect(r.status, r.status === 200 ? '' : await r.text()).toBe(200);
  return ((await r.json()) as { windowsClosed: number }).windowsClosed;
}

async function results(base: string, model: string): Promise<QualityResult[]> {
  const r = await fetch(`${base}/api/v1/quality?model=${model}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { results: QualityResult[] }).results;
}

const close = (actual: number | null | undefined, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
};
const find = (all: QualityResult[], version: string, w: number) => all.find((r) => r.version === version && r.windowStart === new Date(T0 + w * W).toISOString())!;

describe('quality job', () => {
  let collector: CollectorProcess | undefined;
  let dataDir: string;
  afterAll(async () => {
    await collector?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('computes numpy-exact metrics and recomputes the windows whose feedback arrived late', async () => {
    dataDir = tempDataDir();
    collector = await startCollector({
      dataDir,
      env: { INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '30', INFERLENS_QUALITY_INTERVAL_MS: '600000', INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS },
    });
    const base = collector.url;
    await postAccepted(`${base}/v1/predictions`, predictions());
    await postAccepted(`${base}/v1/feedback`, feedback(firstBatch));

    // 3 + 3 classifier windows and 2 regressor windows close; window 2 has no feedback yet.
    expect(await run(base)).toBe(8);
    expect(await run(base)).toBe(0);
    const before = await results(base, 'clf');
    expect(before).toHaveLength(6);
    const v1w2 = find(before, 'v1', 2);
    expect([v1w2.labelled, v1w2.labelCoverage, v1w2.classification.accuracy, v1w2.labelDelaySeconds.p50]).toEqual([0, 0, null, null]);
    const partial = F.traffic.find((t) => t.model === 'clf' && t.version === 'v1' && t.window === 1)!;
    const partialCount = [...partial.hasFeedback].filter((h, i) => h === '1' && i % 2 === 0).length;
    expect(find(before, 'v1', 1).labelled).toBe(partialCount);

    // The rest of the feedback, hours late: windows 1 and 2 of both classifier versions and
    // window 1 of the regressor are recomputed; windows complete before are left alone.
    await postAccepted(`${base}/v1/feedback`, feedback((t, i) => !firstBatch(t, i)));
    expect(await run(base)).toBe(5);
    expect(await run(base)).toBe(0);

    const clf = await results(base, 'clf');
    const reg = await results(base, 'reg');
    expect(find(clf, 'v1', 0).computedAt).toBe(find(before, 'v1', 0).computedAt);
    expect(find(clf, 'v1', 1).computedAt).not.toBe(find(before, 'v1', 1).computedAt);
    for (const e of F.expected) {
      const r = find(e.model === 'clf' ? clf : reg, e.version, e.window);
      expect(r, `${e.model} ${e.version} ${e.window}`).toBeDefined();
      expect([r.predictions, r.labelled]).toEqual([e.predictions, e.labelled]);
      close(r.labelCoverage, e.labelCoverage);
      close(r.labelDelaySeconds.p50, e.labelDelaySeconds.p50);
      close(r.labelDelaySeconds.p90, e.labelDelaySeconds.p90);
      close(r.labelDelaySeconds.max, e.labelDelaySeconds.max);
      if (e.model === 'clf') {
        close(r.classification.accuracy, e.accuracy!);
        for (const k of ['precision', 'recall', 'f1'] as const) close(r.classification.macro[k], e.macro![k]);
        for (const [c, m] of Object.entries(e.classes!)) {
          for (const k of ['precision', 'recall', 'f1', 'support'] as const) close(r.classification.classes[c]![k], m[k]);
        }
        close(r.classification.rocAuc, e.rocAuc!);
        close(r.classification.logLoss, e.logLoss!);
        expect(r.regression.rows).toBe(0);
      } else {
        close(r.regression.mae, e.mae!);
        close(r.regression.rmse, e.rmse!);
        close(r.regression.mape, e.mape!);
        expect(r.classification.rows).toBe(0);
      }
    }
    // The drop the fixture carries: v2's AUC falls from window 1 on, v1's does not.
    expect(clf.filter((r) => r.version === 'v1').every((r) => r.classification.rocAuc! > 0.95)).toBe(true);
    expect([1, 2].every((w) => find(clf, 'v2', w).classification.rocAuc! < 0.8)).toBe(true);
    expect(await results(base, 'clf').then((all) => all.length)).toBe(6);
    expect((await fetch(`${base}/api/v1/quality?model=clf&version=v2&from=${T0 + W}`).then((r) => r.json()) as { results: unknown[] }).results).toHaveLength(2);
  });
});
