import { describe, expect, it } from 'vitest';
import { capturePredictionIds } from './prediction-context.js';
import { testMonitor } from './internal/testing/test-setup.js';

describe('Monitor.startPrediction', () => {
  it('ends with outputs, fails with an error, and only once', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const { result: ok, predictionIds } = capturePredictionIds(() => monitor.startPrediction({ model: 'fraud', features: { amount: 120.5 } }));
    expect(predictionIds).toEqual([ok.predictionId]);
    ok.end({ output: { score: 0.9 } });
    ok.fail(new Error('ignored: already ended'));
    const bad = monitor.startPrediction({ model: 'fraud', predictionId: 'mine-1' });
    bad.fail(new TypeError('bad input'));
    await monitor.forceFlush();
    const records = predictions.getFinishedPredictions();
    expect(records.map((r) => [r.predictionId, r.status, r.errorType, r.outputs])).toEqual([
      [ok.predictionId, 'ok', '', { score: 0.9 }],
      ['mine-1', 'error', 'TypeError', {}],
    ]);
    expect(records[0].traceId).toBe(ok.traceId);
    expect(spans.getFinishedSpans()).toHaveLength(2);
  });
});

describe('Monitor.feedback', () => {
  it('queues labels and values and drops invalid feedback, counted', async () => {
    const { monitor, feedback } = testMonitor({ project: 'p' });
    monitor.feedback('p-1', { label: 'churned' });
    monitor.feedback('p-2', { value: 149.5, model: 'm' });
    monitor.feedback('', { label: 'x' });
    await monitor.forceFlush();
    expect(feedback.getFinishedFeedback().map((f) => [f.predictionId, f.label, f.value, f.project])).toEqual([
      ['p-1', 'churned', undefined, 'p'],
      ['p-2', undefined, 149.5, 'p'],
    ]);
    expect(monitor.stats().feedback).toEqual({ exported: 2, dropped: 1, failed: 0, queued: 0 });
  });
});

describe('sampling', () => {
  it('records the configured share, stores the rate, still traces every call', async () => {
    const { monitor, spans, predictions } = testMonitor({ sampleRate: 0.25 });
    const predict = monitor.instrument((x: number) => x, { model: 'm', features: ([x]) => ({ x }) });
    const n = 4000;
    for (let i = 0; i < n; i++) predict(i);
    await monitor.forceFlush();
    const records = predictions.getFinishedPredictions();
    // Binomial(4000, 0.25): mean 1000, sd 27; the bounds are 5.5 sd wide.
    expect(records.length).toBeGreaterThan(850);
    expect(records.length).toBeLessThan(1150);
    expect(records.every((r) => r.sampleRate === 0.25)).toBe(true);
    expect(spans.getFinishedSpans()).toHaveLength(n);
    expect(monitor.stats()).toMatchObject({ exported: records.length, sampledOut: n - records.length, dropped: 0 });
  });
});

describe('feature policy', () => {
  it('applies allow, deny, drop and hash before anything is queued', async () => {
    const { monitor, predictions } = testMonitor({
      features: { allow: ['age', 'email', 'phone', 'ssn', 'score'], deny: ['ssn'], redact: { email: 'hash', phone: 'drop' }, hashKey: 'k' },
    });
    const predict = monitor.instrument((u: Record<string, unknown>) => ({ score: 1, internal: 'x' }), {
      model: 'm',
      features: ([u]) => u as never,
      output: (r) => r,
    });
    predict({ age: 41, email: 'a@b.c', phone: '555', ssn: '123', city: 'Paris', nested: { a: 1 } });
    predict({ age: 42, email: 'a@b.c' });
    await monitor.forceFlush();
    const [a, b] = predictions.getFinishedPredictions();
    expect(Object.keys(a.features!).sort()).toEqual(['age', 'email']);
    expect(a.features!.email).toMatch(/^[0-9a-f]{32}$/);
    expect(a.features!.email).not.toContain('a@b.c');
    expect(b.features!.email).toBe(a.features!.email); // same value, same hash
    expect(a.outputs).toEqual({ score: 1 });
  });
});

describe('shutdown', () => {
  it('flushes what is queued and returns; stats add up', async () => {
    const { monitor, predictions } = testMonitor({ batch: { scheduledDelayMillis: 60_000 } });
    const predict = monitor.instrument((x: number) => x, { model: 'm' });
    for (let i = 0; i < 10; i++) predict(i);
    expect(monitor.stats()).toMatchObject({ queued: 10, exported: 0 });
    await monitor.shutdown();
    expect(predictions.getFinishedPredictions()).toHaveLength(10);
    expect(monitor.stats()).toMatchObject({ exported: 10, dropped: 0, failed: 0, queued: 0 });
  });
});
