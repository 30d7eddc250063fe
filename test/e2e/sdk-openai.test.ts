import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { context, SpanKind, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OpenAIInstrumentation } from '@traceloop/instrumentation-openai';
import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMonitor, InMemoryPredictionExporter, type Monitor } from '@inferlens/sdk';
import { startChatCompletionsStub, STUB_PROMPT_TOKENS, STUB_WORDS, type ChatCompletionsStub } from '../helpers/chat-completions-stub.js';

// The real `openai` package (6.x: 7.x needs Node 22) against a local stub of the Chat Completions
// API, inside a host with its own tracer provider and context manager, as a service has them.

const TEXT = STUB_WORDS.join('');
const messages = [{ role: 'user' as const, content: 'Say hello' }];

/** The OpenAI-shaped extractors of packages/sdk/README.md ("Streams"). */
const streamExtractors = {
  hasContent: (c: ChatCompletionChunk) => c.choices.some((x) => !!x.delta?.content || !!x.delta?.tool_calls?.length),
  output: (chunks: ChatCompletionChunk[]) => ({ text: chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('') }),
  usage: (chunks: ChatCompletionChunk[]) => {
    const last = chunks.at(-1);
    return {
      inputTokens: last?.usage?.prompt_tokens,
      outputTokens: last?.usage?.completion_tokens,
      responseModel: chunks[0]?.model,
      finishReasons: chunks.flatMap((c) => c.choices.map((x) => x.finish_reason).filter((r): r is NonNullable<typeof r> => r !== null)),
    };
  },
};

const CLOCK_ROUNDING_MS = 1;
const hrMillis = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
const eventMillis = (span: ReadableSpan, name: string) => hrMillis(span.events.find((e) => e.name === name)!.time);

