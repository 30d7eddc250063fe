import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findAlertmanager, startAlertmanager, type AlertmanagerProcess } from '../helpers/alertmanager.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { rng } from '../helpers/random.js';
import { postAccepted } from '../helpers/ndjson.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';

// Alerting as a user meets it: a collector child process with a rules file, a real
// Alertmanager (Debian's prometheus-alertmanager) and a local webhook receiver. Drift in a
// closed window fires an alert that Alertmanager lists, keeps alive (re-sent before endsAt)
// and sees resolve; a silent model fires a traffic alert; reloads keep a valid file in force.

const WINDOW = 60_000;
const T0 = recentStart(WINDOW);
const MODEL = 'alert-model';

function features(r: ReturnType<typeof rng>, shifted: boolean) {
  return { a: r.normal(shifted ? 2 : 0, 1), b: r.normal(0, 1) };
}

function windowPredictions(w: number, shifted: boolean) {
  const r = rng(300 + w);
  return Array.from({ length: 1000 }, (_, i) => ({ predictionId: `w${w}-${i}`, model: MODEL, version: 'v1', timestamp: T0 + w * WINDOW + i * 50, features: features(r, shifted) }));
}

/** One prediction just past window `w`'s end + lateness, so the watermark closes windows before `w`. */
const pusher = (w: number) => [{ predictionId: `push-${w}`, model: MODEL, version: 'v1', timestamp: T0 + w * WINDOW + 1500, features: { a: 0, b: 0 } }];

/** Polls `probe` until it returns a value (deadline 30 s). */
async function until<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within 30 s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  updatedAt: string;
  generatorURL: string;
  status: { state: string };
}

