import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanKind } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { testMonitor } from './internal/testing/test-setup.js';

describe('instrument: streams', () => {
  it('passes chunks through lazily, measures first chunk, first token, count and duration, and gives the extractors every chunk', async () => {
    const { monitor, spans, predictions } = testMonitor();
    let produced = 0;
    async function* generate(prompt: string) {
      // An OpenAI-shaped stream: a role chunk without text, text pieces, a last chunk with usage only.
      for (const text of ['', prompt, ' is', ' fine', undefined]) {
        produced++;
        yield { text, usage: text === undefined ? { in: 3, out: 3 } : undefined };
      }
    }
    const stream = monitor.instrument(generate, {
      model: 'llm',
      kind: 'chat',
      provider: 'openai',
      hasContent: (c) => !!c.text,
      output: (chunks) => ({ text: chunks.map((c) => c.text ?? '').join('') }),
      usage: (chunks) => {
        const u = chunks.at(-1)?.usage;
        return u ? { inputTokens: u.in, outputTokens: u.out, responseModel: 'llm-2024', finishReasons: ['stop'] } : {};
      },
    });
    const iterable = stream('all');
    expect(produced).toBe(0);
    const seen: (string | undefined)[] = [];
    for await (const chunk of iterable) {
      seen.push(chunk.text);
      expect(produced).toBe(seen.length); // nothing read ahead
      expect(spans.getFinishedSpans()).toHaveLength(0); // still open while streaming
    }
    expect(seen).toEqual(['', 'all', ' is', ' fine', undefined]);
    await monitor.forceFlush();
    const [span] = spans.getFinishedSpans();
    expect(span.name).toBe('chat llm');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'llm',
      'gen_ai.response.model': 'llm-2024',
      'gen_ai.usage.input_tokens': 3,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.finish_reasons': ['stop'],
      'inferlens.stream.chunk_count': 5,
      'inferlens.stream.end': 'completed',
    });
    const ttfc = span.attributes['inferlens.stream.time_to_first_chunk_ms'] as number;
    const ttft = span.attributes['inferlens.stream.time_to_first_token_ms'] as number;
    expect(ttft).toBeGreaterThanOrEqual(ttfc);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBe(ttfc / 1000);
    expect(span.events.map((e) => e.name)).toEqual(['inferlens.first_chunk', 'inferlens.first_token']);
    const [record] = predictions.getFinishedPredictions();
    // The whole stream's text, not the last chunk's (which has none).
    expect(record).toMatchObject({ inputTokens: 3, outputTokens: 3, outputs: { text: 'all is fine' }, status: 'ok' });
    expect(record.attributes).toMatchObject({ 'inferlens.stream.chunk_count': 5, 'gen_ai.response.finish_reasons': 'stop', 'inferlens.stream.end': 'completed' });
  });

  it('times the first token at the first chunk with content, not at the first chunk', async () => {
    const { monitor, spans } = testMonitor();
    let release!: () => void;
    const contentMayCome = new Promise<void>((r) => (release = r));
    const stream = monitor.instrument(
      async function* () {
        yield { content: '' };
        await contentMayCome;
        yield { content: 'hello' };
      },
      { model: 'llm', kind: 'chat', hasContent: (c) => c.content !== '' },
    );
    const it = stream()[Symbol.asyncIterator]();
    await it.next();
    const firstChunkSeen = performance.now();
    await new Promise((r) => setTimeout(r, 30));
    const waited = performance.now() - firstChunkSeen;
    release();
    await it.next();
    await it.next();
    await monitor.forceFlush();
    const [span] = spans.getFinishedSpans();
    const gap = (span.attributes['inferlens.stream.time_to_first_token_ms'] as number) - (span.attributes['inferlens.stream.time_to_first_chunk_ms'] as number);
    // At least the time the content chunk was held back (measured, less 1 ms of clock rounding).
    expect(gap).toBeGreaterThanOrEqual(waited - 1);
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
    const open = monitor.instrument(async () => source, { model: 'm', kind: 'text_completion', output: (ns) => ({ sum: ns.reduce((a, b) => a + b, 0) }) });
    const stream = await open();
    expect(stream.extra).toBe('kept');
    for await (const n of stream) if (n === 2) break;
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes).toMatchObject({ 'inferlens.stream.chunk_count': 2, 'inferlens.stream.end': 'stopped' });
    expect(predictions.getFinishedPredictions()).toHaveLength(1);
    expect(predictions.getFinishedPredictions()[0].outputs).toEqual({ sum: 3 });
  });

  it('follows a stream through a Promise subclass (an SDK\'s APIPromise) and keeps the subclass\'s methods', async () => {
    class ApiPromise<T> extends Promise<T> {
      static override get [Symbol.species]() {
        return Promise;
      }
      requestId(): string {
        return 'req-1';
      }
    }
    const { monitor, spans, predictions } = testMonitor();
    let finished = false;
    async function* words() {
      yield 'a';
      yield 'b';
      finished = true;
    }
    const create = monitor.instrument((): ApiPromise<AsyncGenerator<string>> => new ApiPromise((resolve) => resolve(words())), {
      model: 'llm',
      kind: 'chat',
      output: (chunks) => ({ text: chunks.join('') }),
    });
    const returned = create();
    expect(returned).toBeInstanceOf(ApiPromise);
    expect(returned.requestId()).toBe('req-1');
    const stream = await returned;
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()).toHaveLength(0); // open until the stream ends, not when the promise resolves
    const got: string[] = [];
    for await (const w of stream) got.push(w);
    expect(got).toEqual(['a', 'b']);
    expect(finished).toBe(true);
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes).toMatchObject({ 'inferlens.stream.chunk_count': 2, 'inferlens.stream.end': 'completed' });
    expect(predictions.getFinishedPredictions()[0].outputs).toEqual({ text: 'ab' });
  });

  it('withResponse() of a Promise subclass gives the instrumented stream in `data`', async () => {
    class ApiPromise<T> extends Promise<T> {
      static override get [Symbol.species]() {
        return Promise;
      }
      withResponse(): Promise<{ data: T; response: string }> {
        return this.then((data) => ({ data, response: 'raw' }));
      }
    }
    const { monitor, spans } = testMonitor();
    const create = monitor.instrument((): ApiPromise<AsyncGenerator<string>> => new ApiPromise((resolve) => resolve((async function* () {
      yield 'x';
    })())), { model: 'llm', kind: 'chat' });
    const { data, response } = await create().withResponse();
    expect(response).toBe('raw');
    for await (const _ of data);
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes).toMatchObject({ 'inferlens.stream.chunk_count': 1, 'inferlens.stream.end': 'completed' });
  });

  it('a rejected Promise subclass rejects with the same reason, and leaves no unhandled rejection when only another method is used', async () => {
    class ApiPromise<T> extends Promise<T> {
      static override get [Symbol.species]() {
        return Promise;
      }
    }
    const { monitor, predictions } = testMonitor();
    const boom = new Error('401');
    const create = monitor.instrument((): ApiPromise<number> => {
      const p = new ApiPromise<number>((_, reject) => reject(boom));
      p.catch(() => undefined); // the SDK's own promise handles its rejection, as openai's does
      return p;
    }, { model: 'llm', kind: 'chat' });
    await expect(create()).rejects.toBe(boom);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      create(); // never awaited: the observing chain must not surface as unhandled
      await new Promise((r) => setTimeout(r, 10));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions().map((p) => p.status)).toEqual(['error', 'error']);
  });

  it('records an error thrown by the stream and rethrows the same object', async () => {
    const { monitor, predictions, spans } = testMonitor();
    const boom = new Error('connection reset');
    const stream = monitor.instrument(async function* () {
      yield 'a';
      throw boom;
    }, { model: 'm', kind: 'chat', output: (chunks) => ({ text: chunks.join('') }) });
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const c of stream()) got.push(c);
      })(),
    ).rejects.toBe(boom);
    expect(got).toEqual(['a']);
    await monitor.forceFlush();
    // The extractors still see what arrived before the error.
    expect(predictions.getFinishedPredictions()[0]).toMatchObject({ status: 'error', outputs: { text: 'a' } });
    expect(spans.getFinishedSpans()[0].attributes['inferlens.stream.end']).toBe('error');
  });
});

