import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { clickHouseHttpEnv, clickHouseHttpListening, removeDir, startCollector, tempDataDir, type CollectorProcess } from '../helpers/collector-process.js';

// Retries of OTLP logs and metrics requests already stored, against a collector child process:
// a log record or a data point has no id, so a row is named by its request's key (the body's
// bytes, or the Idempotency-Key header) and its number among that request's rows. The official
// protobuf exporters retry through a proxy that drops the collector's first answer (after the
// rows were stored) and answers 503 instead: what the exporter sees when a collector is killed
// between storing and answering, or a load balancer times out.

const USER = 'reader';
const PASSWORD = 'exactly-once-otlp';

let collector: CollectorProcess;
let ch: ClickHouseClient;
const dataDir = tempDataDir();

beforeAll(async () => {
  collector = await startCollector({
    dataDir,
    // The embedded store, even when the suites run against a server (the counts go through its HTTP interface).
    env: clickHouseHttpEnv(USER, PASSWORD),
  });
  ch = createClient({ url: `http://127.0.0.1:${clickHouseHttpListening(collector).port}`, username: USER, password: PASSWORD, log: { level: ClickHouseLogLevel.OFF } });
});

afterAll(async () => {
  await ch?.close();
  await collector?.stop();
  removeDir(dataDir);
});

/** Rows of `table` sent by `service`. */
async function count(table: string, service: string): Promise<number> {
  const rs = await ch.query({ query: `SELECT count() AS n FROM ${table} WHERE ServiceName = {service:String}`, query_params: { service }, format: 'JSONEachRow' });
  return Number((await rs.json<{ n: string }>())[0]!.n);
}

/** Distinct `(body, timestamp)` pairs and rows of `service` in otel_logs. */
async function logRows(service: string): Promise<{ rows: number; distinct: number }> {
  const rs = await ch.query({
    query: 'SELECT count() AS rows, uniqExact(Body, Timestamp) AS distinct FROM otel_logs WHERE ServiceName = {service:String}',
    query_params: { service },
    format: 'JSONEachRow',
  });
  const [r] = await rs.json<{ rows: string; distinct: string }>();
  return { rows: Number(r!.rows), distinct: Number(r!.distinct) };
}

/** A proxy in front of the collector that answers 503 instead of the collector's answer `drop` times (the rows are stored then), and keeps every body it forwarded. */
interface LossyProxy {
  url: string;
  /** Bodies forwarded, in order, with the collector's status and what the client got. */
  requests: Array<{ body: Buffer; stored: number; answered: number }>;
  drop: number;
  close(): Promise<void>;
}

