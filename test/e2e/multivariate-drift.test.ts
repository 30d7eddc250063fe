import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { postAccepted, postNdjson } from '../helpers/ndjson.js';
import { rng } from '../helpers/random.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';

// Multivariate drift as a user meets it: a collector child process, an uploaded reference in which
// `income` follows `age` (correlation 0.9), then windows whose marginals stay exactly those of the
// reference while, from window 3 on, income runs against age (correlation −0.9). Every univariate
// test stays quiet; the data-reconstruction row (`source: multivariate`) fires, and so does an
// alert rule on it.

const WINDOW = 60_000;
const T0 = recentStart(WINDOW);
const FLIP = 3;
const MODEL = 'mv-model';

function row(r: ReturnType<typeof rng>, rho: number) {
  const a = r.normal();
  const b = rho * a + Math.sqrt(1 - rho * rho) * r.normal();
  return { features: { age: 40 + 10 * a, income: 3000 + 800 * b, tenure: r.normal(5, 2), plan: r.pick([['free', 0.6], ['pro', 0.4]]) } };
}

const RULES = (hook: string) => `
receivers:
  - name: hook
    webhook: { url: "${hook}/hook" }
rules:
  - alert: MultivariateDrift
    when: { source: drift, metric: drifted, match: { source: multivariate }, op: "==", threshold: 1 }
    annotations: { summary: 'reconstruction error {{ $value }}' }
    notify: [hook]
  - alert: FeatureDrift
    when: { source: drift, metric: drifted, match: { source: feature }, op: "==", threshold: 1 }
    notify: [hook]
`;

interface Row { windowStart: string; source: string; feature: string; method: string; statistic: number; threshold: number; drifted: boolean; status: string; metrics: any }

describe('multivariate drift (PCA data reconstruction) in the drift job', () => {
  let collector: CollectorProcess | undefined;
  let hook: HttpReceiver | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await collector?.stop();
    await hook?.close();
    if (dir) removeDir(dir);
  });

  it('fires when how features move together changes, while every univariate test stays quiet', async () => {
    hook = await startHttpReceiver();
    dir = tempDataDir();
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES(hook.url));
    collector = await startCollector({
      dataDir: join(dir, 'data'),
      env: {
        INFERLENS_DRIFT_WINDOW_SECONDS: '60', INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1', INFERLENS_DRIFT_INTERVAL_MS: '600000',
        INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS, INFERLENS_ALERTS_RULES_FILE: rulesFile,
      },
    });
    const base = collector.url;
    const ref = rng(1);
    const up = await postNdjson(`${base}/v1/references?model=${MODEL}&version=v1`, Array.from({ length: 3000 }, () => row(ref, 0.9)));
    expect(up.status).toBe(200);
    for (let w = 0; w < 6; w++) {
      const r = rng(100 + w);
      await postAccepted(`${base}/v1/predictions`, Array.from({ length: 800 }, (_, i) => ({
        predictionId: `w${w}-${i}`, model: MODEL, version: 'v1', timestamp: T0 + w * WINDOW + i * 70, ...row(r, w >= FLIP ? -0.9 : 0.9),
      })));
    }
    await postAccepted(`${base}/v1/predictions`, [{ predictionId: 'pusher', model: MODEL, version: 'v1', timestamp: T0 + 8 * WINDOW, features: {} }]);
    expect((await fetch(`${base}/api/v1/jobs/drift/run`, { method: 'POST' })).status).toBe(200);

    const all = ((await (await fetch(`${base}/api/v1/drift?model=${MODEL}&version=v1`)).json()) as { results: Row[] }).results;
    const mv = ((await (await fetch(`${base}/api/v1/drift?model=${MODEL}&version=v1&source=multivariate`)).json()) as { results: Row[] }).results;
    expect(mv.map((r) => r.windowStart)).toEqual([0, 1, 2, 3, 4, 5].map((w) => new Date(T0 + w * WINDOW).toISOString()));
    for (const [w, r] of mv.entries()) {
      expect(r).toMatchObject({ source: 'multivariate', feature: '*', method: 'pca-reconstruction', status: 'ok', drifted: w >= FLIP });
      expect(r.metrics.features).toEqual(['age', 'income', 'tenure', 'plan']);
      expect(r.threshold).toBe(r.metrics.upper);
      if (w >= FLIP) expect(r.statistic).toBeGreaterThan(r.metrics.upper);
      else expect(r.statistic).toBeLessThan(r.metrics.upper);
    }
    // Marginals unchanged: no feature drifts in any window.
    expect(all.filter((r) => r.source === 'feature' && r.drifted)).toEqual([]);
    expect(all.filter((r) => r.source === 'feature').length).toBe(6 * 4);

    const fired = await hook.waitFor('/hook', (b) => b.status === 'firing' && b.alerts.some((a: any) => a.labels.alertname === 'MultivariateDrift'));
    expect(fired.body.alerts[0].labels).toMatchObject({ alertname: 'MultivariateDrift', model: MODEL, version: 'v1', source: 'multivariate', feature: '*', method: 'pca-reconstruction' });
    expect(hook.requests.some((q) => q.body.alerts?.some((a: any) => a.labels.alertname === 'FeatureDrift'))).toBe(false);
  });
});
