import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseStore } from '../store/ClickHouseStore.js';
import { AlertEngine } from './AlertEngine.js';
import { readCompareLooks } from '../store/repositories/alert-state.js';
import { Dispatcher, type DeliveryRecord } from './Dispatcher.js';
import { parseRules } from './rules-file.js';
import { detectDrift } from '@inferlens/stats';
import { rng } from '../../../test/helpers/random.js';
import { sampleRows } from '../../../test/helpers/table-rows.js';
import { DRIFT_RESULTS, type DriftResultRow } from '../store/schema/drift-results.js';
import { PREDICTIONS, type PredictionRow } from '../store/schema/predictions.js';
import type { QualityResultRow } from '../store/schema/quality-results.js';
import type { SlaResultRow } from '../store/schema/sla-results.js';

// The engine against the real embedded engine, with synthetic SLA and quality results handed
// over the way the jobs hand theirs (the rows they wrote), and receivers on a local HTTP server
// checked field by field.

interface Received {
  path: string;
  body: any;
}

let store: ClickHouseStore;
let dataDir: string;
let server: Server;
let base: string;
const received: Received[] = [];
const waiters: Array<() => void> = [];
/** Paths answering with a status instead of 200, for this many requests. */
const failures = new Map<string, number>();

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'inferlens-alerts-test-'));
  store = await ClickHouseStore.open({ mode: 'embedded', dataDir });
  await store.migrate();
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const left = failures.get(req.url!) ?? 0;
      if (left > 0) {
        failures.set(req.url!, left - 1);
        res.writeHead(500).end('down');
        return;
      }
      received.push({ path: req.url!, body: JSON.parse(body) });
      res.writeHead(200).end('ok');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise((res) => server.close(res));
  await store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Waits until `n` requests reached `path` (deadline 10 s). */
async function requests(path: string, n: number): Promise<Received[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const got = received.filter((r) => r.path === path);
    if (got.length >= n) return got;
    if (Date.now() > deadline) throw new Error(`${got.length} of ${n} requests to ${path}`);
    await new Promise<void>((res) => {
      waiters.push(res);
      setTimeout(res, 200);
    });
  }
}

/** An SLA result as the SLA job writes it; what the window does not measure is null. */
function slaRow(model: string, slo: string, windowEndMs: number, values: { breached: number; p99: number; errorRate: number }): SlaResultRow {
  return {
    Project: 'default', Slo: slo, ModelName: model, ModelVersion: 'v1', Environment: 'prod', WindowStart: windowEndMs - 60_000, WindowEnd: windowEndMs,
    Rows: 100, Requests: 100, Errors: 100 * values.errorRate, ErrorRate: values.errorRate, Availability: 1 - values.errorRate,
    LatencyP50: null, LatencyP90: null, LatencyP95: null, LatencyP99: values.p99, LatencyPercentile: null, LatencyObservedMs: null, LatencyThresholdMs: null,
    LatencyMet: null, ErrorRateObjective: null, ErrorRateMet: null, AvailabilityTarget: null, AvailabilityMet: null,
    PeriodSeconds: 3600, PeriodRequests: 100, PeriodErrors: 1, ErrorBudgetRemaining: null, BurnRates: '[]', BurnRateFiring: false, Breached: values.breached === 1,
  };
}

const RULES = (url: string) => `
receivers:
  - name: hook
    webhook: { url: "${url}/hook" }
    group_by: [alertname]
    repeat_interval: 10s
    retry: { attempts: 3, backoff: 10ms }
  - name: slack
    slack: { url: "${url}/slack", channel: "#ml" }
    retry: { attempts: 2, backoff: 10ms }
  - name: dead
    webhook: { url: "${url}/dead" }
    retry: { attempts: 2, backoff: 10ms }
rules:
  - alert: SloBreached
    when: { source: sla, metric: breach, op: "==", threshold: 1 }
    labels: { severity: page }
    annotations: { summary: "SLO {{ $labels.slo }} of {{ $labels.model }} breached, p99 {{ $value }}" }
    notify: [hook, slack]
  - alert: LatencyP99High
    when: { source: sla, metric: latency_p99, op: ">", threshold: 500 }
    for: 2m
    annotations: { summary: "p99 of {{ $labels.model }} is {{ $value }} ms" }
    notify: [dead]
`;

