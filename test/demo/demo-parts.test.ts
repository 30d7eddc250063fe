import { describe, expect, it } from 'vitest';
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
// The demo is plain ES modules (examples/demo); these are its parts, not a copy of them.
import { loadWeather, parseWeather } from '../../examples/demo/weather.mjs';
import { trainBaseline, trainCandidate, UnknownCategory } from '../../examples/demo/models.mjs';
import { ReplayClock, replayTracerProvider } from '../../examples/demo/replay-clock.mjs';

const hrMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the demo: data, models and compressed clock', () => {
  it('reads the weather of both cities from vega-datasets, with tomorrow’s rain as the truth', () => {
    const days = loadWeather();
    expect(days.length).toBe(2922);
    expect(new Set(days.map((d) => d.city))).toEqual(new Set(['Seattle', 'New York']));
    const seattle = days.filter((d) => d.city === 'Seattle');
    // 2012-01-02 had 10.9 mm of rain: the truth of 2012-01-01 is "rain"; the last day has none.
    expect(seattle[0]).toMatchObject({ date: '2012-01-01', precipitation: 0, weather: 'drizzle', rainTomorrow: 'rain' });
    expect(seattle.at(-1)!.rainTomorrow).toBeNull();
    expect(() => parseWeather('date,precipitation\n')).toThrow(/unexpected header/);
  });

  it('trains v1 better than v2 on 2014–2015, and v2 refuses a category it never saw', () => {
    const days = loadWeather().filter((d) => d.rainTomorrow !== null);
    const v1 = trainBaseline(days.filter((d) => d.date < '2014-01-01'));
    const v2 = trainCandidate(days.filter((d) => d.date >= '2013-06-01' && d.date < '2013-09-01'));
    const test = days.filter((d) => d.date >= '2014-01-01');
    const accuracy = (m: typeof v1) => {
      let right = 0;
      let answered = 0;
      for (const d of test) {
        try {
          right += m.predict(d).label === d.rainTomorrow ? 1 : 0;
          answered++;
        } catch (e) {
          expect(e).toBeInstanceOf(UnknownCategory);
        }
      }
      return { accuracy: right / answered, refused: test.length - answered };
    };
    const a = accuracy(v1);
    const b = accuracy(v2);
    expect(a.refused).toBe(0);
    expect(a.accuracy).toBeGreaterThan(0.68);
    expect(b.accuracy).toBeLessThan(a.accuracy - 0.04);
    // Snow never fell in summer 2013.
    expect(b.refused).toBe(test.filter((d) => d.weather === 'snow').length);
    expect(() => v2.predict({ ...test[0]!, weather: 'snow' })).toThrow(/weather "snow" was not in the training data/);
    const p = v1.predict(test[0]!);
    expect(p.score).toBeGreaterThan(0);
    expect(p.score).toBeLessThan(1);
    expect(p.label).toBe(p.score >= 0.5 ? 'rain' : 'dry');
  }, 30_000);

  it('runs event time faster than the wall clock until it catches up, never ahead of it', async () => {
    const now = Date.now();
    const clock = new ReplayClock({ startMs: now - 10_000, speed: 50, marginMs: 1000 });
    const t0 = clock.now();
    expect(t0).toBeGreaterThanOrEqual(now - 10_000);
    expect(t0).toBeLessThan(now - 9_000);
    // 50 ms of wall time are 2.5 s of event time.
    await sleep(50);
    expect(clock.now() - t0).toBeGreaterThan(2_000);
    // 9 s behind at 50x: caught up after about 180 ms, then one ms per ms, 1 s behind the wall clock.
    await sleep(300);
    const caughtUp = clock.now();
    expect(Date.now() - caughtUp).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - caughtUp).toBeLessThan(1100);
    expect(clock.wallDelayUntil(caughtUp + 500)).toBeGreaterThan(400);
    expect(clock.wallDelayUntil(caughtUp - 1)).toBe(0);
  });

  it('stamps spans with the replay clock at their start and real time after it', async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const start = Date.now() - 3_600_000;
    const clock = new ReplayClock({ startMs: start, speed: 1 });
    const tracer = replayTracerProvider(provider, clock).getTracer('t');
    await tracer.startActiveSpan('parent', async (parent) => {
      const child = tracer.startSpan('child');
      await sleep(30);
      child.addEvent('first_chunk');
      child.recordException(new Error('boom'));
      child.end();
      parent.end();
    });
    const spans = exporter.getFinishedSpans();
    const child = spans.find((s) => s.name === 'child')!;
    const parent = spans.find((s) => s.name === 'parent')!;
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    const childStart = hrMs(child.startTime);
    // An hour back, as the clock says, not now.
    expect(childStart - start).toBeGreaterThanOrEqual(0);
    expect(childStart - start).toBeLessThan(1_000);
    // The duration and the event are real time after the start.
    expect(hrMs(child.duration)).toBeGreaterThanOrEqual(25);
    expect(hrMs(child.duration)).toBeLessThan(1_000);
    const [chunk, exception] = child.events;
    expect(chunk!.name).toBe('first_chunk');
    expect(hrMs(chunk!.time) - childStart).toBeGreaterThanOrEqual(25);
    expect(hrMs(chunk!.time)).toBeLessThanOrEqual(hrMs(child.endTime));
    expect(exception!.name).toBe('exception');
    expect(hrMs(exception!.time)).toBeLessThan(Date.now() - 3_000_000);
    await provider.shutdown();
  });

  it('starts a child span at its parent’s start plus the real time since, not on the faster clock', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    // 1000x: 20 ms of real time are 20 s on this clock.
    const clock = new ReplayClock({ startMs: Date.now() - 3_600_000, speed: 1000 });
    const tracer = replayTracerProvider(provider, clock).getTracer('t');
    await tracer.startActiveSpan('request', async (root) => {
      await sleep(20);
      tracer.startSpan('model').end();
      root.end();
    });
    const spans = exporter.getFinishedSpans();
    const root = spans.find((s) => s.name === 'request')!;
    const child = spans.find((s) => s.name === 'model')!;
    const offset = hrMs(child.startTime) - hrMs(root.startTime);
    expect(offset).toBeGreaterThanOrEqual(15);
    expect(offset).toBeLessThan(1_000);
    expect(hrMs(child.endTime)).toBeLessThanOrEqual(hrMs(root.endTime) + 1);
    await provider.shutdown();
  });
});
