import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { createMonitor } from './create-monitor.js';
import { InMemoryPredictionExporter } from './InMemoryPredictionExporter.js';
import { hasGlobalTracerProvider } from './internal/tracing.js';

// Own file: it registers a global tracer provider, and each test file runs in its own process.
describe('tracer provider selection', () => {
  it('starts an own provider when none is registered, and uses the host one when it is', async () => {
    expect(hasGlobalTracerProvider()).toBe(false);
    const spans = new InMemorySpanExporter();
    const host = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    expect(trace.setGlobalTracerProvider(host)).toBe(true);
    expect(hasGlobalTracerProvider()).toBe(true);
    const predictions = new InMemoryPredictionExporter();
    const monitor = createMonitor({ serviceName: 's', exporter: predictions, endpoint: 'http://127.0.0.1:9' });
    const predict = monitor.instrument(async () => 'ok', { model: 'm' });
    await predict();
    await monitor.shutdown();
    const [span] = spans.getFinishedSpans();
    expect(span.instrumentationScope.name).toBe('@inferlens/sdk');
    expect(predictions.getFinishedPredictions()[0].traceId).toBe(span.spanContext().traceId);
  });
});