describe('AlertEngine over synthetic SLA results', () => {
  it('fires, groups, notifies webhook and Slack field by field, retries, records failures, resolves', async () => {
    // Times relative to now (a whole minute), through the injected clock.
    let now = Math.floor(Date.now() / 60_000) * 60_000;
    const deliveries: DeliveryRecord[] = [];
    const dispatcher = new Dispatcher({ externalUrl: () => 'http://collector.test:4318', resendDelayMs: 60_000, onDelivery: (d) => deliveries.push(d), now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    await engine.setRules(parseRules(RULES(base), 'rules.yaml'));
    failures.set('/hook', 2); // two failures, then success on the third attempt
    failures.set('/dead', 1000);

    const w1 = now - 60_000;
    const w1Rows = [
      slaRow('fraud', 'availability', w1, { breached: 1, p99: 900, errorRate: 0.2 }),
      slaRow('fraud', 'latency', w1, { breached: 1, p99: 900, errorRate: 0.2 }),
      // Not fraud's: left out of fraud's evaluation.
      slaRow('churn', 'availability', w1, { breached: 1, p99: 100, errorRate: 0 }),
    ];
    let t = await engine.onWindow({ source: 'sla', project: 'default', model: 'fraud', version: 'v1', windowEndMs: w1, rows: w1Rows });
    expect(t.map((x) => `${x.alert.rule}:${x.alert.labels.slo}:${x.from}->${x.to}`).sort()).toEqual([
      'LatencyP99High:availability:inactive->pending',
      'LatencyP99High:latency:inactive->pending',
      'SloBreached:availability:inactive->firing',
      'SloBreached:latency:inactive->firing',
    ]);
    // churn's window was not reported (its row in fraud's report is not fraud's): nothing about churn yet.
    expect(engine.active().filter((a) => a.labels.model === 'churn')).toEqual([]);

    const [hook] = await requests('/hook', 1);
    expect(hook!.body).toEqual({
      version: '4',
      groupKey: 'hook:{"alertname":"SloBreached"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'hook',
      groupLabels: { alertname: 'SloBreached' },
      commonLabels: { alertname: 'SloBreached', project: 'default', model: 'fraud', version: 'v1', environment: 'prod', severity: 'page' },
      commonAnnotations: {},
      externalURL: 'http://collector.test:4318',
      alerts: expect.any(Array),
    });
    const alerts = (hook!.body.alerts as any[]).sort((a, b) => a.labels.slo.localeCompare(b.labels.slo));
    expect(alerts).toEqual(
      ['availability', 'latency'].map((slo) => ({
        status: 'firing',
        labels: { alertname: 'SloBreached', project: 'default', model: 'fraud', version: 'v1', slo, environment: 'prod', severity: 'page' },
        annotations: { summary: `SLO ${slo} of fraud breached, p99 1` },
        startsAt: new Date(now).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://collector.test:4318/api/v1/alerts/history?rule=SloBreached',
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/),
      })),
    );
    const [slack] = await requests('/slack', 1);
    expect(slack!.body.channel).toBe('#ml');
    expect(slack!.body.text).toBe('[FIRING:2] alertname=SloBreached');
    expect(slack!.body.attachments).toHaveLength(2);
    expect(slack!.body.attachments[0]).toMatchObject({ color: 'danger', title: '[FIRING] SloBreached', title_link: 'http://collector.test:4318/api/v1/alerts/history?rule=SloBreached', ts: now / 1000 });
    expect(slack!.body.attachments[0].fields).toContainEqual({ title: 'model', value: 'fraud', short: true });

    // Pending alerts notify nobody; after `for` (2m) they fire and the dead receiver fails, recorded.
    now += 120_000;
    const w2 = w1 + 60_000;
    const w2Rows = [
      slaRow('fraud', 'availability', w2, { breached: 1, p99: 900, errorRate: 0.2 }),
      slaRow('fraud', 'latency', w2, { breached: 1, p99: 900, errorRate: 0.2 }),
    ];
    t = await engine.onWindow({ source: 'sla', project: 'default', model: 'fraud', version: 'v1', windowEndMs: w2, rows: w2Rows });
    expect(t.map((x) => `${x.alert.rule}:${x.from}->${x.to}`)).toEqual(['LatencyP99High:pending->firing', 'LatencyP99High:pending->firing']);
    await dispatcher.idle();
    expect(deliveries.map((d) => `${d.receiver}:${d.status}:${d.attempts}`).sort()).toEqual(['dead:failed:2', 'hook:sent:3', 'slack:sent:1']);
    expect(deliveries.find((d) => d.receiver === 'dead')!.error).toBe(`HTTP 500 from ${base}/dead`);

    // A window scoped to one SLO: only that SLO's alerts move; the breach clears and resolves.
    now += 60_000;
    const w3 = w2 + 60_000;
    const w3Rows = [
      slaRow('fraud', 'latency', w3, { breached: 0, p99: 100, errorRate: 0 }),
      // Outside the report's scope (slo: latency): it would resolve availability's alert.
      slaRow('fraud', 'availability', w3, { breached: 0, p99: 100, errorRate: 0 }),
    ];
    // Rows of another window than the report's are left out too (w2's would keep latency's alerts firing).
    t = await engine.onWindow({ source: 'sla', project: 'default', model: 'fraud', version: 'v1', windowEndMs: w3, labels: { slo: 'latency' }, rows: [...w2Rows, ...w3Rows] });
    expect(t.map((x) => `${x.alert.rule}:${x.alert.labels.slo}:${x.from}->${x.to}`).sort()).toEqual(['LatencyP99High:latency:firing->resolved', 'SloBreached:latency:firing->resolved']);
    const hooks = await requests('/hook', 2);
    expect(hooks[1]!.body.status).toBe('firing'); // the group still holds availability, firing
    const resolved = (hooks[1]!.body.alerts as any[]).find((a) => a.status === 'resolved');
    expect(resolved).toMatchObject({ labels: { slo: 'latency' }, endsAt: new Date(now).toISOString() });

    // Repeat interval: the group is sent again once 10 s have passed, not before.
    await dispatcher.idle();
    dispatcher.tick();
    await dispatcher.idle();
    expect(received.filter((r) => r.path === '/hook')).toHaveLength(2);
    now += 10_000;
    dispatcher.tick();
    const again = await requests('/hook', 3);
    expect((again[2]!.body.alerts as any[]).map((a) => `${a.labels.slo}:${a.status}`)).toEqual(['availability:firing']);

    // The transitions are in alert_events; the state survives a new engine (restart).
    const events = await store.query<{ Rule: string; ToState: string; n: string }>('SELECT Rule, ToState, count() AS n FROM alert_events GROUP BY Rule, ToState ORDER BY Rule, ToState');
    expect(events.map((e) => `${e.Rule}:${e.ToState}:${e.n}`)).toEqual(['LatencyP99High:firing:2', 'LatencyP99High:pending:2', 'LatencyP99High:resolved:1', 'SloBreached:firing:2', 'SloBreached:resolved:1']);
    const restarted = new AlertEngine({ store, dispatcher: new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000 }) });
    await restarted.restore();
    expect(restarted.active().map((a) => `${a.rule}:${a.labels.slo}:${a.state}`).sort()).toEqual(engine.active().map((a) => `${a.rule}:${a.labels.slo}:${a.state}`).sort());
    expect(restarted.active()).toHaveLength(2);
    await dispatcher.close();
  });
});

