import { describe, expect, it } from 'vitest';
import { testMonitor } from './internal/testing/test-setup.js';

describe('instrument: streams', () => {
  it('passes chunks through lazily and measures first chunk, count and duration', async () => {
    const { monitor, spans, predictions } = testMonitor();
    let produced = 0;
    async function* generate(prompt: string) {
      for (const word of [prompt, 'is', 'fine']) {
        produced++;
        yield { text: word, done: word === 'fine', usage: word === 'fine' ? { in: 3, out: 3 } : undefined };
      }
    }
    const stream = monitor.instrument(generate, {
      model: 'llm',
      kind: 'chat',
      output: (c) => (c.done ? { last: c.text } : {}),
      usage: (c) => (c.usage ? { inputTokens: c.usage.in, outputTokens: c.usage.out, responseModel: 'llm-2024', finishReasons: ['stop'] } : {}),
    });
    const iterable = stream('all');
    expect(produced).toBe(0);
    const seen: string[] = [];
    for await (const chunk of iterable) {
      seen.push(chunk.text);
      expect(produced).toBe(seen.length); // nothing read ahead
      expect(spans.getFinishedSpans()).toHaveLength(0); // still open while streaming
    }
    expect(seen).toEqual(['all', 'is', 'fine']);
    await monitor.forceFlush();
    const [span] = spans.getFinishedSpans();
    expect(span.name).toBe('chat llm');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'llm',
      'gen_ai.response.model': 'llm-2024',
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'inferlens.stream.chunk_count': 3,
    });
    expect(span.attributes['inferlens.stream.time_to_first_chunk_ms']).toBeGreaterThanOrEqual(0);
    expect(span.events.map((e) => e.name)).toContain('inferlens.first_chunk');
    const [record] = predictions.getFinishedPredictions();
    expect(record).toMatchObject({ inputTokens: 3, outputTokens: 3, outputs: { last: 'fine' }, status: 'ok' });
    expect(record.attributes).toMatchObject({ 'inferlens.stream.chunk_count': 3, 'gen_ai.response.finish_reasons': 'stop' });
  });

  it('instruments a stream returned through a promise, and an early break ends it', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const source = {
      extra: 'kept',
      async *[Symbol.asyncIterator]() {
        yield 1;
        yield 2;
        yield 3;
      },
    };
    const open = monitor.instrument(async () => source, { model: 'm', kind: 'text_completion' });
    const stream = await open();
    expect(stream.extra).toBe('kept');
    for await (const n of stream) if (n === 2) break;
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes['inferlens.stream.chunk_count']).toBe(2);
    expect(predictions.getFinishedPredictions()).toHaveLength(1);
  });

  it('records an error thrown by the stream and rethrows the same object', async () => {
    const { monitor, predictions } = testMonitor();
    const boom = new Error('connection reset');
    const stream = monitor.instrument(async function* () {
      yield 'a';
      throw boom;
    }, { model: 'm', kind: 'chat' });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of stream()) got.push(c);
      })(),
    ).rejects.toBe(boom);
    expect(got).toEqual(['a']);
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions()[0]).toMatchObject({ status: 'error' });
  });
});

describe('instrument: batches', () => {
  it('makes one span and one record per item, with its index', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const scoreAll = monitor.instrument(async (xs: number[]) => xs.map((x) => x / 10), {
      model: 'm',
      kind: 'batch',
      features: ([xs]) => xs.map((x) => ({ x })),
      output: (ys) => ys.map((y) => ({ y })),
    });
    expect(await scoreAll([1, 2, 3])).toEqual([0.1, 0.2, 0.3]);
    await monitor.forceFlush();
    const finished = spans.getFinishedSpans();
    expect(finished).toHaveLength(1);
    expect(finished[0].attributes['inferlens.batch.size']).toBe(3);
    const records = predictions.getFinishedPredictions();
    expect(records.map((r) => [r.attributes?.['inferlens.batch.index'], r.features?.x, r.outputs?.y])).toEqual([
      [0, 1, 0.1],
      [1, 2, 0.2],
      [2, 3, 0.3],
    ]);
    expect(new Set(records.map((r) => r.predictionId)).size).toBe(3);
    expect(records.every((r) => r.spanId === finished[0].spanContext().spanId)).toBe(true);
    expect(finished[0].attributes['inferlens.prediction.id']).toEqual(records.map((r) => r.predictionId));
  });
});
