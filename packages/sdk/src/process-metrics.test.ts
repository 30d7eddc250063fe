import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { metrics } from '@opentelemetry/api';
import { afterEach, describe, expect, it } from 'vitest';
import type { Monitor } from './Monitor.js';
import { testMonitor } from './internal/testing/test-setup.js';

/** Every data point of the metric `name` in what the exporter holds, newest export last. */
function points(exported: ResourceMetrics[], name: string): number[] {
  return exported.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.filter((m) => m.descriptor.name === name).flatMap((m) => m.dataPoints.map((p) => p.value as number))));
}

function names(exported: ResourceMetrics[]): Set<string> {
  return new Set(exported.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name))));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('processMetrics', () => {
  let monitor: Monitor | undefined;
  afterEach(async () => {
    await monitor?.shutdown();
  });

  it('records CPU, memory and event-loop delay on the given meter provider with the official packages', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
    ({ monitor } = testMonitor({ processMetrics: { meterProvider, eventLoopDelayResolutionMillis: 10 } }));
    await monitor.forceFlush(); // waits for the metrics to start
    await sleep(100);
    const blockedFrom = performance.now();
    while (performance.now() - blockedFrom < 120); // the event loop held for 120 ms
    let exported: ResourceMetrics[] = [];
    const deadline = Date.now() + 10_000;
    while (points(exported, 'nodejs.eventloop.delay.max').length === 0 && Date.now() < deadline) {
      await sleep(50);
      await meterProvider.forceFlush();
      exported = exporter.getMetrics();
    }
    const found = names(exported);
    for (const name of ['process.cpu.time', 'process.cpu.utilization', 'process.memory.usage', 'nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'v8js.memory.heap.used']) {
      expect(found, name).toContain(name);
    }
    expect(found.has('system.cpu.time')).toBe(false); // the process's groups only, by default
    // The 120 ms the loop was held shows as a delay of about that much (the histogram samples every 10 ms).
    expect(Math.max(...points(exported, 'nodejs.eventloop.delay.max'))).toBeGreaterThanOrEqual(0.1);
    const rss = points(exported, 'process.memory.usage').at(-1)!;
    expect(rss).toBeGreaterThan(10 * 1024 * 1024);
    expect(rss).toBeLessThanOrEqual(process.memoryUsage().rss * 2);
    await meterProvider.shutdown();
  });

  it('uses the host\'s global meter provider when it registered one', async () => {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const meterProvider = new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })] });
    expect(metrics.setGlobalMeterProvider(meterProvider)).toBe(true);
    try {
      ({ monitor } = testMonitor({ processMetrics: true }));
      await monitor.forceFlush();
      await meterProvider.forceFlush();
      expect(names(exporter.getMetrics())).toContain('process.memory.usage');
    } finally {
      metrics.disable();
      await meterProvider.shutdown();
    }
  });
});