/** A quality result as the quality job writes it; what the window does not measure is null. */
function qualityRow(version: string, windowEndMs: number, values: { labelled: number; accuracy: number | null; rocAuc: number | null; estimatedAccuracy?: number }): QualityResultRow {
  const band = (v: number) => ({ value: v, lower: v - 0.05, upper: v + 0.05 });
  const estimated = values.estimatedAccuracy === undefined ? '' : JSON.stringify({ referenceId: 'r', referenceRows: 1000, rows: 100, accuracy: band(values.estimatedAccuracy), rocAuc: band(0.9) });
  return {
    Project: 'default', ModelName: 'clf', ModelVersion: version, Segment: '', WindowStart: windowEndMs - 60_000, WindowEnd: windowEndMs, Predictions: 100,
    Labelled: values.labelled, LabelCoverage: values.labelled / 100, LabelDelayP50Seconds: null, LabelDelayP90Seconds: null, LabelDelayMaxSeconds: null,
    ClassifiedRows: values.labelled, Accuracy: values.accuracy, MacroPrecision: null, MacroRecall: null, MacroF1: values.accuracy, Classes: '{}',
    ScoredRows: values.labelled, RocAuc: values.rocAuc, LogLoss: null, RegressionRows: 0, Mae: null, Rmse: null, Mape: null, MaxFeedbackReceivedAt: 0,
    Estimated: estimated,
  };
}