describe('instrument: beside another GenAI instrumentation', () => {
  it('usageOnSpan: false leaves gen_ai.usage.* to the other span, makes this one INTERNAL, and keeps the tokens in the record', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const call = (usageOnSpan: boolean) =>
      monitor.instrument(async () => ({ in: 12, out: 5 }), {
        model: 'gpt',
        kind: 'chat',
        provider: 'openai',
        usageOnSpan,
        usage: (r) => ({ inputTokens: r.in, outputTokens: r.out, responseModel: 'gpt-1' }),
      })();
    await call(false);
    await call(true);
    await monitor.forceFlush();
    const [quiet, full] = spans.getFinishedSpans();
    expect(quiet.kind).toBe(SpanKind.INTERNAL);
    expect(Object.keys(quiet.attributes).filter((k) => k.startsWith('gen_ai.usage.'))).toEqual([]);
    expect(quiet.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.response.model': 'gpt-1', 'gen_ai.operation.name': 'chat' });
    expect(full.kind).toBe(SpanKind.CLIENT);
    expect(full.attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 5 });
    expect(predictions.getFinishedPredictions().map((p) => [p.inputTokens, p.outputTokens])).toEqual([
      [12, 5],
      [12, 5],
    ]);
  });
});

/** A stream class with the consuming methods of openai's `Stream`: `tee()` reads its source directly, `toReadableStream()` iterates `this`. */
class SdkStream<T> implements AsyncIterable<T> {
  readonly #label = 'sdk';
  constructor(private readonly iterator: () => AsyncIterator<T>) {}
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterator();
  }
  label(): string {
    return this.#label;
  }
  tee(): [SdkStream<T>, SdkStream<T>] {
    const left: Promise<IteratorResult<T>>[] = [];
    const right: Promise<IteratorResult<T>>[] = [];
    const iterator = this.iterator();
    const branch = (queue: Promise<IteratorResult<T>>[]) => ({
      next: () => {
        if (queue.length === 0) {
          const result = iterator.next();
          left.push(result);
          right.push(result);
        }
        return queue.shift()!;
      },
    });
    return [new SdkStream(() => branch(left)), new SdkStream(() => branch(right))];
  }
  toReadableStream(): ReadableStream<string> {
    const self = this;
    let iter: AsyncIterator<T>;
    return new ReadableStream<string>({
      start() {
        iter = self[Symbol.asyncIterator]();
      },
      async pull(ctrl) {
        const { value, done } = await iter.next();
        if (done) ctrl.close();
        else ctrl.enqueue(JSON.stringify(value) + '\n');
      },
      async cancel() {
        await iter.return?.();
      },
    });
  }
}

