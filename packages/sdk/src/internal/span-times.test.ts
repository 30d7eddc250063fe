import { context, ProxyTracerProvider } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hrTimeMillis } from './span-times.js';
import { TestContextManager, testMonitor } from './testing/test-setup.js';

beforeAll(() => {
  context.setGlobalContextManager(new TestContextManager());
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('call timing', () => {
  it('takes latency and timestamp from a recording span, without performance.now of its own', async () => {
    const { monitor, spans, predictions, provider } = testMonitor();
    const predict = monitor.instrument(async (x: number) => x * 2, { model: 'm' });
    const now = vi.spyOn(performance, 'now');
    provider.getTracer('bare').startSpan('bare').end();
    const bare = now.mock.calls.length;
    await predict(21);
    // No clock reading besides the span's own.
    expect(now.mock.calls.length - bare).toBe(bare);
    await monitor.forceFlush();
    const span = spans.getFinishedSpans()[1];
    const [record] = predictions.getFinishedPredictions();
    // To the nanosecond (toNanosecond): the span's duration is no finer.
    expect(record.latencyMs).toBe(Math.round(hrTimeToMilliseconds(span.duration) * 1e6) / 1e6);
    expect(record.timestamp).toBe(hrTimeToMilliseconds(span.startTime));
  });

  it("times a stream's first chunk by the span's event", async () => {
    const { monitor, spans } = testMonitor();
    const stream = monitor.instrument(
      async function* () {
        yield 'a';
        yield 'b';
      },
      { model: 'm', kind: 'chat' },
    );
    for await (const _ of stream()) {
      // consume
    }
    await monitor.forceFlush();
    const [span] = spans.getFinishedSpans();
    const event = span.events.find((e) => e.name === 'inferlens.first_chunk');
    expect(event).toBeDefined();
    const expected = hrTimeToMilliseconds(event!.time) - hrTimeToMilliseconds(span.startTime);
    expect(span.attributes['inferlens.stream.time_to_first_chunk_ms']).toBeCloseTo(expected, 9);
  });

  it('falls back to performance.now when the span is not recording', async () => {
    const { monitor, predictions } = testMonitor({ tracerProvider: new ProxyTracerProvider() });
    const predict = monitor.instrument((x: number) => x, { model: 'm' });
    const readings = [1000, 1042.5];
    vi.spyOn(performance, 'now').mockImplementation(() => readings.shift() ?? 2000);
    predict(1);
    await monitor.forceFlush();
    const [record] = predictions.getFinishedPredictions();
    expect(record.latencyMs).toBe(42.5);
    expect(record.timestamp).toBe(performance.timeOrigin + 1000);
  });
});

describe('hrTimeMillis', () => {
  it('converts an HrTime and refuses anything else', () => {
    expect(hrTimeMillis([1, 500_000])).toBe(1000.5);
    expect(hrTimeMillis(undefined)).toBe(-1);
    expect(hrTimeMillis([1])).toBe(-1);
    expect(hrTimeMillis(['1', 0])).toBe(-1);
    expect(hrTimeMillis([-1, 0])).toBe(-1);
    expect(hrTimeMillis([Number.NaN, 0])).toBe(-1);
  });
});