describe('AlertEngine over synthetic quality results', () => {
  it('fires on a low metric, keeps the alert through windows without feedback, follows recomputations', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000;
    const dispatcher = new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000, now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    await engine.setRules(
      parseRules(
        `rules:
  - alert: AccuracyLow
    when: { source: quality, metric: accuracy, op: "<", threshold: 0.8 }
    annotations: { summary: "accuracy of {{ $labels.model }} {{ $labels.version }}: {{ $value }}" }
  - alert: FewLabels
    when: { source: quality, metric: label_coverage, op: "<", threshold: 0.1 }
    for: 10m
`,
        'rules.yaml',
      ),
    );
    const first = now - 3_600_000;
    const w = (i: number) => first + i * 60_000;
    const report = (version: string, i: number, values: Parameters<typeof qualityRow>[2]) =>
      engine.onWindow({ source: 'quality', project: 'default', model: 'clf', version, windowEndMs: w(i), rows: [qualityRow(version, w(i), values)] });
    const names = (t: Awaited<ReturnType<typeof report>>) => t.map((x) => `${x.alert.rule}:${x.alert.labels.version}:${x.from}->${x.to}`);

    expect(names(await report('v1', 1, { labelled: 90, accuracy: 0.95, rocAuc: 0.99 }))).toEqual([]);
    expect(names(await report('v2', 1, { labelled: 90, accuracy: 0.6, rocAuc: 0.7 }))).toEqual(['AccuracyLow:v2:inactive->firing']);
    expect(engine.active()).toMatchObject([{ rule: 'AccuracyLow', state: 'firing', value: 0.6, labels: { alertname: 'AccuracyLow', project: 'default', model: 'clf', version: 'v2' }, annotations: { summary: 'accuracy of clf v2: 0.6' } }]);

    // Window 2 closes before any feedback: accuracy is null (not measured), coverage 0. The
    // accuracy alert neither resolves nor moves; the coverage rule goes pending for both versions.
    now += 60_000;
    expect(names(await report('v2', 2, { labelled: 0, accuracy: null, rocAuc: null }))).toEqual(['FewLabels:v2:inactive->pending']);
    expect(engine.active().find((a) => a.rule === 'AccuracyLow')).toMatchObject({ state: 'firing', value: 0.6 });

    // Late feedback recomputes window 2 (a newer row of the same window): the recomputed result,
    // handed over, is what the rules see. Accuracy recovered: the alert resolves; coverage is fine: pending dropped.
    now += 60_000;
    expect(names(await report('v2', 2, { labelled: 95, accuracy: 0.9, rocAuc: 0.95 })).sort()).toEqual(['AccuracyLow:v2:firing->resolved', 'FewLabels:v2:pending->inactive']);
    expect(engine.active()).toEqual([]);
    const events = await store.query<{ Rule: string; ToState: string; Value: number }>(
      "SELECT Rule, ToState, Value FROM alert_events WHERE Rule IN ('AccuracyLow', 'FewLabels') ORDER BY Time, Rule",
    );
    expect(events.map((e) => `${e.Rule}:${e.ToState}`)).toEqual(['AccuracyLow:firing', 'FewLabels:pending', 'AccuracyLow:resolved', 'FewLabels:inactive']);
    await dispatcher.close();
  });
});