describe('the SDK around the real openai client', () => {
  let stub: ChatCompletionsStub;
  let spans: InMemorySpanExporter;
  let provider: BasicTracerProvider;
  let predictions: InMemoryPredictionExporter;
  let monitor: Monitor;
  let client: OpenAI;
  let openllmetry: OpenAIInstrumentation | undefined;

  beforeAll(async () => {
    stub = await startChatCompletionsStub();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    spans = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
    trace.setGlobalTracerProvider(provider);
    predictions = new InMemoryPredictionExporter();
    monitor = createMonitor({ serviceName: 'llm-app', exporter: predictions, tracerProvider: provider, registerGlobal: false });
    client = new OpenAI({ apiKey: 'sk-test', baseURL: stub.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    openllmetry?.disable();
    await monitor?.shutdown();
    await stub?.close();
  });

  beforeEach(() => {
    spans.reset();
    predictions.reset();
  });

  const finished = async () => {
    await monitor.forceFlush();
    return { spans: spans.getFinishedSpans(), records: predictions.getFinishedPredictions() };
  };

  const chatStream = (options: { usageOnSpan?: boolean } = {}) =>
    monitor.instrument((p: ChatCompletionCreateParamsStreaming) => client.chat.completions.create(p), {
      model: 'gpt-stub',
      kind: 'chat',
      provider: 'openai',
      ...streamExtractors,
      ...options,
    });
  const streamParams = (model = 'gpt-stub'): ChatCompletionCreateParamsStreaming => ({ model, messages, stream: true, stream_options: { include_usage: true } });

  describe('without another instrumentation: create() returns openai\'s APIPromise', () => {
    it('JSON: one span and one record with the exact usage and text; the APIPromise keeps its methods', async () => {
      const chat = monitor.instrument((p: ChatCompletionCreateParamsNonStreaming) => client.chat.completions.create(p), {
        model: 'gpt-stub',
        kind: 'chat',
        provider: 'openai',
        output: (r: ChatCompletion) => ({ text: r.choices[0]?.message.content ?? '' }),
        usage: (r: ChatCompletion) => ({ inputTokens: r.usage?.prompt_tokens, outputTokens: r.usage?.completion_tokens, responseModel: r.model, finishReasons: r.choices.map((c) => c.finish_reason) }),
      });
      const promise = chat({ model: 'gpt-stub', messages });
      expect(typeof promise.withResponse).toBe('function');
      const { data, response } = await promise.withResponse();
      expect(response.status).toBe(200);
      expect(data.choices[0]?.message.content).toBe(TEXT);
      const { spans: [span], records } = await finished();
      expect(span!.name).toBe('chat gpt-stub');
      expect(span!.attributes).toMatchObject({
        'gen_ai.provider.name': 'openai',
        'gen_ai.operation.name': 'chat',
        'gen_ai.usage.input_tokens': STUB_PROMPT_TOKENS,
        'gen_ai.usage.output_tokens': STUB_WORDS.length,
        'gen_ai.response.model': 'gpt-stub-2026-01-01',
        'gen_ai.response.finish_reasons': ['stop'],
      });
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ outputs: { text: TEXT }, inputTokens: STUB_PROMPT_TOKENS, outputTokens: STUB_WORDS.length, spanId: span!.spanContext().spanId });
    });

    it('SSE read with for await: the span lasts until the stream ends; tokens; time to first token is the first text, not the role chunk', async () => {
      const stream = await chatStream()(streamParams());
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      expect(text).toBe(TEXT);
      const exchange = stub.exchanges.at(-1)!;
      const { spans: [span], records } = await finished();
      // Causality: the span cannot end before the stub wrote the last byte, nor see the first text before it was
      // written (less 1 ms: the OpenTelemetry SDK anchors span times to Date.now(), whole milliseconds).
      expect(hrMillis(span!.endTime)).toBeGreaterThanOrEqual(exchange.endWrittenAt! - CLOCK_ROUNDING_MS);
      expect(eventMillis(span!, 'inferlens.first_token')).toBeGreaterThanOrEqual(exchange.contentWrittenAt! - CLOCK_ROUNDING_MS);
      const ttfc = span!.attributes['inferlens.stream.time_to_first_chunk_ms'] as number;
      const ttft = span!.attributes['inferlens.stream.time_to_first_token_ms'] as number;
      expect(ttft).toBeGreaterThan(ttfc);
      expect(span!.attributes).toMatchObject({
        'gen_ai.usage.input_tokens': STUB_PROMPT_TOKENS,
        'gen_ai.usage.output_tokens': STUB_WORDS.length,
        'gen_ai.response.finish_reasons': ['stop'],
        'inferlens.stream.chunk_count': STUB_WORDS.length + 3,
        'inferlens.stream.end': 'completed',
      });
      expect(records[0]).toMatchObject({ status: 'ok', outputs: { text: TEXT }, inputTokens: STUB_PROMPT_TOKENS, outputTokens: STUB_WORDS.length });
      expect(records[0]!.latencyMs).toBeGreaterThanOrEqual(ttft);
    });

    it('tee(): both branches read the whole stream; one span, each chunk counted once', async () => {
      const [left, right] = (await chatStream()(streamParams())).tee();
      const read = async (s: AsyncIterable<ChatCompletionChunk>) => {
        let t = '';
        for await (const c of s) t += c.choices[0]?.delta?.content ?? '';
        return t;
      };
      expect(await Promise.all([read(left), read(right)])).toEqual([TEXT, TEXT]);
      const { spans: found, records } = await finished();
      expect(found).toHaveLength(1);
      expect(found[0]!.attributes).toMatchObject({ 'inferlens.stream.chunk_count': STUB_WORDS.length + 3, 'inferlens.stream.end': 'completed', 'gen_ai.usage.output_tokens': STUB_WORDS.length });
      expect(records).toHaveLength(1);
      expect(records[0]!.outputs).toEqual({ text: TEXT });
    });

    it('toReadableStream(): read to the end through a reader, or cancelled after one line', async () => {
      const reader = (await chatStream()(streamParams())).toReadableStream().getReader();
      const decoder = new TextDecoder();
      let ndjson = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) ndjson += decoder.decode(r.value);
      const lines = ndjson.trim().split('\n').map((l) => JSON.parse(l) as ChatCompletionChunk);
      expect(lines.map((c) => c.choices[0]?.delta?.content ?? '').join('')).toBe(TEXT);
      const cancelled = (await chatStream()(streamParams())).toReadableStream().getReader();
      await cancelled.read();
      await cancelled.cancel();
      const { spans: found, records } = await finished();
      expect(found.map((s) => s.attributes['inferlens.stream.end'])).toEqual(['completed', 'stopped']);
      expect(records.map((r) => r.outputs?.text)).toEqual([TEXT, '']);
    });

    it('an early break ends the span as stopped, with what was read', async () => {
      const stream = await chatStream()(streamParams());
      let text = '';
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta?.content ?? '';
        if (text) break;
      }
      const { spans: [span], records } = await finished();
      expect(span!.attributes).toMatchObject({ 'inferlens.stream.end': 'stopped', 'inferlens.stream.chunk_count': 2 });
      expect(records[0]!.outputs).toEqual({ text: STUB_WORDS[0] });
    });

    it('a stream cut by the server: the consumer gets openai\'s error, the span and record say error', async () => {
      const stream = await chatStream()(streamParams('gpt-broken'));
      let caught: unknown;
      try {
        for await (const _ of stream);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(Error);
      const { spans: [span], records } = await finished();
      expect(span!.status.code).toBe(2);
      expect(span!.attributes['inferlens.stream.end']).toBe('error');
      expect(records[0]).toMatchObject({ status: 'error', errorType: (caught as Error).name === 'Error' ? (caught as Error).constructor.name : (caught as Error).name });
    });

    it('a stream dropped unread is recorded as abandoned once garbage-collected', async () => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      await (async () => {
        await chatStream()(streamParams()); // the response arrived; nobody reads it
      })();
      const deadline = Date.now() + 15_000;
      while (predictions.getFinishedPredictions().length === 0 && Date.now() < deadline) {
        gc();
        await new Promise((r) => setTimeout(r, 20));
        await monitor.forceFlush();
      }
      const { spans: [span], records } = await finished();
      expect(span?.attributes).toMatchObject({ 'inferlens.stream.end': 'abandoned', 'inferlens.stream.chunk_count': 0 });
      expect(records).toHaveLength(1);
    });
  });

  describe("beside OpenLLMetry's OpenAI instrumentation", () => {
    beforeAll(() => {
      openllmetry = new OpenAIInstrumentation();
      openllmetry.setTracerProvider(provider);
      openllmetry.manuallyInstrument(OpenAI);
    });

    const usageSum = (found: ReadableSpan[], key: string) => found.reduce((n, s) => n + (typeof s.attributes[key] === 'number' ? (s.attributes[key] as number) : 0), 0);

    const underParent = <T>(fn: () => Promise<T>) => {
      const parent = provider.getTracer('app').startSpan('POST /chat');
      return { parent, result: context.with(trace.setSpan(context.active(), parent), fn).finally(() => parent.end()) };
    };
    const split = (found: ReadableSpan[]) => {
      const inferlens = found.find((s) => s.instrumentationScope.name === '@inferlens/sdk')!;
      return { inferlens, other: found.find((s) => s !== inferlens && s.name !== 'POST /chat')! };
    };

    it('a stream: one trace, HTTP-level parent → Inferlens span → OpenLLMetry span; the stream is still followed to its end', async () => {
      // OpenLLMetry replaces openai's APIPromise with a promise of its own stream wrapper; the Inferlens proxy goes around that.
      const { parent, result } = underParent(async () => {
        let text = '';
        for await (const c of await chatStream({ usageOnSpan: false })(streamParams())) text += c.choices[0]?.delta?.content ?? '';
        return text;
      });
      expect(await result).toBe(TEXT);
      const found = (await finished()).spans;
      const { inferlens, other } = split(found);
      expect(found).toHaveLength(3);
      expect(inferlens.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      expect(other.parentSpanContext?.spanId).toBe(inferlens.spanContext().spanId);
      expect(new Set(found.map((s) => s.spanContext().traceId)).size).toBe(1);
      expect(other.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'gen_ai.operation.name': 'chat' });
      expect(inferlens.attributes).toMatchObject({
        'gen_ai.provider.name': 'openai',
        'inferlens.stream.end': 'completed',
        'inferlens.stream.chunk_count': STUB_WORDS.length + 3,
      });
      expect(inferlens.attributes['inferlens.stream.time_to_first_token_ms']).toBeGreaterThan(inferlens.attributes['inferlens.stream.time_to_first_chunk_ms'] as number);
      expect(inferlens.kind).toBe(SpanKind.INTERNAL); // the OpenLLMetry span is the client span
      expect((await finished()).records.at(-1)).toMatchObject({ inputTokens: STUB_PROMPT_TOKENS, outputTokens: STUB_WORDS.length, outputs: { text: TEXT }, spanId: inferlens.spanContext().spanId });
    });

    it('usageOnSpan: false: gen_ai.usage.* summed over the trace counts each token once (the default counts it twice)', async () => {
      // OpenLLMetry puts the usage on its span for a JSON answer (for a stream, only with its `enrichTokens`, an estimate).
      const chat = (usageOnSpan: boolean) =>
        monitor.instrument((p: ChatCompletionCreateParamsNonStreaming) => client.chat.completions.create(p), {
          model: 'gpt-stub',
          kind: 'chat',
          provider: 'openai',
          usageOnSpan,
          usage: (r: ChatCompletion) => ({ inputTokens: r.usage?.prompt_tokens, outputTokens: r.usage?.completion_tokens }),
        });
      await underParent(() => chat(false)({ model: 'gpt-stub', messages })).result;
      const quiet = await finished();
      const { other } = split(quiet.spans);
      expect(other.attributes['gen_ai.usage.input_tokens']).toBe(STUB_PROMPT_TOKENS);
      expect(usageSum(quiet.spans, 'gen_ai.usage.input_tokens')).toBe(STUB_PROMPT_TOKENS);
      expect(usageSum(quiet.spans, 'gen_ai.usage.output_tokens')).toBe(STUB_WORDS.length);
      expect(quiet.records.at(-1)).toMatchObject({ inputTokens: STUB_PROMPT_TOKENS, outputTokens: STUB_WORDS.length });

      spans.reset();
      await underParent(() => chat(true)({ model: 'gpt-stub', messages })).result;
      const doubled = await finished();
      expect(usageSum(doubled.spans, 'gen_ai.usage.input_tokens')).toBe(2 * STUB_PROMPT_TOKENS);
    });
  });
});


