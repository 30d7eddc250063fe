import { context, diag, DiagLogLevel, SpanStatusCode, trace } from '@opentelemetry/api';
import { afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { instrument } from './instrument.js';
import { capturePredictionIds, getPredictionId } from './prediction-context.js';
import { createMonitor } from './create-monitor.js';
import { InMemoryPredictionExporter } from './InMemoryPredictionExporter.js';
import { TestContextManager, testMonitor } from './internal/testing/test-setup.js';

beforeAll(() => {
  context.setGlobalContextManager(new TestContextManager());
});

afterEach(() => {
  vi.restoreAllMocks();
  diag.disable();
});

describe('instrument: types', () => {
  it('returns exactly the type of the wrapped function', () => {
    const { monitor } = testMonitor();
    const asyncFn = async (x: { age: number }, flag?: boolean): Promise<{ score: number }> => ({ score: x.age * (flag ? 2 : 1) });
    const syncFn = (a: string, b: number): string => a.repeat(b);
    async function* streamFn(prompt: string): AsyncGenerator<string, void, undefined> {
      yield prompt;
    }
    const batchFn = async (xs: number[]): Promise<number[]> => xs;
    expectTypeOf(monitor.instrument(asyncFn, { model: 'm', features: ([x]) => ({ age: x.age }), output: (r) => ({ score: r.score }) })).toEqualTypeOf<typeof asyncFn>();
    expectTypeOf(monitor.instrument(syncFn, { model: 'm' })).toEqualTypeOf<typeof syncFn>();
    expectTypeOf(
      monitor.instrument(streamFn, { model: 'm', kind: 'chat', output: (chunks) => ({ text: chunks.join('') }), hasContent: (chunk) => chunk !== '' }),
    ).toEqualTypeOf<typeof streamFn>();
    // A promise of a stream (openai's `create({ stream: true })`): the extractors get the chunks.
    const promiseOfStream = async (prompt: string) => streamFn(prompt);
    expectTypeOf(
      monitor.instrument(promiseOfStream, { model: 'm', kind: 'chat', output: (chunks) => ({ n: chunks.length }), hasContent: (c) => c.length > 0 }),
    ).toEqualTypeOf<typeof promiseOfStream>();
    expectTypeOf(
      monitor.instrument(batchFn, { model: 'm', kind: 'batch', features: ([xs]) => xs.map((x) => ({ x })), output: (ys) => ys.map((y) => ({ y })) }),
    ).toEqualTypeOf<typeof batchFn>();
    expectTypeOf(instrument(asyncFn, { model: 'm' })).toEqualTypeOf<typeof asyncFn>();
  });
});

describe('instrument: async calls', () => {
  it('makes one span and one prediction record that point at each other', async () => {
    const { monitor, spans, predictions } = testMonitor({ project: 'p1', environment: 'test' });
    const result = { score: 0.82, label: 'churn' };
    const predict = monitor.instrument(async (c: { age: number; plan: string }) => result, {
      model: 'churn',
      version: 'v3',
      segment: ([c]) => c.plan,
      features: ([c]) => ({ age: c.age, plan: c.plan }),
      output: (r) => ({ score: r.score, label: r.label }),
    });
    const value = await predict({ age: 41, plan: 'pro' });
    expect(value).toBe(result);
    await monitor.forceFlush();
    const [span] = spans.getFinishedSpans();
    const [record] = predictions.getFinishedPredictions();
    expect(span.name).toBe('predict churn');
    expect(span.attributes).toMatchObject({
      'inferlens.model.name': 'churn',
      'inferlens.model.version': 'v3',
      'inferlens.outcome': 'ok',
      'inferlens.project': 'p1',
      'inferlens.segment': 'pro',
      'inferlens.prediction.id': record.predictionId,
    });
    expect(record).toMatchObject({
      model: 'churn',
      version: 'v3',
      project: 'p1',
      service: 'svc',
      environment: 'test',
      segment: 'pro',
      status: 'ok',
      features: { age: 41, plan: 'pro' },
      outputs: { score: 0.82, label: 'churn' },
      sampleRate: 1,
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
    });
    expect(record.latencyMs).toBeGreaterThanOrEqual(0);
    expect(monitor.stats()).toMatchObject({ exported: 1, dropped: 0, failed: 0, queued: 0 });
  });

  it('rejects with the same error object and records the failure', async () => {
    const { monitor, spans, predictions } = testMonitor();
    class TimeoutError extends Error {}
    const boom = new TimeoutError('model timed out');
    const predict = monitor.instrument(async (_x: number): Promise<number> => {
      throw boom;
    }, { model: 'm' });
    await expect(predict(1)).rejects.toBe(boom);
    await monitor.forceFlush();
    const [span] = spans.getFinishedSpans();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['error.type']).toBe('TimeoutError');
    expect(span.attributes['inferlens.outcome']).toBe('error');
    expect(span.events.map((e) => e.name)).toContain('exception');
    expect(predictions.getFinishedPredictions()[0]).toMatchObject({ status: 'error', errorType: 'TimeoutError' });
  });

  it('is a child of the active span', async () => {
    const { monitor, spans, provider } = testMonitor();
    const parent = provider.getTracer('host').startSpan('handler');
    const predict = monitor.instrument(async () => 1, { model: 'm' });
    await context.with(trace.setSpan(context.active(), parent), () => predict());
    parent.end();
    const child = spans.getFinishedSpans().find((s) => s.name === 'predict m')!;
    expect(child.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(child.spanContext().traceId).toBe(parent.spanContext().traceId);
  });

  it('keeps a Promise subclass object: its class, its methods, its value', async () => {
    class ApiPromise<T> extends Promise<T> {
      extra(): string {
        return 'kept';
      }
    }
    const { monitor, predictions } = testMonitor();
    const original = new ApiPromise<number>((resolve) => resolve(7));
    const predict = monitor.instrument((): ApiPromise<number> => original, { model: 'm', output: (n) => ({ n }) });
    const returned = predict();
    expect(returned).toBeInstanceOf(ApiPromise);
    expect(returned.extra()).toBe('kept');
    expect(await returned).toBe(7);
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions()[0].outputs).toEqual({ n: 7 });
  });
});