describe('AlertEngine over estimated quality (CBPE)', () => {
  it('fires on estimated_accuracy in a window without labels; windows without an estimate change nothing', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000;
    const dispatcher = new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000, now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    await engine.setRules(parseRules(`rules:\n  - alert: EstimatedAccuracyLow\n    when: { source: quality, metric: estimated_accuracy, op: "<", threshold: 0.8 }\n`, 'rules.yaml'));
    const first = now - 3_600_000;
    const report = (i: number, values: Parameters<typeof qualityRow>[2]) =>
      engine.onWindow({ source: 'quality', project: 'default', model: 'est', version: 'v1', windowEndMs: first + i * 60_000, rows: [{ ...qualityRow('v1', first + i * 60_000, values), ModelName: 'est' }] });
    const names = (t: Awaited<ReturnType<typeof report>>) => t.map((x) => `${x.alert.rule}:${x.from}->${x.to}:${x.alert.value}`);
    expect(names(await report(1, { labelled: 0, accuracy: null, rocAuc: null, estimatedAccuracy: 0.9 }))).toEqual([]);
    now += 60_000;
    expect(names(await report(2, { labelled: 0, accuracy: null, rocAuc: null, estimatedAccuracy: 0.7 }))).toEqual(['EstimatedAccuracyLow:inactive->firing:0.7']);
    now += 60_000;
    expect(names(await report(3, { labelled: 0, accuracy: null, rocAuc: null }))).toEqual([]); // no estimate: not measured
    now += 60_000;
    expect(names(await report(4, { labelled: 0, accuracy: null, rocAuc: null, estimatedAccuracy: 0.85 }))).toEqual(['EstimatedAccuracyLow:firing->resolved:0.7']);
    await dispatcher.close();
  });
});

describe('AlertEngine traffic source', () => {
  it('measures silence by arrival time: old event times neither hide a live model nor keep a silent one alive', async () => {
    const now = Date.now();
    const dispatcher = new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000, now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    await engine.setRules(
      parseRules(
        `rules:
  - alert: ModelSilent
    when: { source: traffic, absent_for: 10m }
  - alert: ModelHeard
    when: { source: traffic, metric: seconds_since_last_prediction, op: "<", threshold: 600 }
`,
        'rules.yaml',
      ),
    );
    // (model, event time, arrival time): a live model whose clock is 30 days behind (or a backfill
    // arriving now), and a model whose events are stamped now but arrived two hours ago.
    const rows: Array<[string, number, number]> = [
      ['skewed-clock', now - 30 * 86_400_000, now - 5_000],
      ['stopped', now - 1000, now - 2 * 3_600_000],
    ];
    for (const [model, eventMs, arrivalMs] of rows) {
      await store.command(
        `INSERT INTO predictions (Timestamp, PredictionId, Project, ModelName, ModelVersion, ReceivedAt)
         VALUES (fromUnixTimestamp64Milli({e:Int64}), {model:String}, 'default', {model:String}, 'v1', fromUnixTimestamp64Milli({a:Int64}))`,
        { model, e: eventMs, a: arrivalMs },
      );
    }
    const fired = (await engine.evaluateTraffic()).filter((t) => t.to === 'firing').map((t) => `${t.alert.rule}:${t.alert.labels.model}`).sort();
    expect(fired).toEqual(['ModelHeard:skewed-clock', 'ModelSilent:stopped']);
    expect(engine.active().find((a) => a.labels.model === 'stopped')!.value).toBeCloseTo(7200, 0);
    await dispatcher.close();
  });
});

