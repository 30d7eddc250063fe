import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '@inferlens/collector';
import { clickHouseForTests, type ClickHouseTestServer } from '../helpers/clickhouse-server.js';
import { NO_IDLE_CLOSE_SECONDS, recentStart } from '../helpers/clock.js';
import { removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { postAccepted, postNdjson } from '../helpers/ndjson.js';
import { rng } from '../helpers/random.js';
import { firstBatch, fixtureFeedback, fixturePredictions, loadQualityFixture } from '../helpers/quality-fixture.js';

// The collector in server mode, every change: ingestion (NDJSON, and OTLP from the official
// exporters), the quality job, the read API and alerting, on ClickHouse over HTTP — the
// chDB-backed test server (test/helpers/clickhouse-server.ts), or the real server at
// INFERLENS_TEST_CLICKHOUSE_URL. One server and one collector for the file.

const F = loadQualityFixture<{ model: string; version: string; window: number; rocAuc?: number }>();
const RULES = (hook: string) => `
receivers:
  - name: hook
    webhook: { url: "${hook}/hook" }
rules:
  - alert: QualityAucLow
    when: { source: quality, metric: roc_auc, match: { model: clf }, op: "<", threshold: 0.9 }
    notify: [hook]
  - alert: FeatureDrift
    when: { source: drift, metric: drifted, match: { model: srv, source: feature }, op: "==", threshold: 1 }
    notify: [hook]
  - alert: LatencySlo
    when: { source: sla, metric: breach, match: { model: srv }, op: "==", threshold: 1 }
    notify: [hook]
`;
// The SLO of the drift-and-SLA test's model.
const CONFIG = `
slos:
  - name: srv-latency
    model: srv
    latency: { percentile: 99, thresholdMs: 100 }
`;
const WINDOW = 60_000;

let clickhouse: ClickHouseTestServer;
let sql: ClickHouseClient;
let collector: CollectorProcess | undefined;
let hook: HttpReceiver;
let dir: string;
const database = `inferlens_server_mode_${process.pid}`;
let env: Record<string, string>;

beforeAll(async () => {
  clickhouse = await clickHouseForTests();
  sql = createClient({ url: clickhouse.url, database, log: { level: ClickHouseLogLevel.OFF } });
  hook = await startHttpReceiver();
  dir = tempDataDir();
  writeFileSync(join(dir, 'rules.yaml'), RULES(hook.url));
  writeFileSync(join(dir, 'collector.yaml'), CONFIG);
  env = {
    INFERLENS_CLICKHOUSE_URL: clickhouse.url,
    INFERLENS_CLICKHOUSE_DATABASE: database,
    INFERLENS_DRIFT_WINDOW_SECONDS: '60',
    INFERLENS_DRIFT_ALLOWED_LATENESS_SECONDS: '1',
    INFERLENS_DRIFT_INTERVAL_MS: '600000',
    INFERLENS_SLA_INTERVAL_MS: '600000',
    INFERLENS_QUALITY_INTERVAL_MS: '600000',
    INFERLENS_DRIFT_IDLE_TIMEOUT_SECONDS: NO_IDLE_CLOSE_SECONDS,
    INFERLENS_ALERTS_RULES_FILE: join(dir, 'rules.yaml'),
  };
  collector = await startCollector({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'collector.yaml')], env });
});

afterAll(async () => {
  await collector?.stop();
  await sql?.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
  await sql?.close();
  await hook?.close();
  await clickhouse?.stop();
  if (dir) removeDir(dir);
});

const get = async <T>(path: string): Promise<T> => {
  const r = await fetch(`${collector!.url}${path}`);
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
};