const amAlerts = async (am: AlertmanagerProcess): Promise<AmAlert[]> => (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as AmAlert[];

function rulesYaml(am: string, hook: string, extra = ''): string {
  return `
receivers:
  - name: am
    alertmanager: { url: "${am}" }
  - name: hook
    webhook: { url: "${hook}/hook" }
    group_by: [alertname, model]
rules:
  - alert: FeatureDrift
    when: { source: drift, metric: drifted, match: { source: feature }, op: "==", threshold: 1 }
    labels: { severity: warning }
    annotations:
      summary: 'Feature {{ $labels.feature }} of {{ $labels.model }} drifted ({{ $labels.method }} {{ $value | printf "%.0f" }})'
    notify: [am, hook]
  - alert: ModelSilent
    when: { source: traffic, absent_for: 3s, match: { model: ${MODEL} } }
    annotations: { summary: 'No predictions from {{ $labels.model }}' }
    notify: [hook]
${extra}`;
}

const ALERTMANAGER = findAlertmanager();

describe('alerting end to end', () => {
  let collector: CollectorProcess | undefined;
  let am: AlertmanagerProcess | undefined;
  let hook: HttpReceiver | undefined;
  let dir: string | undefined;
  afterAll(async () => {
    await collector?.stop();
    await am?.stop();
    await hook?.close();
    if (dir) removeDir(dir);
  });

  it('drift fires to Alertmanager and a webhook, is re-sent, resolves; traffic fires; reloads', async () => {
    if (!ALERTMANAGER) {
      throw new Error(
        'prometheus-alertmanager is not installed: this test needs a real Alertmanager. Install it with ' +
          '`apt-get install -y --no-install-recommends prometheus-alertmanager` (.ci/run does) or put `alertmanager` on PATH.',
      );
    }
    am = await startAlertmanager(ALERTMANAGER);
    hook = await startHttpReceiver();
    dir = tempDataDir();
    const rulesFile = join(dir, 'rules.yaml');
    writeFileSync(rulesFile, rulesYaml(am.url, hook.url));
    collector = await startCollector({
      dataDir: join(dir, 'data'),
      env: {
        INFERLENS_DRIFT_WINDOW_SECONDS: '60',
        INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1',
        INFERLENS_DRIFT_INTERVAL_MS: '200',
        // The pushers close the windows here; the idle timeout is set beyond the data's age.
        INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS,
        INFERLENS_SLA_INTERVAL_MS: '600000',
        INFERLENS_ALERTS_RULES_FILE: rulesFile,
        INFERLENS_ALERTS_EVALUATION_INTERVAL_MS: '200',
        INFERLENS_ALERTS_RESEND_DELAY_MS: '1000',
        INFERLENS_ALERTS_EXTERNAL_URL: 'http://inferlens.test:4318',
      },
    });
    const base = collector.url;
    const ref = rng(7);
    await postAccepted(`${base}/v1/references?model=${MODEL}&version=v1`, Array.from({ length: 2000 }, () => ({ features: features(ref, false) })));

    // Window 0 normal, window 1 shifted in feature a; the pusher closes both.
    await postAccepted(`${base}/v1/predictions`, [...windowPredictions(0, false), ...windowPredictions(1, true), ...pusher(2)]);
    const firing = await until('FeatureDrift firing in the collector', async () => {
      await fetch(`${base}/api/v1/jobs/drift/run`, { method: 'POST' });
      const { alerts } = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { alerts: Array<{ rule: string; state: string; labels: Record<string, string>; annotations: Record<string, string> }> };
      const a = alerts.filter((x) => x.rule === 'FeatureDrift');
      return a.some((x) => x.labels.feature === 'a') ? a : undefined;
    });
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({
      state: 'firing',
      labels: { alertname: 'FeatureDrift', project: 'default', model: MODEL, version: 'v1', source: 'feature', feature: 'a', method: 'wasserstein', severity: 'warning' },
      annotations: { summary: `Feature a of ${MODEL} drifted (wasserstein 1)` },
    });

    // Alertmanager lists it, with our labels, annotations, generatorURL and an endsAt in the future.
    const listed = await until('FeatureDrift listed by Alertmanager', async () => (await amAlerts(am!)).find((a) => a.labels.alertname === 'FeatureDrift'));
    expect(listed.labels).toEqual(firing[0]!.labels);
    expect(listed.annotations).toEqual(firing[0]!.annotations);
    expect(listed.generatorURL).toBe('http://inferlens.test:4318/api/v1/alerts/history?rule=FeatureDrift');
    expect(listed.status.state).toBe('active');
    expect(Date.parse(listed.endsAt)).toBeGreaterThan(Date.now());
    // Re-sent before endsAt passes: endsAt moves forward while the alert keeps firing.
    const renewed = await until('FeatureDrift re-sent to Alertmanager', async () => {
      const a = (await amAlerts(am!)).find((x) => x.labels.alertname === 'FeatureDrift');
      return a && Date.parse(a.endsAt) > Date.parse(listed.endsAt) ? a : undefined;
    });
    expect(renewed.status.state).toBe('active');
    expect(renewed.startsAt).toBe(listed.startsAt);

    // The webhook got the Alertmanager v4 shape.
    const fired = await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'FeatureDrift' && b.status === 'firing');
    expect(fired.body).toMatchObject({
      version: '4',
      receiver: 'hook',
      status: 'firing',
      groupLabels: { alertname: 'FeatureDrift', model: MODEL },
      commonLabels: firing[0]!.labels,
      externalURL: 'http://inferlens.test:4318',
      alerts: [{ status: 'firing', labels: firing[0]!.labels, annotations: firing[0]!.annotations, startsAt: listed.startsAt, endsAt: '0001-01-01T00:00:00Z', generatorURL: listed.generatorURL }],
    });

    // Window 2 back to normal: the alert resolves in the collector, the webhook and Alertmanager.
    await postAccepted(`${base}/v1/predictions`, [...windowPredictions(2, false), ...pusher(3)]);
    const resolved = await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'FeatureDrift' && b.status === 'resolved');
    expect(resolved.body.alerts[0]).toMatchObject({ status: 'resolved', labels: firing[0]!.labels });
    expect(Date.parse(resolved.body.alerts[0].endsAt)).toBeLessThanOrEqual(Date.now());
    await until('FeatureDrift resolved in Alertmanager', async () => {
      const all = (await (await fetch(`${am!.url}/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true`)).json()) as AmAlert[];
      return all.some((a) => a.labels.alertname === 'FeatureDrift') ? undefined : true;
    });
    const { alerts: after } = (await (await fetch(`${base}/api/v1/alerts`)).json()) as { alerts: Array<{ rule: string }> };
    expect(after.filter((a) => a.rule === 'FeatureDrift')).toEqual([]);
    const { events } = (await (await fetch(`${base}/api/v1/alerts/history?rule=FeatureDrift`)).json()) as { events: Array<{ from: string; to: string; labels: Record<string, string> }> };
    expect(events.map((e) => `${e.labels.feature}:${e.from}->${e.to}`)).toEqual(['a:inactive->firing', 'a:firing->resolved']);

    // Traffic: no prediction for 3 s fires ModelSilent; a new prediction resolves it.
    const silent = await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'ModelSilent' && b.status === 'firing');
    expect(silent.body.alerts[0].labels).toEqual({ alertname: 'ModelSilent', project: 'default', model: MODEL });
    expect(silent.body.alerts[0].annotations).toEqual({ summary: `No predictions from ${MODEL}` });
    await postAccepted(`${base}/v1/predictions`, pusher(4));
    await hook.waitFor('/hook', (b) => b.groupLabels?.alertname === 'ModelSilent' && b.status === 'resolved');

    // Every notification was delivered, and is visible in the API.
    const { notifications } = (await (await fetch(`${base}/api/v1/alerts/notifications`)).json()) as { notifications: Array<{ status: string }> };
    expect(notifications.length).toBeGreaterThan(0);
    expect(notifications.filter((n) => n.status !== 'sent')).toEqual([]);

    // An invalid file is refused with its file, rule, field and problem; the rules in force stay.
    writeFileSync(rulesFile, rulesYaml(am.url, hook.url, '  - alert: Broken\n    when: { source: drift, metric: colour, op: ">", threshold: 1 }\n'));
    const bad = await fetch(`${base}/api/v1/rules/reload`, { method: 'POST' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toBe(
      `${rulesFile}: rule "Broken" (rules[2]): when.metric: expected one of statistic, drifted, p_value, test_p_value, threshold, rows for source drift, got "colour"`,
    );
    const rulesNow = async () => ((await (await fetch(`${base}/api/v1/rules`)).json()) as { rules: Array<{ alert: string }> }).rules.map((r) => r.alert);
    expect(await rulesNow()).toEqual(['FeatureDrift', 'ModelSilent']);
    // A valid file, reloaded by SIGHUP.
    writeFileSync(rulesFile, rulesYaml(am.url, hook.url, '  - alert: DatasetDrift\n    when: { source: drift, metric: statistic, match: { source: dataset }, op: ">", threshold: 0.5 }\n'));
    collector.child.kill('SIGHUP');
    await until('rules reloaded on SIGHUP', async () => ((await rulesNow()).includes('DatasetDrift') ? true : undefined));
    expect(await rulesNow()).toEqual(['FeatureDrift', 'ModelSilent', 'DatasetDrift']);
  });
});