async function lossyProxy(target: string): Promise<LossyProxy> {
  const proxy: LossyProxy = { url: '', requests: [], drop: 0, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const headers: Record<string, string> = {};
      for (const h of ['content-type', 'content-encoding', 'idempotency-key']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
      void fetch(target + req.url, { method: 'POST', body, headers }).then(
        async (answer) => {
          const bytes = Buffer.from(await answer.arrayBuffer());
          const dropped = answer.status === 200 && proxy.drop > 0;
          if (dropped) proxy.drop--;
          const status = dropped ? 503 : answer.status;
          proxy.requests.push({ body, stored: answer.status, answered: status });
          if (dropped) res.writeHead(503, { 'retry-after': '0' }).end();
          else res.writeHead(status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' }).end(bytes);
        },
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => new Promise((resolve) => server.close(() => resolve()));
  return proxy;
}

/** Runs `use` with a {@link lossyProxy} in front of the collector, closed after it. */
async function throughLossyProxy<T>(use: (proxy: LossyProxy) => Promise<T>): Promise<T> {
  const proxy = await lossyProxy(collector.url);
  try {
    return await use(proxy);
  } finally {
    await proxy.close();
  }
}

/** Flushes `provider`'s one export through `proxy` with its answer dropped once: the request reached the collector twice, byte for byte (stored, answered 503, retried). */
async function flushDroppedOnce(proxy: LossyProxy, provider: { forceFlush(): Promise<void> }): Promise<void> {
  proxy.drop = 1;
  await provider.forceFlush();
  expect(proxy.requests.map((r) => [r.stored, r.answered])).toEqual([
    [200, 503],
    [200, 200],
  ]);
  expect(proxy.requests[0]!.body.equals(proxy.requests[1]!.body)).toBe(true);
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function postLogs(body: Buffer, headers: Record<string, string> = {}): Promise<number> {
  const r = await fetch(`${collector.url}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/x-protobuf', ...headers } });
  await r.arrayBuffer();
  return r.status;
}

describe('a retried OTLP logs request stores no log record twice', () => {
  it('the official protobuf exporter retrying an export whose answer it did not get; replays, Idempotency-Key, and a new export of the same records', async () => {
    const service = 'retry-logs';
    await throughLossyProxy(async (proxy) => {
      const provider = new LoggerProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${proxy.url}/v1/logs` }), scheduledDelayMillis: 3_600_000 })],
      });
      const logger = provider.getLogger('retry-logs', '1.0.0');
      const at = Date.now() - 60_000;
      // Equal records but for their time (and the observed time the SDK gives each).
      const emitAll = () => {
        for (const i of range(40)) logger.emit({ body: `line ${i % 10}`, severityNumber: SeverityNumber.INFO, severityText: 'INFO', timestamp: at + i, attributes: { i } });
      };
      emitAll();
      // One request of 40 records.
      await flushDroppedOnce(proxy, provider);
      expect(await logRows(service)).toEqual({ rows: 40, distinct: 40 });

      // The same bytes again, straight to the collector, twice: nothing more.
      const first = proxy.requests[0]!.body;
      expect(await postLogs(first)).toBe(200);
      expect(await postLogs(first)).toBe(200);
      expect(await logRows(service)).toEqual({ rows: 40, distinct: 40 });

      // The same bytes under an Idempotency-Key are another request (the key names it): stored
      // once more; then the same key with other bytes (the body gzipped) is its retry: nothing more.
      const key = { 'idempotency-key': `logs-${Date.now()}` };
      expect(await postLogs(first, key)).toBe(200);
      expect(await logRows(service)).toEqual({ rows: 80, distinct: 40 });
      expect(await postLogs(gzipSync(first), { ...key, 'content-encoding': 'gzip' })).toBe(200);
      expect(await logRows(service)).toEqual({ rows: 80, distinct: 40 });

      // A new export of the same records (the SDK gives them new observed times) is not a retry: stored again.
      emitAll();
      await provider.forceFlush();
      await provider.shutdown();
      expect(proxy.requests.map((r) => r.answered)).toEqual([503, 200, 200]);
      expect(await logRows(service)).toEqual({ rows: 120, distinct: 40 });
    });
  });

  it('a request of 300 records, some equal, dropped twice; then under an Idempotency-Key, first its 200 first records, then all 300', async () => {
    const service = 'retry-logs-batch';
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource: resourceFromAttributes({ 'service.name': service }), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
    const logger = provider.getLogger('retry-logs-batch');
    const at = Date.now() - 120_000;
    // Every third record is the same: nothing but its place tells them apart.
    for (const i of range(300)) logger.emit({ body: i % 3 === 0 ? 'same' : `record ${i}`, timestamp: at + (i % 3 === 0 ? 0 : i) });
    await provider.forceFlush();
    const records = memory.getFinishedLogRecords();
    expect(records).toHaveLength(300);
    const sent = await throughLossyProxy(async (proxy) => {
      const exporter = new OTLPLogExporter({ url: `${proxy.url}/v1/logs` });
      proxy.drop = 2;
      const result = await new Promise<{ code: number }>((resolve) => exporter.export(records, resolve));
      expect(result.code).toBe(0);
      expect(proxy.requests.map((r) => [r.stored, r.answered])).toEqual([
        [200, 503],
        [200, 503],
        [200, 200],
      ]);
      expect(new Set(proxy.requests.map((r) => r.body.toString('base64'))).size).toBe(1);
      expect(await count('otel_logs', service)).toBe(300);
      await exporter.shutdown();
      return proxy.requests[0]!.body;
    });
    // The exporter's own serializer gives the bytes it sent: a replay of them stores nothing.
    const all = Buffer.from(ProtobufLogsSerializer.serializeRequest(records)!);
    expect(all.equals(sent)).toBe(true);
    expect(await postLogs(all)).toBe(200);
    expect(await count('otel_logs', service)).toBe(300);
    // A client that regrouped its records between attempts under one key: its first 200, then all
    // 300 (its retry): 200 stored, then the 100 after them.
    const key = { 'idempotency-key': `batch-${Date.now()}` };
    expect(await postLogs(Buffer.from(ProtobufLogsSerializer.serializeRequest(records.slice(0, 200))!), key)).toBe(200);
    expect(await count('otel_logs', service)).toBe(500);
    expect(await postLogs(all, key)).toBe(200);
    expect(await postLogs(all, key)).toBe(200);
    expect(await count('otel_logs', service)).toBe(600);
    await provider.shutdown();
  });

  it('records without a time of their own, which the collector stores at the time it receives them: a retry seconds later stores nothing', async () => {
    const service = 'retry-logs-untimed';
    const body = JSON.stringify({
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
          scopeLogs: [{ scope: { name: 't' }, logRecords: range(25).map((i) => ({ body: { stringValue: `untimed ${i}` } })) }],
        },
      ],
    });
    const post = () => fetch(`${collector.url}/v1/logs`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then((r) => r.status);
    expect(await post()).toBe(200);
    const stored = await ch.query({ query: 'SELECT max(Timestamp) AS t FROM otel_logs WHERE ServiceName = {service:String}', query_params: { service }, format: 'JSONEachRow' });
    const firstTime = (await stored.json<{ t: string }>())[0]!.t;
    // The retries come a second later: their rows get other receive times.
    await new Promise((r) => setTimeout(r, 1100));
    expect(await post()).toBe(200);
    expect(await post()).toBe(200);
    expect(await count('otel_logs', service)).toBe(25);
    const again = await ch.query({ query: 'SELECT max(Timestamp) AS t FROM otel_logs WHERE ServiceName = {service:String}', query_params: { service }, format: 'JSONEachRow' });
    expect((await again.json<{ t: string }>())[0]!.t).toBe(firstTime);
  });
});