describe('server mode (ClickHouse over HTTP)', () => {
  it('migrates the server database and reports the server store as ready', async () => {
    const r = await fetch(`${collector!.url}/readyz`);
    expect([r.status, await r.json()]).toEqual([200, expect.objectContaining({ status: 'ready', store: 'server' })]);
    // Every migration recorded once (versions need not be contiguous).
    const recorded = await (await sql.query({ query: 'SELECT Version AS v FROM inferlens_schema_migrations ORDER BY v', format: 'JSONEachRow' })).json<{ v: number }>();
    expect(recorded.map((r) => Number(r.v))).toEqual(MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
    expect(collector!.output.some((l) => l.includes('schema migrations applied'))).toBe(true);
  });

  it('stores NDJSON predictions and feedback, and OTLP spans and logs from the official exporters, to the nanosecond', async () => {
    const t = Date.now() - 60_000;
    await postAccepted(`${collector!.url}/v1/predictions`, [
      { predictionId: 's-1', model: 'server-model', version: 'v1', timestamp: t, latencyMs: 3.25, features: { x: 1.5, city: 'Paris' }, outputs: { score: 0.75 } },
      { predictionId: 's-2', model: 'server-model', version: 'v1', timestamp: t + 1, features: { x: -2, city: 'é漢字' } },
    ]);
    await postAccepted(`${collector!.url}/v1/feedback`, [{ predictionId: 's-1', model: 'server-model', version: 'v1', label: 'yes' }]);
    const { predictions } = await get<{ predictions: Array<Record<string, any>> }>('/api/v1/predictions?model=server-model');
    expect(predictions.map((p) => [p.predictionId, p.numericFeatures, p.categoricalFeatures]).sort()).toEqual([
      ['s-1', { x: 1.5 }, { city: 'Paris' }],
      ['s-2', { x: -2 }, { city: 'é漢字' }],
    ]);

    const tracer = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'server-svc' }),
      spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `${collector!.url}/v1/traces` }))],
    });
    const startNs = BigInt(t) * 1_000_000n + 123_457n;
    const span = tracer.getTracer('server-scope').startSpan('predict', { startTime: [Math.floor(t / 1000), Number(startNs % 1_000_000_000n)] });
    span.addEvent('first-token', { i: 1 });
    span.end();
    await tracer.forceFlush();
    await tracer.shutdown();
    const traceId = span.spanContext().traceId;
    const logs = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': 'server-svc' }), processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${collector!.url}/v1/logs` }) })] });
    logs.getLogger('server-logs').emit({ body: 'loaded on a server', severityNumber: SeverityNumber.INFO, severityText: 'INFO' });
    await logs.forceFlush();
    await logs.shutdown();

    const trace = await get<{ spans: Array<Record<string, any>> }>(`/api/v1/traces/${traceId}`);
    expect(trace.spans).toMatchObject([{ name: 'predict', serviceName: 'server-svc', startTimeUnixNano: startNs.toString(), events: [{ name: 'first-token' }] }]);
    // Read straight from the server: the columns the exporter's table has, exactly.
    const [stored] = await (
      await sql.query({ query: "SELECT toUnixTimestamp64Nano(Timestamp) AS ns, Events.Name AS events, ScopeName FROM otel_traces WHERE TraceId = {id:String}", query_params: { id: traceId }, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } })
    ).json<{ ns: string; events: string[]; ScopeName: string }>();
    expect(stored).toEqual({ ns: startNs.toString(), events: ['first-token'], ScopeName: 'server-scope' });
    expect((await get<{ logs: Array<Record<string, any>> }>('/api/v1/logs?service=server-svc')).logs).toMatchObject([{ body: 'loaded on a server', severityText: 'INFO' }]);
  });

  it('stores OTLP metrics from the official protobuf exporter in the otel_metrics_* tables of the server', async () => {
    const provider = new MeterProvider({
      resource: resourceFromAttributes({ 'service.name': 'server-metrics' }),
      readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${collector!.url}/v1/metrics`, compression: 'gzip' as never }), exportIntervalMillis: 3_600_000 })],
    });
    const meter = provider.getMeter('server-meter');
    meter.createCounter('server.requests').add(5, { route: '/predict' });
    const histogram = meter.createHistogram('server.latency', { advice: { explicitBucketBoundaries: [10, 100] } });
    for (const v of [5, 50, 500]) histogram.record(v);
    await provider.forceFlush();
    const rows = async (query: string) => (await sql.query({ query, format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } })).json<Record<string, unknown>>();
    expect(await rows("SELECT MetricName, Value, Attributes, AggregationTemporality, IsMonotonic, ScopeName, Project FROM otel_metrics_sum WHERE ServiceName = 'server-metrics'")).toEqual([
      { MetricName: 'server.requests', Value: 5, Attributes: { route: '/predict' }, AggregationTemporality: 2, IsMonotonic: true, ScopeName: 'server-meter', Project: 'default' },
    ]);
    expect(await rows("SELECT MetricName, Count, Sum, BucketCounts, ExplicitBounds, Min, Max, TimeUnix > now() - 600 AS recent FROM otel_metrics_histogram WHERE ServiceName = 'server-metrics'")).toEqual([
      { MetricName: 'server.latency', Count: '3', Sum: 555, BucketCounts: ['1', '1', '1'], ExplicitBounds: [10, 100], Min: 5, Max: 500, recent: 1 },
    ]);
    await provider.shutdown();
  });

  it('stores a retried request once: predictions (untimed too) and spans, also a retry under the same Idempotency-Key holding more records', async () => {
    const t = Date.now() - 30_000;
    const body = Array.from({ length: 40 }, (_, i) => JSON.stringify(i % 2 ? { predictionId: `r-${i}`, model: 'server-retry', timestamp: t + i } : { predictionId: `r-${i}`, model: 'server-retry' })).join('\n');
    const post = (path: string, text: string, headers: Record<string, string> = {}) =>
      fetch(`${collector!.url}${path}`, { method: 'POST', body: text, headers: { 'content-type': 'application/x-ndjson', ...headers } }).then(async (r) => [r.status, await r.json()]);
    for (let attempt = 0; attempt < 3; attempt++) expect(await post('/v1/predictions', body)).toEqual([200, { accepted: 40, rejected: 0, errors: [] }]);
    const keyed = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ predictionId: `k-${i}`, model: 'server-retry', timestamp: t })).join('\n');
    expect((await post('/v1/predictions', keyed(5), { 'idempotency-key': 'server-batch-1' }))[0]).toBe(200);
    expect((await post('/v1/predictions', keyed(10), { 'idempotency-key': 'server-batch-1' }))[0]).toBe(200);
    const [{ n, ids }] = await (
      await sql.query({ query: "SELECT count() AS n, uniqExact(PredictionId) AS ids FROM predictions WHERE ModelName = 'server-retry'", format: 'JSONEachRow' })
    ).json<{ n: string; ids: string }>();
    expect([Number(n), Number(ids)]).toEqual([50, 50]);

    const traceId = 'ab'.repeat(16);
    const start = BigInt(t) * 1_000_000n;
    const spans = Array.from({ length: 20 }, (_, i) => ({ traceId, spanId: (i + 1).toString(16).padStart(16, '0'), name: 'op', kind: 1, startTimeUnixNano: String(start + BigInt(i)), endTimeUnixNano: String(start + 1_000_000n) }));
    const otlp = JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'server-retry' } }] }, scopeSpans: [{ scope: { name: 't' }, spans }] }] });
    for (let attempt = 0; attempt < 3; attempt++) expect((await post('/v1/traces', otlp, { 'content-type': 'application/json' }))[0]).toBe(200);
    const [spanCount] = await (await sql.query({ query: 'SELECT count() AS n FROM otel_traces WHERE TraceId = {traceId:String}', query_params: { traceId }, format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(spanCount!.n)).toBe(20);
  });

  it('stores a retried OTLP logs or metrics request once (request key and row number): timed and untimed records, equal records, data points; another request is stored again', async () => {
    const t = Date.now() - 30_000;
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${collector!.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } }).then((r) => r.status);
    const count = async (query: string) => Number((await (await sql.query({ query, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
    const resource = (service: string) => ({ attributes: [{ key: 'service.name', value: { stringValue: service } }] });
    // Every third record has no time (stored at its receive time), and four are equal.
    const records = Array.from({ length: 30 }, (_, i) =>
      i % 3 === 0 ? { body: { stringValue: `untimed ${i}` } } : { timeUnixNano: String(BigInt(t + (i < 8 ? 0 : i)) * 1_000_000n), body: { stringValue: i < 8 ? 'same' : `line ${i}` } },
    );
    const logs = JSON.stringify({ resourceLogs: [{ resource: resource('server-retry-logs'), scopeLogs: [{ scope: { name: 't' }, logRecords: records }] }] });
    for (let attempt = 0; attempt < 3; attempt++) expect(await post('/v1/logs', logs)).toBe(200);
    const logCount = "SELECT count() AS n FROM otel_logs WHERE ServiceName = 'server-retry-logs'";
    expect(await count(logCount)).toBe(30);
    // The same bytes under an Idempotency-Key: another request; its retry with other bytes (a record more): only that record.
    expect(await post('/v1/logs', logs, { 'idempotency-key': 'server-logs-1' })).toBe(200);
    const more = JSON.stringify({ resourceLogs: [{ resource: resource('server-retry-logs'), scopeLogs: [{ scope: { name: 't' }, logRecords: [...records, { body: { stringValue: 'one more' } }] }] }] });
    expect(await post('/v1/logs', more, { 'idempotency-key': 'server-logs-1' })).toBe(200);
    expect(await count(logCount)).toBe(61);

    const point = (i: number) => ({ attributes: [{ key: 'i', value: { intValue: String(i % 5) } }], timeUnixNano: String(BigInt(t) * 1_000_000n), asDouble: i });
    const metrics = JSON.stringify({
      resourceMetrics: [{ resource: resource('server-retry-metrics'), scopeMetrics: [{ scope: { name: 't' }, metrics: [{ name: 'server.retry.depth', gauge: { dataPoints: Array.from({ length: 12 }, (_, i) => point(i)) } }] }] }],
    });
    for (let attempt = 0; attempt < 3; attempt++) expect(await post('/v1/metrics', metrics)).toBe(200);
    const gaugeCount = "SELECT count() AS n FROM otel_metrics_gauge WHERE ServiceName = 'server-retry-metrics'";
    expect(await count(gaugeCount)).toBe(12);
    expect(await post('/v1/metrics', metrics, { 'idempotency-key': 'server-metrics-1' })).toBe(200);
    expect(await count(gaugeCount)).toBe(24);
  });

  it('runs the quality job on the server, serves its results and fires the alert rule to the webhook', async () => {
    await postAccepted(`${collector!.url}/v1/predictions`, fixturePredictions(F, (_t, positive) => (positive ? '1' : '0')));
    await postAccepted(`${collector!.url}/v1/feedback`, fixtureFeedback(F, firstBatch));
    const run = await fetch(`${collector!.url}/api/v1/jobs/quality/run`, { method: 'POST' });
    // The fixture's models' windows (those of the ingestion tests' models close as the wall clock passes them).
    const report = (await run.json()) as { units: Array<{ unit: { model: string }; windows: number }> };
    expect(report.units.filter((u) => u.unit.model === 'clf' || u.unit.model === 'reg').reduce((n, u) => n + u.windows, 0)).toBe(8);
    const { results } = await get<{ results: Array<{ windowStart: string; classification: { rocAuc: number | null } }> }>('/api/v1/quality?model=clf&version=v1');
    const w0 = results.find((r) => r.windowStart === new Date(F.t0).toISOString())!;
    expect(w0.classification.rocAuc).toBeCloseTo(F.expected.find((e) => e.model === 'clf' && e.version === 'v1' && e.window === 0)!.rocAuc!, 9);
    const fired = await hook.waitFor('/hook', (b) => b.status === 'firing');
    expect(fired.body.alerts[0].labels).toMatchObject({ alertname: 'QualityAucLow', model: 'clf', version: 'v2' });
    const { jobs } = await get<{ jobs: Array<{ job: string; units: Array<{ lastError: string | null }> }> }>('/api/v1/jobs');
    const quality = jobs.find((j) => j.job === 'quality')!;
    expect(quality.units.length).toBe(5); // clf v1, v2, reg v1, and the server-model and server-retry of the ingestion tests
    expect(quality.units.every((u) => u.lastError === null)).toBe(true);
  });

  it('runs the drift job against an uploaded reference and the SLA job against its SLO, stores both results and fires their rules', async () => {
    // Model srv, v1: a reference like windows 0 and 1; window 2 moves feature `a` and takes 500 ms a call.
    const T0 = recentStart(WINDOW);
    const r = rng(18);
    const row = (shifted: boolean) => ({ a: r.normal(shifted ? 3 : 0, 1), b: r.normal(5, 2), plan: r.pick([['free', 0.7], ['pro', 0.3]]) });
    const up = await postNdjson(`${collector!.url}/v1/references?model=srv&version=v1`, Array.from({ length: 1000 }, () => ({ features: row(false) })));
    expect(up.status).toBe(200);
    const reference = (await up.json()) as { referenceId: string; rows: number; numericFeatures: string[]; categoricalFeatures: string[] };
    expect(reference).toMatchObject({ rows: 1000, numericFeatures: ['a', 'b'], categoricalFeatures: ['plan'] });
    const traffic: unknown[] = [];
    for (let w = 0; w < 3; w++) {
      for (let i = 0; i < 300; i++) {
        traffic.push({ predictionId: `srv-${w}-${i}`, model: 'srv', version: 'v1', timestamp: T0 + w * WINDOW + i * 100, latencyMs: w === 2 ? 500 : 10 + (i % 50), features: row(w === 2) });
      }
    }
    // Moves the watermark past window 2 (allowed lateness 1 s).
    traffic.push({ predictionId: 'srv-pusher', model: 'srv', version: 'v1', timestamp: T0 + 3 * WINDOW + 10_000, latencyMs: 10 });
    await postAccepted(`${collector!.url}/v1/predictions`, traffic);

    const drift = await fetch(`${collector!.url}/api/v1/jobs/drift/run`, { method: 'POST' });
    expect(((await drift.json()) as { windowsClosed: number }).windowsClosed).toBe(3);
    const { results: driftResults } = await get<{ results: Array<{ windowStart: string; source: string; feature: string; drifted: boolean; referenceId: string; currentRows: number }> }>('/api/v1/drift?model=srv&version=v1');
    const features = driftResults.filter((d) => d.source === 'feature');
    const windowOf = (iso: string) => (Date.parse(iso) - T0) / WINDOW;
    expect(features.map((d) => [windowOf(d.windowStart), d.feature]).sort()).toEqual([0, 1, 2].flatMap((w) => [[w, 'a'], [w, 'b'], [w, 'plan']]).sort());
    expect(features.every((d) => d.referenceId === reference.referenceId && d.currentRows === 300)).toBe(true);
    expect(features.filter((d) => d.drifted).map((d) => [windowOf(d.windowStart), d.feature])).toEqual([[2, 'a']]);
    const driftFired = await hook.waitFor('/hook', (b) => b.status === 'firing' && b.alerts.some((a: any) => a.labels.alertname === 'FeatureDrift'));
    expect(driftFired.body.alerts.find((a: any) => a.labels.alertname === 'FeatureDrift').labels).toMatchObject({ model: 'srv', version: 'v1', feature: 'a' });

    const sla = await fetch(`${collector!.url}/api/v1/jobs/sla/run`, { method: 'POST' });
    expect(((await sla.json()) as { windowsClosed: number }).windowsClosed).toBe(3);
    const { results: slaResults } = await get<{ results: Array<{ slo: string; windowStart: string; rows: number; latency: { p99: number }; breached: boolean }> }>('/api/v1/sla?model=srv');
    expect(slaResults.map((x) => [x.slo, windowOf(x.windowStart), x.rows, x.breached]).sort()).toEqual([
      ['srv-latency', 0, 300, false],
      ['srv-latency', 1, 300, false],
      ['srv-latency', 2, 300, true],
    ]);
    expect(slaResults.find((x) => windowOf(x.windowStart) === 2)!.latency.p99).toBe(500);
    const slaFired = await hook.waitFor('/hook', (b) => b.status === 'firing' && b.alerts.some((a: any) => a.labels.alertname === 'LatencySlo'));
    expect(slaFired.body.alerts.find((a: any) => a.labels.alertname === 'LatencySlo').labels).toMatchObject({ model: 'srv', version: 'v1', slo: 'srv-latency' });

    // The alerts API and the alert_events table on the server agree.
    const { alerts } = await get<{ alerts: Array<{ rule: string; state: string; labels: Record<string, string> }> }>('/api/v1/alerts');
    expect(alerts.filter((a) => a.state === 'firing').map((a) => a.rule).sort()).toEqual(expect.arrayContaining(['FeatureDrift', 'LatencySlo', 'QualityAucLow']));
    const events = await (await sql.query({ query: "SELECT Rule AS rule, ToState AS to FROM alert_events WHERE ToState = 'firing' ORDER BY rule", format: 'JSONEachRow' })).json<{ rule: string; to: string }>();
    expect(new Set(events.map((e) => e.rule))).toEqual(new Set(['FeatureDrift', 'LatencySlo', 'QualityAucLow']));

    // The reference's rows are on the server, and it is deleted there.
    const [refRows] = await (await sql.query({ query: 'SELECT count() AS n FROM reference_data WHERE ReferenceId = {id:String}', query_params: { id: reference.referenceId }, format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(refRows!.n)).toBe(1000);
    expect((await fetch(`${collector!.url}/api/v1/references?model=srv&version=v1`, { method: 'DELETE' })).status).toBe(200);
    expect((await get<{ references: unknown[] }>('/api/v1/references?model=srv')).references).toEqual([]);
  });

  it('answers 503 with Retry-After while the server refuses inserts (TOO_MANY_PARTS), names the table in /readyz, and recovers', async () => {
    await sql.command({ query: 'SYSTEM STOP MERGES feedback' });
    await sql.command({ query: 'ALTER TABLE feedback MODIFY SETTING parts_to_throw_insert = 1' });
    try {
      const body = JSON.stringify({ predictionId: 'late-1', model: 'server-model', version: 'v1', label: 'no' });
      const refused = await fetch(`${collector!.url}/v1/feedback`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
      const ready = await fetch(`${collector!.url}/readyz`);
      expect(ready.status).toBe(503);
      expect(JSON.stringify(await ready.json())).toMatch(/feedback.*TOO_MANY_PARTS|Too many parts/);
    } finally {
      await sql.command({ query: 'ALTER TABLE feedback RESET SETTING parts_to_throw_insert' });
      await sql.command({ query: 'SYSTEM START MERGES feedback' });
    }
    await postAccepted(`${collector!.url}/v1/feedback`, [{ predictionId: 'late-1', model: 'server-model', version: 'v1', label: 'no' }]);
    expect((await fetch(`${collector!.url}/readyz`)).status).toBe(200);
  });

  it('keeps everything across a restart, with no migration to apply', async () => {
    expect(await collector!.stop()).toBe(0);
    collector = await startCollector({ dataDir: join(dir, 'data'), args: ['--config', join(dir, 'collector.yaml')], env });
    expect(collector.output.some((l) => l.includes('schema migrations applied'))).toBe(false);
    const { predictions } = await get<{ predictions: Array<{ predictionId: string }> }>('/api/v1/predictions?model=server-model');
    expect(predictions.map((p) => p.predictionId).sort()).toEqual(['s-1', 's-2']);
  });
});