describe('AlertEngine: false-alarm control on drift results', () => {
  it('100 undrifted features × 20 windows: per-column tests alarm in almost every window, fdr: 0.05 in about 5%; the shifted feature is caught; consecutive_windows delays it', async () => {
    let now = Math.floor(Date.now() / 60_000) * 60_000;
    const dispatcher = new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000, now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    await engine.setRules(
      parseRules(
        `rules:
  - alert: PerColumn
    when: { source: drift, match: { source: feature }, metric: p_value, op: "<", threshold: 0.05 }
  - alert: Controlled
    when: { source: drift, match: { source: feature }, fdr: 0.05 }
  - alert: ControlledSteady
    when: { source: drift, match: { source: feature }, fdr: 0.05 }
    consecutive_windows: 3
`,
        'rules.yaml',
      ),
    );
    // KS on 300 reference values against 300 window values per feature, all N(0, 1) but
    // feature f00, shifted by 0.8 standard deviation in every window. Seeded.
    const r = rng(17);
    const sample = (mean: number) => Array.from({ length: 300 }, () => r.normal(mean, 1));
    const base = sampleRows(DRIFT_RESULTS, 1)[0]!;
    const first = now - 3_600_000;
    const WINDOWS = 20;
    const alarmed = { PerColumn: 0, Controlled: 0, ControlledSteady: 0 };
    const caught = { PerColumn: 0, Controlled: 0, ControlledSteady: 0 };
    let steadyFiredAt = -1;
    for (let w = 0; w < WINDOWS; w++) {
      const windowEnd = first + (w + 1) * 60_000;
      const rows: DriftResultRow[] = Array.from({ length: 100 }, (_, f) => {
        const d = detectDrift(sample(0), sample(f === 0 ? 0.8 : 0), { method: 'ks' });
        return {
          ...base, Project: 'default', ModelName: 'wide', ModelVersion: 'v1', Segment: '', WindowStart: windowEnd - 60_000, WindowEnd: windowEnd, Source: 'feature', Feature: `f${String(f).padStart(2, '0')}`,
          Kind: 'numerical', Method: 'ks', Statistic: d.statistic, PValue: d.pValue, Threshold: d.threshold, Drifted: d.drifted, Status: 'ok', ReferenceRows: 300, CurrentRows: 300, Metrics: JSON.stringify(d.metrics),
        };
      });
      now += 60_000;
      const t = await engine.onWindow({ source: 'drift', project: 'default', model: 'wide', version: 'v1', windowEndMs: windowEnd, rows });
      if (steadyFiredAt < 0 && t.some((x) => x.alert.rule === 'ControlledSteady' && x.to === 'firing')) steadyFiredAt = w;
      const firing = engine.active().filter((a) => a.state === 'firing' && a.labels.model === 'wide');
      for (const rule of ['PerColumn', 'Controlled', 'ControlledSteady'] as const) {
        const mine = firing.filter((a) => a.rule === rule);
        if (mine.some((a) => a.labels.feature !== 'f00')) alarmed[rule]++;
        if (mine.some((a) => a.labels.feature === 'f00')) caught[rule]++;
      }
    }
    // eslint-disable-next-line no-console -- the figures docs/alerts.md quotes
    console.log(`windows with a false alarm of ${WINDOWS}: per column ${alarmed.PerColumn}, fdr ${alarmed.Controlled}, fdr + 3 windows ${alarmed.ControlledSteady}; shifted feature firing in ${caught.PerColumn}/${caught.Controlled}/${caught.ControlledSteady}`);
    expect(alarmed.PerColumn).toBeGreaterThanOrEqual(18); // 1 − 0.95^100 ≈ 99% of windows
    expect(alarmed.Controlled).toBeLessThanOrEqual(3); // about 5% of 20 windows
    expect(alarmed.ControlledSteady).toBe(0);
    expect(caught.Controlled).toBe(WINDOWS);
    expect(steadyFiredAt).toBe(2); // the third window
    expect(caught.ControlledSteady).toBe(WINDOWS - 2);
    await dispatcher.close();
  });
});

