import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { postAccepted } from '../helpers/ndjson.js';
import { firstBatch, fixtureFeedback, fixturePredictions, loadQualityFixture, type Traffic } from '../helpers/quality-fixture.js';
import { NO_IDLE_CLOSE_SECONDS } from '../helpers/clock.js';

// Quality alert rules as a user meets them: a collector child process runs the real quality job
// on fixtures/quality (clf v2 degrades from window 1 on; the regressor's window 1 is worse) with
// feedback arriving in two late batches, and a local webhook receives the notifications.
// - the first computation of a degraded window fires (clf v2, ROC AUC);
// - a window without feedback yet (null metrics) neither fires nor resolves anything;
// - a recomputation after late feedback re-evaluates: it updates a firing alert's value and fires
//   an alert the partial feedback did not (the regressor's MAE);
// - a later healthy window resolves.

const F = loadQualityFixture<{ model: string; version: string; window: number; rocAuc?: number; mae?: number }>();
const T0 = F.t0;
const W = F.windowMs;
const expected = (model: string, version: string, window: number) => F.expected.find((e) => e.model === model && e.version === version && e.window === window)!;
const predictions = () => fixturePredictions(F, (_t, positive) => (positive ? '1' : '0'));
const feedback = (pick: (t: Traffic, i: number) => boolean) => fixtureFeedback(F, pick);

interface ApiAlert { rule: string; state: string; value: number; labels: Record<string, string>; annotations: Record<string, string> }
interface ApiEvent { rule: string; from: string; to: string; value: number; labels: Record<string, string> }

const RULES = (hook: string) => `
receivers:
  - name: hook
    webhook: { url: "${hook}/hook" }
    group_by: [alertname, model, version]
rules:
  - alert: QualityAucLow
    when: { source: quality, metric: roc_auc, match: { model: clf }, op: "<", threshold: 0.9 }
    labels: { severity: warning }
    annotations: { summary: 'ROC AUC of {{ $labels.model }} {{ $labels.version }} fell to {{ $value | printf "%.3f" }}' }
    notify: [hook]
  - alert: RegressionMaeHigh
    when: { source: quality, metric: mae, op: ">", threshold: 11.4 }
    annotations: { summary: 'MAE of {{ $labels.model }} is {{ $value | printf "%.2f" }}' }
    notify: [hook]
`;