describe('instrument: sync calls', () => {
  it('stays synchronous and throws the same error object', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const add = monitor.instrument((a: number, b: number) => a + b, { model: 'adder', output: (r) => ({ sum: r }) });
    const value = add(2, 3);
    expect(value).toBe(5);
    const err = new RangeError('bad');
    const fail = monitor.instrument((): number => {
      throw err;
    }, { model: 'adder' });
    expect(() => fail()).toThrow(err);
    expect(spans.getFinishedSpans()).toHaveLength(2);
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions().map((r) => [r.status, r.outputs])).toEqual([
      ['ok', { sum: 5 }],
      ['error', {}],
    ]);
  });

  it('keeps this, name and length', () => {
    const { monitor } = testMonitor();
    const model = {
      bias: 10,
      predict(x: number): number {
        return x + this.bias;
      },
    };
    model.predict = monitor.instrument(model.predict, { model: 'm' });
    expect(model.predict(1)).toBe(11);
    expect(model.predict.name).toBe('predict');
    expect(model.predict.length).toBe(1);
  });
});

describe('instrument: never hurts the host', () => {
  it('runs the call and returns its value when an extractor throws', async () => {
    const errors: string[] = [];
    diag.setLogger({ error: (m) => errors.push(m), warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.ERROR);
    const { monitor, predictions } = testMonitor();
    const predict = monitor.instrument(async (x: number) => x * 2, {
      model: 'm',
      features: () => {
        throw new Error('bad features');
      },
      output: () => {
        throw new Error('bad output');
      },
    });
    expect(await predict(21)).toBe(42);
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions()).toHaveLength(1);
    expect(errors.some((m) => m.includes('bad features'))).toBe(true);
    expect(errors.some((m) => m.includes('bad output'))).toBe(true);
  });

  it('passes calls straight through when the tracer throws', async () => {
    diag.setLogger({ error: () => {}, warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.ERROR);
    const broken = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer down');
        },
        startActiveSpan: () => {
          throw new Error('tracer down');
        },
      }),
    };
    const { monitor } = testMonitor({ tracerProvider: broken as never });
    const predict = monitor.instrument(async (x: number) => x + 1, { model: 'm' });
    expect(await predict(1)).toBe(2);
  });

  it('passes calls straight through before a monitor exists and after shutdown', async () => {
    const predictions = new InMemoryPredictionExporter();
    const fn = vi.fn(async (x: number) => x);
    const predict = instrument(fn, { model: 'm' });
    expect(await predict(1)).toBe(1);
    const monitor = createMonitor({ serviceName: 's', exporter: predictions, tracerProvider: testMonitor().provider });
    expect(await predict(2)).toBe(2);
    await monitor.shutdown();
    expect(await predict(3)).toBe(3);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(predictions.getFinishedPredictions().map((r) => r.predictionId)).toHaveLength(1);
    expect(monitor.stats()).toMatchObject({ exported: 1, dropped: 0, failed: 0, queued: 0 });
  });
});

describe('prediction ids', () => {
  it('are readable inside the call and captured per caller, also under concurrency', async () => {
    const { monitor, predictions } = testMonitor();
    const seenInside: Record<number, string | undefined> = {};
    const predict = monitor.instrument(
      async (x: number) => {
        await new Promise((r) => setImmediate(r));
        seenInside[x] = getPredictionId();
        return x;
      },
      { model: 'm', features: ([x]) => ({ x }) },
    );
    const runs = await Promise.all(
      [1, 2, 3, 4].map(async (x) => {
        const { result, predictionIds } = capturePredictionIds(() => predict(x));
        await result;
        return { x, ids: predictionIds };
      }),
    );
    await monitor.forceFlush();
    const byId = new Map(predictions.getFinishedPredictions().map((r) => [r.predictionId, r.features?.x]));
    for (const { x, ids } of runs) {
      expect(ids).toHaveLength(1);
      expect(byId.get(ids[0])).toBe(x);
      expect(seenInside[x]).toBe(ids[0]);
    }
    expect(getPredictionId()).toBeUndefined();
  });

  it('can come from the caller', async () => {
    const { monitor, predictions } = testMonitor();
    const predict = monitor.instrument(async (req: { id: string }) => 1, { model: 'm', predictionId: ([req]) => `req-${req.id}` });
    await predict({ id: '42' });
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions()[0].predictionId).toBe('req-42');
  });
});