describe('AlertEngine: drift results per segment', () => {
  it('a rule matches a segment or the whole window; segment rows carry a segment label, whole-window ones none; fdr counts every matching segment', async () => {
    const now = Math.floor(Date.now() / 60_000) * 60_000;
    const dispatcher = new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000, now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    await engine.setRules(
      parseRules(
        `rules:
  - alert: AnyPlanDrift
    when: { source: drift, match: { feature: plan }, metric: drifted, op: "==", threshold: 1 }
  - alert: ApacDrift
    when: { source: drift, match: { feature: plan, segment: apac }, metric: drifted, op: "==", threshold: 1 }
  - alert: WholeWindowDrift
    when: { source: drift, match: { feature: plan, segment: "" }, metric: drifted, op: "==", threshold: 1 }
  - alert: ApacControlled
    when: { source: drift, match: { feature: plan, segment: apac }, fdr: 0.05 }
  - alert: AllControlled
    when: { source: drift, match: { feature: plan }, fdr: 0.05 }
`,
        'rules.yaml',
      ),
    );
    const base = sampleRows(DRIFT_RESULTS, 1)[0]!;
    const windowEnd = now - 60_000;
    // apac: p = 0.02, alone below 0.05; nine other segments and the whole window well above it.
    const segments: Array<[string, number]> = [['', 0.3], ['apac', 0.02], ...Array.from({ length: 9 }, (_, i): [string, number] => [`s${i}`, 0.5 + i / 20])];
    const rows: DriftResultRow[] = segments.map(([segment, p]) => ({
      ...base, Project: 'default', ModelName: 'segmented', ModelVersion: 'v1', Segment: segment, WindowStart: windowEnd - 60_000, WindowEnd: windowEnd, Source: 'feature', Feature: 'plan',
      Kind: 'categorical', Method: 'chi-square', Statistic: 1, PValue: p, Threshold: 0.05, Drifted: p < 0.05, Status: 'ok', ReferenceRows: 1000, CurrentRows: 100, Metrics: '{}',
    }));
    await engine.onWindow({ source: 'drift', project: 'default', model: 'segmented', version: 'v1', windowEndMs: windowEnd, rows });
    const firing = engine.active().filter((a) => a.labels.model === 'segmented' && a.state === 'firing');
    expect(firing.map((a) => `${a.rule}:${a.labels.segment ?? '(whole window)'}`).sort()).toEqual(['AnyPlanDrift:apac', 'ApacControlled:apac', 'ApacDrift:apac']);
    // Among the eleven series of the window, Benjamini–Hochberg needs p ≤ 0.05 / 11 for the smallest: apac's 0.02 is no discovery.
    expect(firing.some((a) => a.rule === 'AllControlled')).toBe(false);
    // A whole-window series has no segment label: its alerts keep the labels (and fingerprints) they had before segments.
    rows[0] = { ...rows[0]!, PValue: 0.001, Drifted: true };
    await engine.onWindow({ source: 'drift', project: 'default', model: 'segmented', version: 'v1', windowEndMs: windowEnd, rows });
    const whole = engine.active().find((a) => a.rule === 'WholeWindowDrift')!;
    expect(whole.labels).toEqual({ alertname: 'WholeWindowDrift', project: 'default', model: 'segmented', version: 'v1', source: 'feature', feature: 'plan', method: 'chi-square' });
    await dispatcher.close();
  });
});

