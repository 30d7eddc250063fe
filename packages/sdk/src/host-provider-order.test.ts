import { createServer, type Server } from 'node:http';
import { diag, DiagLogLevel, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor } from './create-monitor.js';
import { InMemoryPredictionExporter } from './InMemoryPredictionExporter.js';

// Own file: it registers a global tracer provider, and each test file runs in its own process.
let server: Server | undefined;
afterAll(() => server?.close());

describe('a monitor created before the host starts OpenTelemetry', () => {
  it('keeps its own provider, and says so through diag once the host registers one', async () => {
    const warnings: string[] = [];
    const log = (m: string) => warnings.push(m);
    diag.setLogger({ error: log, warn: log, info: log, debug: log, verbose: log }, DiagLogLevel.WARN);
    let traceRequests = 0;
    server = createServer((req, res) => {
      if (req.url === '/v1/traces') traceRequests++;
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;

    const monitor = createMonitor({ serviceName: 'early', endpoint, exporter: new InMemoryPredictionExporter() });
    const predict = monitor.instrument((x: number) => x + 1, { model: 'm' });
    predict(1);
    await monitor.forceFlush();
    expect(traceRequests).toBe(1);
    // No host provider yet: nothing to say (running from source, the export worker's entry is missing: a warning of its own).
    expect(warnings.filter((w) => !w.includes('export worker could not start'))).toEqual([]);

    // The host starts its OpenTelemetry afterwards.
    const hostSpans = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(hostSpans)] }));
    predict(2);
    predict(3);
    await monitor.forceFlush();
    predict(4);
    await monitor.forceFlush();
    expect(traceRequests).toBe(3);
    // The spans still go to the SDK's own provider, not the host's.
    expect(hostSpans.getFinishedSpans()).toEqual([]);
    expect(monitor.stats().spans).toEqual({ exported: 4, dropped: 0, failed: 0, queued: 0 });
    const said = warnings.filter((w) => w.includes('a global tracer provider was registered after createMonitor()'));
    expect(said).toHaveLength(1);
    expect(said[0]).toContain(`exported to ${endpoint}/v1/traces`);
    expect(said[0]).toContain('Create the monitor after the host starts OpenTelemetry');
    await monitor.shutdown();
  });
});