describe('quality alerts end to end', () => {
  let collector: CollectorProcess | undefined;
  let hook: HttpReceiver | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await collector?.stop();
    await hook?.close();
    if (dir) removeDir(dir);
  });

  it('fires on a degraded window, ignores windows without feedback, re-evaluates recomputations, resolves', async () => {
    hook = await startHttpReceiver();
    dir = tempDataDir();
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, RULES(hook.url));
    collector = await startCollector({
      dataDir: join(dir, 'data'),
      env: {
        INFERLENS_DRIFT_WINDOW_SECONDS: '60',
        INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1',
        INFERLENS_DRIFT_INTERVAL_MS: '600000',
        INFERLENS_SLA_INTERVAL_MS: '600000',
        INFERLENS_QUALITY_INTERVAL_MS: '600000',
        INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS,
        INFERLENS_ALERTS_RULES_FILE: rulesFile,
        INFERLENS_ALERTS_EXTERNAL_URL: 'http://inferlens.test:4318',
      },
    });
    const base = collector.url;
    const run = async () => {
      const r = await fetch(`${base}/api/v1/jobs/quality/run`, { method: 'POST' });
      expect(r.status).toBe(200);
      return ((await r.json()) as { windowsClosed: number }).windowsClosed;
    };
    // Evaluations run one at a time in the order the job asked for them, and a reload queues
    // behind them: once it answers, every window the job wrote has been evaluated.
    const settled = async () => expect((await fetch(`${base}/api/v1/rules/reload`, { method: 'POST' })).status).toBe(200);
    const active = async () => ((await (await fetch(`${base}/api/v1/alerts`)).json()) as { alerts: ApiAlert[] }).alerts;
    const history = async (rule: string) => ((await (await fetch(`${base}/api/v1/alerts/history?rule=${rule}`)).json()) as { events: ApiEvent[] }).events;
    const quality = async (model: string, version: string) =>
      ((await (await fetch(`${base}/api/v1/quality?model=${model}&version=${version}`)).json()) as { results: Array<{ windowStart: string; labelled: number; classification: { rocAuc: number | null }; regression: { mae: number | null } }> }).results;

    await postAccepted(`${base}/v1/predictions`, predictions());
    await postAccepted(`${base}/v1/feedback`, feedback(firstBatch));
    expect(await run()).toBe(8);

    // clf v2: window 0 is healthy, window 1 (half its feedback) degraded: it fires at once; window 2
    // has no feedback yet (ROC AUC null) and leaves it firing. v1 stays healthy: nothing.
    const v2 = await quality('clf', 'v2');
    const w1Auc = v2.find((r) => r.windowStart === new Date(T0 + W).toISOString())!.classification.rocAuc!;
    const w2 = v2.find((r) => r.windowStart === new Date(T0 + 2 * W).toISOString())!;
    expect(w1Auc).toBeLessThan(0.9);
    expect([w2.labelled, w2.classification.rocAuc]).toEqual([0, null]);
    const fired = await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'QualityAucLow' && b.status === 'firing');
    const labels = { alertname: 'QualityAucLow', project: 'default', model: 'clf', version: 'v2', severity: 'warning' };
    expect(fired.body).toMatchObject({
      version: '4',
      receiver: 'hook',
      status: 'firing',
      groupLabels: { alertname: 'QualityAucLow', model: 'clf', version: 'v2' },
      externalURL: 'http://inferlens.test:4318',
      alerts: [{ status: 'firing', labels, annotations: { summary: `ROC AUC of clf v2 fell to ${w1Auc.toFixed(3)}` }, generatorURL: 'http://inferlens.test:4318/api/v1/alerts/history?rule=QualityAucLow' }],
    });
    await settled();
    expect((await history('QualityAucLow')).map((e) => `${e.labels.version}:${e.from}->${e.to}`)).toEqual(['v2:inactive->firing']);
    const afterFirst = (await active()).filter((a) => a.rule === 'QualityAucLow');
    expect(afterFirst).toMatchObject([{ state: 'firing', labels }]);
    expect(afterFirst[0]!.value).toBeCloseTo(w1Auc, 12);
    // The regressor's window 1 with half its feedback: MAE below the rule's threshold.
    expect((await active()).filter((a) => a.rule === 'RegressionMaeHigh')).toEqual([]);

    // The rest of the feedback, late: windows 1 and 2 are recomputed and re-evaluated.
    await postAccepted(`${base}/v1/feedback`, feedback((t, i) => !firstBatch(t, i)));
    expect(await run()).toBe(5);
    await settled();
    const mae = (await active()).find((a) => a.rule === 'RegressionMaeHigh')!;
    expect(mae.state).toBe('firing');
    expect(mae.labels).toEqual({ alertname: 'RegressionMaeHigh', project: 'default', model: 'reg', version: 'v1' });
    expect(mae.value).toBeCloseTo(expected('reg', 'v1', 1).mae!, 9);
    const maeHook = await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'RegressionMaeHigh' && b.status === 'firing');
    expect(maeHook.body.alerts[0].annotations).toEqual({ summary: `MAE of reg is ${expected('reg', 'v1', 1).mae!.toFixed(2)}` });
    // clf v2 keeps firing; its value is now the newest recomputed window's (window 2, full feedback).
    const auc = (await active()).find((x) => x.rule === 'QualityAucLow')!;
    expect(auc.state).toBe('firing');
    expect(auc.value).toBeCloseTo(expected('clf', 'v2', 2).rocAuc!, 9);
    expect((await history('QualityAucLow')).map((e) => `${e.from}->${e.to}`)).toEqual(['inactive->firing']);

    // A healthy window 11 for v2 with its feedback (window 10 holds only the pusher: no feedback,
    // no change); the alert resolves and the resolution reaches the webhook.
    const healthy = Array.from({ length: 100 }, (_, i) => ({ predictionId: `good-${i}`, model: 'clf', version: 'v2', timestamp: T0 + 11 * W + i * 100, outputs: { label: String(i % 2), score: i % 2 ? 0.9 : 0.1 } }));
    await postAccepted(`${base}/v1/predictions`, [...healthy, { predictionId: 'clf-v2-pusher-2', model: 'clf', version: 'v2', timestamp: T0 + 13 * W }]);
    await postAccepted(`${base}/v1/feedback`, healthy.map((p, i) => ({ predictionId: p.predictionId, model: 'clf', version: 'v2', timestamp: p.timestamp + 1000, label: String(i % 2) })));
    expect(await run()).toBeGreaterThanOrEqual(2);
    const resolved = await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'QualityAucLow' && b.status === 'resolved');
    expect(resolved.body.alerts).toMatchObject([{ status: 'resolved', labels }]);
    const events = await history('QualityAucLow');
    expect(events.map((e) => `${e.from}->${e.to}`)).toEqual(['inactive->firing', 'firing->resolved']);
    expect((await active()).filter((a) => a.rule === 'QualityAucLow')).toEqual([]);
  });
});