describe('AlertEngine compare source (rollback signal)', () => {
  it('over 50 looks an equal candidate never fires and a worse one does; newest-against-previous picks the versions; spent looks decide nothing', async () => {
    const start = Math.floor(Date.now() / 60_000) * 60_000 - 90 * 60_000;
    // Three versions of one model over 90 minutes: v2 is v1 again, v3 is 30% slower. One prediction
    // per version every 6 s; 2% errors everywhere. v2 and v3 start after v1 (first prediction).
    const r = rng(99);
    const base = sampleRows(PREDICTIONS, 1)[0]!;
    const rows: PredictionRow[] = [];
    for (let t = start; t < start + 90 * 60_000; t += 6_000) {
      for (const [version, factor, from] of [['v1', 1, 0], ['v2', 1, 60_000], ['v3', 1.3, 120_000]] as const) {
        if (t < start + from) continue;
        const ms = t + Math.floor(r.uniform() * 1000);
        rows.push({
          ...base, Timestamp: `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}000000`, PredictionId: `${version}-${ms}`, Project: 'default', ModelName: 'canary', ModelVersion: version,
          LatencyMs: factor * Math.exp(r.normal(3, 0.4)), Status: r.uniform() < 0.02 ? 'error' : 'ok', NumericOutputs: {}, CategoricalOutputs: {}, Embedding: [],
        });
      }
    }
    await store.insert(PREDICTIONS, rows);

    let now = start + 35 * 60_000;
    const dispatcher = new Dispatcher({ externalUrl: () => '', resendDelayMs: 60_000, now: () => now });
    const engine = new AlertEngine({ store, dispatcher, now: () => now });
    const compare = (extra: string) => `{ model: canary, range: 30m, every: 1m, min_rows: 100, max_looks: 50${extra} }`;
    await engine.setRules(
      parseRules(
        `rules:
  - alert: EqualCanary
    when: { source: compare, compare: ${compare(', candidate: v2, baseline: v1')}, metric: worse, op: "==", threshold: 1 }
  - alert: SlowCanary
    when: { source: compare, compare: ${compare(', candidate: v3, baseline: v1')}, metric: worse, op: "==", threshold: 1 }
  - alert: NewestWorse
    when: { source: compare, compare: ${compare('')}, match: { verdict: worse }, metric: latency_p_value, op: "<", threshold: 1 }
`,
        'rules.yaml',
      ),
    );
    const fired = new Map<string, number>();
    for (let look = 0; look < 50; look++) {
      for (const t of await engine.evaluateCompare()) if (t.to === 'firing') fired.set(t.alert.rule, (fired.get(t.alert.rule) ?? 0) + 1);
      // Looked at again before `every` has passed: nothing happens.
      expect((await engine.evaluateCompare()).map((t) => `${look}:${t.alert.rule}:${t.from}->${t.to}:${JSON.stringify(t.alert.labels)}`)).toEqual([]);
      now += 60_000;
    }
    expect(fired.get('EqualCanary')).toBeUndefined();
    expect(fired.get('SlowCanary')).toBe(1);
    expect(fired.get('NewestWorse')).toBe(1);
    const active = engine.active().filter((a) => a.labels.model === 'canary');
    expect(active.map((a) => `${a.rule}:${a.state}:${a.labels.candidate}/${a.labels.baseline}:${a.labels.verdict}`).sort()).toEqual(['NewestWorse:firing:v3/v2:worse', 'SlowCanary:firing:v3/v1:worse']);
    // The 51st look: the looks are spent, nothing is decided and the alerts stay.
    expect((await engine.evaluateCompare()).map((t) => `${t.alert.rule}:${t.from}->${t.to}:${JSON.stringify(t.alert.labels)}`)).toEqual([]);
    expect(engine.active().filter((a) => a.labels.model === 'canary')).toHaveLength(2);
    const spent = async () => [...(await readCompareLooks(store)).entries()].map(([rule, l]) => `${rule}:${l.looks}`).sort();
    expect(await spent()).toEqual(['EqualCanary:50', 'NewestWorse:50', 'SlowCanary:50']);
    // A restart (or a jobs takeover) goes on with the looks spent: nothing is looked at again.
    now += 60_000;
    const restarted = new AlertEngine({ store, dispatcher, now: () => now });
    await restarted.setRules(engine.rules!);
    await restarted.restore();
    expect((await restarted.evaluateCompare()).map((t) => `${t.alert.rule}:${t.from}->${t.to}`)).toEqual([]);
    expect(await spent()).toEqual(['EqualCanary:50', 'NewestWorse:50', 'SlowCanary:50']);
    await dispatcher.close();
  });

  it('refuses a compare rule without its compare block, with one version named, or a compare block on another source', () => {
    const problem = (yaml: string) => {
      try {
        parseRules(yaml, 'rules.yaml');
      } catch (err) {
        return (err as Error).message;
      }
      throw new Error('expected a RulesError');
    };
    expect(problem('rules:\n  - alert: C\n    when: { source: compare, metric: worse, op: "==", threshold: 1 }\n')).toContain('when.compare: required for source compare');
    expect(problem('rules:\n  - alert: C\n    when: { source: compare, compare: { model: m, candidate: v2 }, metric: worse, op: "==", threshold: 1 }\n')).toContain('when.compare: give both candidate and baseline, or neither');
    expect(problem('rules:\n  - alert: C\n    when: { source: compare, compare: { model: m, candidate: v2, baseline: v2 }, metric: worse, op: "==", threshold: 1 }\n')).toContain('when.compare.baseline: expected a version other than the candidate');
    expect(problem('rules:\n  - alert: C\n    when: { source: sla, compare: { model: m }, metric: breach, op: "==", threshold: 1 }\n')).toContain('when.compare: only for source compare');
    expect(problem('rules:\n  - alert: C\n    when: { source: compare, compare: { model: m }, metric: nope, op: "==", threshold: 1 }\n')).toContain('when.metric: expected one of worse, better, latency_p_value');
    expect(problem('rules:\n  - alert: C\n    when: { source: compare, compare: { model: m }, fdr: 0.05 }\n')).toContain('when.fdr: source compare has no p-value to control');
  });
});
