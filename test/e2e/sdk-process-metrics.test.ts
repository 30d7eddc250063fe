import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, InMemoryPredictionExporter, type Monitor } from '@inferlens/sdk';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';

// The built SDK with `processMetrics` and no meter provider anywhere: it starts its own
// MeterProvider (official @opentelemetry/sdk-metrics and OTLP/HTTP JSON exporter) and posts to
// `{endpoint}/v1/metrics` of a local OTLP receiver, which shows exactly what it sends
// (otlp-metrics.test.ts sends it to the collector and reads the rows back).

type Json = any;

const metricNames = (body: Json): string[] =>
  (body.resourceMetrics ?? []).flatMap((rm: Json) => (rm.scopeMetrics ?? []).flatMap((sm: Json) => (sm.metrics ?? []).map((m: Json) => m.name as string)));
const resourceAttribute = (body: Json, key: string): unknown =>
  body.resourceMetrics?.[0]?.resource?.attributes?.find((a: Json) => a.key === key)?.value?.stringValue;

describe('SDK process metrics over OTLP', () => {
  let receiver: HttpReceiver;
  let monitor: Monitor;

  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });

  afterAll(async () => {
    await monitor?.shutdown();
    await receiver?.close();
  });

  it('posts CPU, memory and event-loop delay to {endpoint}/v1/metrics with the monitor\'s resource', async () => {
    monitor = createMonitor({
      serviceName: 'llm-app',
      endpoint: receiver.url,
      project: 'metrics-e2e',
      environment: 'test',
      exporter: new InMemoryPredictionExporter(),
      registerGlobal: false,
      processMetrics: { exportIntervalMillis: 300 },
    });
    const wanted = ['process.cpu.utilization', 'process.memory.usage', 'nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization'];
    const hit = await receiver.waitFor('/v1/metrics', (body) => wanted.every((n) => metricNames(body).includes(n)), 20_000);
    expect(resourceAttribute(hit.body, 'service.name')).toBe('llm-app');
    expect(resourceAttribute(hit.body, 'inferlens.project')).toBe('metrics-e2e');
    expect(resourceAttribute(hit.body, 'inferlens.environment')).toBe('test');
    const memory = hit.body.resourceMetrics[0].scopeMetrics
      .flatMap((sm: Json) => sm.metrics)
      .find((m: Json) => m.name === 'process.memory.usage');
    const bytes = Number(memory.gauge?.dataPoints?.[0]?.asInt ?? memory.sum?.dataPoints?.[0]?.asInt ?? memory.gauge?.dataPoints?.[0]?.asDouble);
    expect(bytes).toBeGreaterThan(10 * 1024 * 1024);

    // shutdown() stops the reader: one last export, then nothing more.
    await monitor.shutdown();
    const after = receiver.requests.filter((r) => r.path === '/v1/metrics').length;
    await new Promise((r) => setTimeout(r, 900)); // three export intervals
    expect(receiver.requests.filter((r) => r.path === '/v1/metrics').length).toBe(after);
  });
});
