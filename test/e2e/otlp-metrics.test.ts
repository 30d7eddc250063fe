import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { ValueType } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  AggregationType,
  MeterProvider,
  PeriodicExportingMetricReader,
  type ExponentialHistogram,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter as OTLPMetricExporterHttp } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OTLPMetricExporterProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import { createMonitor, InMemoryPredictionExporter } from '@inferlens/sdk';
import { clickHouseHttpEnv, clickHouseHttpListening, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';
import {
  OTEL_METRICS_EXPONENTIAL_HISTOGRAM,
  OTEL_METRICS_GAUGE,
  OTEL_METRICS_HISTOGRAM,
  OTEL_METRICS_SUM,
} from '../../collector/src/store/schema/otel-metrics.js';
import { decodeRows, type TableDefinition } from '../../collector/src/store/schema/TableDefinition.js';
import { expectedModelRows } from '../helpers/metric-rows.js';

// POST /v1/metrics against a collector child process (embedded store), fed by the official
// OpenTelemetry JS metrics exporters (http/json and http/protobuf, gzip on) from a MeterProvider;
// the rows are read back, column for column, through the collector's read-only ClickHouse HTTP
// interface (RowBinary, decoded by the tables' own definitions).

const USER = 'reader';
const PASSWORD = 'metrics-e2e';

let dataDir: string;
let collector: CollectorProcess;
let ch: ClickHouseClient;

beforeAll(async () => {
  dataDir = tempDataDir();
  collector = await startCollector({
    dataDir,
    // The embedded store, even when the suites run against a server (the read-back goes through its HTTP interface).
    env: clickHouseHttpEnv(USER, PASSWORD),
  });
  ch = createClient({ url: `http://127.0.0.1:${clickHouseHttpListening(collector).port}`, username: USER, password: PASSWORD, log: { level: ClickHouseLogLevel.OFF } });
});

afterAll(async () => {
  await ch?.close();
  await collector?.stop();
  if (dataDir) removeDir(dataDir);
});

/**
 * Every row of `def` for one service, read as RowBinary and decoded by the definition, without
 * the request key and row number the collector adds (see {@link requestOf}).
 */
async function rowsOf<R>(def: TableDefinition<R>, service: string): Promise<R[]> {
  const columns = def.columns.map((c) => `\`${c}\``).join(', ');
  const result = await ch.exec({ query: `SELECT ${columns} FROM ${def.name} WHERE ServiceName = {service:String} ORDER BY MetricName FORMAT RowBinary`, query_params: { service } });
  const chunks: Buffer[] = [];
  for await (const chunk of result.stream) chunks.push(chunk as Buffer);
  return decodeRows(def, Buffer.concat(chunks)).map((row) => {
    const { IngestKey: _key, IngestRow: _row, ...rest } = row as Record<string, unknown>;
    return rest as R;
  });
}

/** The request keys of a service's rows in `table`, and their row numbers, sorted (the duplicate check's identity). */
async function requestOf(table: string, service: string): Promise<{ keys: string[]; rows: number[] }> {
  const rs = await ch.query({
    query: `SELECT groupUniqArray(IngestKey) AS keys, arraySort(groupArray(IngestRow)) AS rows FROM ${table} WHERE ServiceName = {service:String}`,
    query_params: { service },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ keys: string[]; rows: number[] }>())[0]!;
}

/** Hands every export to the official exporter and keeps what it was given and what it answered. */
class Recording implements PushMetricExporter {
  readonly sent: ResourceMetrics[] = [];
  readonly results: ExportResult[] = [];
  constructor(private readonly inner: PushMetricExporter) {}
  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.sent.push(metrics);
    this.inner.export(metrics, (result) => {
      this.results.push(result);
      done(result);
    });
  }
  selectAggregationTemporality = (t: Parameters<NonNullable<PushMetricExporter['selectAggregationTemporality']>>[0]) =>
    this.inner.selectAggregationTemporality?.(t) ?? AggregationTemporality.CUMULATIVE;
  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

const variants: Array<[string, (url: string) => PushMetricExporter]> = [
  ['http/json + gzip', (url) => new OTLPMetricExporterHttp({ url, compression: 'gzip' as never, headers: { 'x-inferlens-project': 'acme' } })],
  ['http/protobuf + gzip', (url) => new OTLPMetricExporterProto({ url, compression: 'gzip' as never, headers: { 'x-inferlens-project': 'acme' } })],
];

describe('POST /v1/metrics from the official OpenTelemetry exporters', () => {
  for (const [name, make] of variants) {
    it(`stores a gauge, a counter, an up-down counter, a histogram and an exponential histogram sent over ${name}, column for column`, async () => {
      const service = `metrics-${name.replace(/\W+/g, '-')}`;
      const exporter = new Recording(make(`${collector.url}/v1/metrics`));
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment.name': 'test' }),
        readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
        views: [{ instrumentName: 'model.latency.exp', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } }],
      });
      const meter = provider.getMeter('e2e-metrics', '1.2.3');
      meter.createGauge('model.queue.depth', { description: 'Queued requests', unit: '{request}' }).record(7.5, { model: 'fraud' });
      const counter = meter.createCounter('model.predictions', { unit: '{prediction}', valueType: ValueType.INT });
      counter.add(3, { model: 'fraud', ok: true });
      counter.add(4, { model: 'fraud', ok: true });
      meter.createUpDownCounter('model.inflight').add(-2, { model: 'fraud' });
      const histogram = meter.createHistogram('model.latency', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 0.5, 1] } });
      const exp = meter.createHistogram('model.latency.exp', { unit: 's' });
      for (const v of [0.05, 0.2, 0.3, 2]) {
        histogram.record(v, { model: 'fraud' });
        exp.record(v, { model: 'fraud' });
      }
      // One export (a second, at shutdown, would repeat the cumulative points): read back before it.
      await provider.forceFlush();
      expect(exporter.results).toHaveLength(1);
      // The collector answered the export once its rows were stored.
      expect(exporter.results.map((r) => [r.code, r.error?.message])).toEqual(exporter.results.map(() => [ExportResultCode.SUCCESS, undefined]));

      const metrics = exporter.sent[0]!.scopeMetrics[0]!.metrics;
      const scope = {
        ResourceAttributes: { 'service.name': service, 'deployment.environment.name': 'test' },
        ResourceSchemaUrl: '',
        ScopeName: 'e2e-metrics',
        ScopeVersion: '1.2.3',
        ScopeAttributes: {},
        ScopeDroppedAttrCount: 0,
        ScopeSchemaUrl: '',
        ServiceName: service,
        Project: 'acme',
      };
      const rows = expectedModelRows(metrics, scope, 'fraud', 2);

      expect(await rowsOf(OTEL_METRICS_GAUGE, service)).toEqual([rows.gauge]);
      // ORDER BY MetricName.
      expect(await rowsOf(OTEL_METRICS_SUM, service)).toEqual([rows.inflight, rows.predictions]);
      expect(await rowsOf(OTEL_METRICS_HISTOGRAM, service)).toEqual([rows.histogram]);
      expect(await rowsOf(OTEL_METRICS_EXPONENTIAL_HISTOGRAM, service)).toEqual([rows.exponentialHistogram]);
      // Every row names the export request and its place among that request's rows of its table.
      const requests = await Promise.all(['otel_metrics_gauge', 'otel_metrics_sum', 'otel_metrics_histogram', 'otel_metrics_exponential_histogram'].map((t) => requestOf(t, service)));
      expect(requests.map((r) => r.rows)).toEqual([[0], [0, 1], [0], [0]]);
      expect(new Set(requests.flatMap((r) => r.keys)).size).toBe(1);
      expect(requests[0]!.keys[0]).toMatch(/^[0-9a-f]{40}$/);
      const e = metrics.find((m) => m.descriptor.name === 'model.latency.exp')!.dataPoints[0]!.value as ExponentialHistogram;
      // The exponential buckets hold the four values.
      expect(e.positive.bucketCounts.reduce((a, b) => a + b, 0)).toBe(4);
      await provider.shutdown();
    });
  }

  it("stores the SDK's own process metrics (processMetrics, OTLP/JSON to {endpoint}/v1/metrics) in its project", async () => {
    const monitor = createMonitor({
      serviceName: 'llm-app-metrics',
      endpoint: collector.url,
      project: 'metrics-e2e',
      exporter: new InMemoryPredictionExporter(),
      registerGlobal: false,
      processMetrics: { exportIntervalMillis: 200 },
    });
    try {
      const wanted = ['nodejs.eventloop.delay.p99', 'process.cpu.utilization', 'process.memory.usage'];
      const deadline = Date.now() + 20_000;
      let names: string[] = [];
      while (!wanted.every((n) => names.includes(n))) {
        if (Date.now() > deadline) throw new Error(`process metrics not stored within 20 s; stored: ${names.join(', ')}`);
        await new Promise((r) => setTimeout(r, 200));
        const rows = [...(await rowsOf(OTEL_METRICS_GAUGE, 'llm-app-metrics')), ...(await rowsOf(OTEL_METRICS_SUM, 'llm-app-metrics'))];
        names = [...new Set(rows.map((r) => r.MetricName))];
        for (const r of rows) expect([r.Project, r.ResourceAttributes['inferlens.project']]).toEqual(['metrics-e2e', 'metrics-e2e']);
      }
      const memory = (await rowsOf(OTEL_METRICS_GAUGE, 'llm-app-metrics')).find((r) => r.MetricName === 'process.memory.usage');
      const bytes = memory?.Value ?? (await rowsOf(OTEL_METRICS_SUM, 'llm-app-metrics')).find((r) => r.MetricName === 'process.memory.usage')!.Value;
      expect(bytes).toBeGreaterThan(10 * 1024 * 1024);
    } finally {
      await monitor.shutdown();
    }
  });

  it('answers bad bodies with 400 naming what is wrong and where, and a bad point with partialSuccess naming its path', async () => {
    const post = (body: Buffer | string, type: string, headers: Record<string, string> = {}) =>
      fetch(`${collector.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': type, ...headers }, body });
    const json = await post('{"resourceMetrics": [{"scopeMetrics": {}}]}', 'application/json');
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ code: 3, message: 'json: resourceMetrics[0].scopeMetrics: expected an array, got object', details: [] });
    const notJson = await post(gzipSync('{"resourceMetrics": ['), 'application/json', { 'content-encoding': 'gzip' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/^json: invalid JSON/);
    const proto = await post(Buffer.from([0x0a, 0x05, 0x12]), 'application/x-protobuf');
    expect(proto.status).toBe(400);
    expect(proto.headers.get('content-type')).toBe('application/x-protobuf');
    expect(Buffer.from(await proto.arrayBuffer()).toString('latin1')).toContain('protobuf: truncated field at byte 2');
    const badGzip = await post(Buffer.from('not gzip'), 'application/json', { 'content-encoding': 'gzip' });
    expect(badGzip.status).toBe(400);

    const t = String(BigInt(Date.now()) * 1_000_000n);
    const partial = await post(
      JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'partial' } }] }, scopeMetrics: [{ metrics: [{ name: 'p', gauge: { dataPoints: [{ timeUnixNano: t, asDouble: 1 }, { timeUnixNano: t, asDouble: 'lots' }] } }] }] }] }),
      'application/json',
    );
    expect(partial.status).toBe(200);
    expect(await partial.json()).toEqual({
      partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 rejected: resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[1].asDouble: expected a number, got "lots"' },
    });
    expect((await rowsOf(OTEL_METRICS_GAUGE, 'partial')).map((r) => r.Value)).toEqual([1]);
  });

  it('stores points spread over 120 days, more day partitions than one insert may touch', async () => {
    const day = 86_400_000_000_000n;
    const now = BigInt(Date.now()) * 1_000_000n;
    const dataPoints = Array.from({ length: 120 }, (_, i) => ({ timeUnixNano: String(now - BigInt(i) * day), asDouble: i }));
    const body = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'many-days' } }] }, scopeMetrics: [{ metrics: [{ name: 'd', gauge: { dataPoints } }] }] }] });
    const r = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect([r.status, await r.json()]).toEqual([200, {}]);
    const rows = await rowsOf(OTEL_METRICS_GAUGE, 'many-days');
    expect(rows.map((row) => row.Value).sort((a, b) => a - b)).toEqual(dataPoints.map((p) => p.asDouble));
    expect(new Set(rows.map((row) => Math.floor(row.TimeUnix / 86_400))).size).toBe(120);
  });

  it('counts data points by signal in GET /metrics', async () => {
    const text = await (await fetch(`${collector.url}/metrics`)).text();
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(value('inferlens_records_accepted_total{signal="metrics"}')).toBeGreaterThanOrEqual(131);
    expect(value('inferlens_records_refused_total{signal="metrics",reason="invalid"}')).toBe(1);
    expect(value('inferlens_received_bytes_total{signal="metrics"}')).toBeGreaterThan(0);
  });
});