describe('a retried OTLP metrics request stores no data point twice', () => {
  it('the official protobuf exporter retrying an export whose answer it did not get; a second collection of the same series is stored', async () => {
    const service = 'retry-metrics';
    await throughLossyProxy(async (proxy) => {
      const provider = new MeterProvider({
        resource: resourceFromAttributes({ 'service.name': service }),
        readers: [new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${proxy.url}/v1/metrics` }), exportIntervalMillis: 3_600_000 })],
      });
      const meter = provider.getMeter('retry-metrics');
      const counter = meter.createCounter('retry.requests');
      const histogram = meter.createHistogram('retry.latency', { advice: { explicitBucketBoundaries: [0.1, 1] } });
      const gauge = meter.createGauge('retry.depth');
      for (const i of range(20)) {
        counter.add(i + 1, { route: `/r${i}` });
        if (i < 10) histogram.record(i / 10, { route: `/r${i}` });
        if (i < 5) gauge.record(7, { queue: `q${i}` });
      }
      await flushDroppedOnce(proxy, provider);
      expect([await count('otel_metrics_sum', service), await count('otel_metrics_histogram', service), await count('otel_metrics_gauge', service)]).toEqual([20, 10, 5]);

      // The first request's bytes again, straight to the collector: nothing more.
      const r = await fetch(`${collector.url}/v1/metrics`, { method: 'POST', body: proxy.requests[0]!.body, headers: { 'content-type': 'application/x-protobuf' } });
      expect(r.status).toBe(200);
      expect([await count('otel_metrics_sum', service), await count('otel_metrics_histogram', service), await count('otel_metrics_gauge', service)]).toEqual([20, 10, 5]);

      // The next collection repeats the cumulative points, maybe within the same second (equal
      // series, start and whole-second time): another request, stored.
      await provider.forceFlush();
      await provider.shutdown();
      expect(proxy.requests.slice(2).map((x) => x.answered)).toEqual(proxy.requests.slice(2).map(() => 200));
      const exports = proxy.requests.length - 1;
      expect([await count('otel_metrics_sum', service), await count('otel_metrics_histogram', service)]).toEqual([20 * exports, 10 * exports]);
    });
  });
});