function sdkStreamOf(items: string[]): SdkStream<string> {
  return new SdkStream(() => (async function* () {
    yield* items;
  })());
}

describe('instrument: every way of consuming a stream ends the call', () => {
  const options = { model: 'llm', kind: 'chat' as const, output: (chunks: string[]) => ({ text: chunks.join('') }) };

  it('tee(): both branches read every chunk; the call ends once, counting each chunk once', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const open = monitor.instrument(async () => sdkStreamOf(['a', 'b', 'c']), options);
    const stream = await open();
    expect(stream.label()).toBe('sdk'); // a method with a private field still works
    const [left, right] = stream.tee();
    const readAll = async (s: AsyncIterable<string>) => {
      const out: string[] = [];
      for await (const c of s) out.push(c);
      return out;
    };
    expect(await Promise.all([readAll(left), readAll(right)])).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
    ]);
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()).toHaveLength(1);
    expect(spans.getFinishedSpans()[0].attributes).toMatchObject({ 'inferlens.stream.chunk_count': 3, 'inferlens.stream.end': 'completed' });
    expect(predictions.getFinishedPredictions()).toHaveLength(1);
    expect(predictions.getFinishedPredictions()[0].outputs).toEqual({ text: 'abc' });
  });

  it('tee(): one branch read to the end ends the call even if the other is never read', async () => {
    const { monitor, predictions } = testMonitor();
    const [left] = (await monitor.instrument(async () => sdkStreamOf(['a', 'b']), options)()).tee();
    for await (const _ of left);
    await monitor.forceFlush();
    expect(predictions.getFinishedPredictions()[0].outputs).toEqual({ text: 'ab' });
  });

  it('tee(): the call ends as stopped when both branches stop early', async () => {
    const { monitor, spans } = testMonitor();
    const [left, right] = (await monitor.instrument(async () => sdkStreamOf(['a', 'b', 'c']), options)()).tee();
    for await (const _ of left) break;
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()).toHaveLength(0); // the right branch may still read
    for await (const _ of right) break;
    await monitor.forceFlush();
    expect(spans.getFinishedSpans()[0].attributes).toMatchObject({ 'inferlens.stream.chunk_count': 1, 'inferlens.stream.end': 'stopped' });
  });

  it('toReadableStream(): read to the end, or cancelled', async () => {
    const { monitor, spans, predictions } = testMonitor();
    const open = monitor.instrument(async () => sdkStreamOf(['a', 'b']), options);
    const lines: string[] = [];
    for await (const line of (await open()).toReadableStream()) lines.push(line);
    expect(lines).toEqual(['"a"\n', '"b"\n']);
    const reader = (await open()).toReadableStream().getReader();
    await reader.read();
    await reader.cancel();
    await monitor.forceFlush();
    expect(spans.getFinishedSpans().map((s) => s.attributes['inferlens.stream.end'])).toEqual(['completed', 'stopped']);
    expect(predictions.getFinishedPredictions().map((p) => p.outputs)).toEqual([{ text: 'ab' }, { text: 'a' }]);
  });

  it('a stream dropped unread ends its call as abandoned when it is garbage-collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const { monitor, spans, predictions } = testMonitor();
    const open = monitor.instrument(async () => sdkStreamOf(['a', 'b', 'c']), options);
    await (async () => {
      const it = (await open())[Symbol.asyncIterator]();
      await it.next(); // one chunk read, then the consumer goes away
    })();
    const deadline = Date.now() + 10_000;
    while (predictions.getFinishedPredictions().length === 0 && Date.now() < deadline) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
      await monitor.forceFlush();
    }
    expect(spans.getFinishedSpans()[0]?.attributes).toMatchObject({ 'inferlens.stream.chunk_count': 1, 'inferlens.stream.end': 'abandoned' });
    expect(predictions.getFinishedPredictions()[0].outputs).toEqual({ text: 'a' });
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
