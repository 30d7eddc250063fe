import type { AttributeValue, FeatureValue } from '@inferlens/semconv';

/**
 * A flat map of feature or output values; see `FeatureValue` in
 * `@inferlens/semconv`. `undefined`, like `null`, means missing.
 */
export type Features = Record<string, FeatureValue | undefined>;

/**
 * What kind of inference a call is.
 *
 * - `predict`: one input, one prediction (a classifier, a regressor);
 * - `batch`: the call scores several items; one span, one prediction record per item;
 * - `chat`, `text_completion`, `generate_content`, `embeddings`: a generative
 *   model call; the value is the OpenTelemetry `gen_ai.operation.name`, the
 *   span gets `gen_ai.*` attributes and is named `{operation} {model}`.
 */
export type InferenceKind = 'predict' | 'batch' | 'chat' | 'text_completion' | 'generate_content' | 'embeddings';

/** Usage of a generative model call, mapped to `gen_ai.*` attributes and the record's token counts. */
export interface GenAiUsage {
  /** `gen_ai.usage.input_tokens` and `PredictionRecord.inputTokens`. */
  inputTokens?: number;
  /** `gen_ai.usage.output_tokens` and `PredictionRecord.outputTokens`. */
  outputTokens?: number;
  /** `gen_ai.response.model`: the model that actually answered. */
  responseModel?: string;
  /** `gen_ai.response.finish_reasons`, one per choice. */
  finishReasons?: string[];
}

/**
 * One chunk of the stream a function returns (an `AsyncIterable`, or a promise of
 * any class that resolves to one); `never` when it returns no stream.
 */
export type ChunkOf<F extends (...args: any[]) => any> =
  ReturnType<F> extends AsyncIterable<infer C> ? C : Awaited<ReturnType<F>> extends AsyncIterable<infer C> ? C : never;

/**
 * What `output` and `usage` receive: the function's (awaited) result, or, for a
 * function that returns a stream, the list of its chunks, once, when the stream ends
 * (the whole stream's view: text pieces to join, usage from the last chunk).
 */
export type ResultOf<F extends (...args: any[]) => any> =
  ReturnType<F> extends AsyncIterable<infer C> ? C[] : Awaited<ReturnType<F>> extends AsyncIterable<infer C> ? C[] : Awaited<ReturnType<F>>;

/** Options every kind of call takes. */
export interface BaseInstrumentOptions<F extends (...args: any[]) => any> {
  /** Model name (`inferlens.model.name`, `gen_ai.request.model`). Required. */
  model: string;
  /** Model version. @default '' */
  version?: string;
  /** Slice of traffic, fixed or computed from the arguments; the collector computes drift and quality per segment too (its top `segments.maxValues` per window). @default '' */
  segment?: string | ((args: Parameters<F>) => string);
  /** Extra attributes for the span and every record. @default {} */
  attributes?: Record<string, AttributeValue>;
  /**
   * Chooses the prediction id (per item for a batch) instead of a random id,
   * e.g. from a request id the caller already has.
   * @default 128 random bits (CSPRNG) as 32 lowercase hex digits
   */
  predictionId?: (args: Parameters<F>, index: number) => string;
}

/** Options of a single-prediction or generative call. */
export interface SingleInstrumentOptions<F extends (...args: any[]) => any> extends BaseInstrumentOptions<F> {
  /** @default 'predict' */
  kind?: Exclude<InferenceKind, 'batch'>;
  /** Extracts the logged features from the arguments, at call start. @default no features */
  features?: (args: Parameters<F>) => Features;
  /** Extracts an embedding of the input (finite numbers, at most 4096) from the arguments, at call start, for embedding drift. @default none */
  embedding?: (args: Parameters<F>) => readonly number[];
  /**
   * Extracts the logged outputs from the result. For a stream, called once when
   * it ends (or fails, or is stopped or dropped by its consumer) with the list of
   * the chunks read so far (at most 10 000: past that, the last slot holds the
   * latest chunk).
   * @default no outputs
   */
  output?: (result: ResultOf<F>) => Features;
  /** Extracts token usage and response metadata (generative kinds). For a stream, called once with the list of chunks, as `output`. @default none */
  usage?: (result: ResultOf<F>) => GenAiUsage;
  /**
   * For a stream: says whether a chunk carries content (text, a tool call's
   * arguments). The first chunk that does sets the time to first token
   * (`inferlens.stream.time_to_first_token_ms`, event `inferlens.first_token`);
   * the time to first chunk is kept beside it. For OpenAI's Chat Completions:
   * `(c) => c.choices.some((x) => !!x.delta?.content || !!x.delta?.tool_calls)`.
   * @default every chunk carries content
   */
  hasContent?: (chunk: ChunkOf<F>) => boolean;
  /**
   * `gen_ai.provider.name` of the span (generative kinds), as the OpenTelemetry GenAI
   * semantic conventions name providers: `openai`, `anthropic`, `aws.bedrock`,
   * `azure.ai.openai`, `gcp.vertex_ai`, `gcp.gemini`, `mistral_ai`, …
   * @default not set
   */
  provider?: string;
  /**
   * Whether the span carries `gen_ai.usage.input_tokens` / `gen_ai.usage.output_tokens`.
   * Set `false` when another GenAI instrumentation (OpenLLMetry's
   * `@traceloop/instrumentation-openai`, OpenTelemetry's `@opentelemetry/instrumentation-openai`)
   * reports the same call as a child span with its own `gen_ai.usage.*`: the Inferlens span
   * then leaves the token counts to that span (dashboards that sum them count each call
   * once) and is of kind `INTERNAL` instead of `CLIENT` (the child is the client span).
   * The prediction record keeps its token counts either way.
   * @default true
   */
  usageOnSpan?: boolean;
}

/**
 * Options of a batch call: `features` and `output` return one map per item,
 * and the number of items is the length of `features(args)` (or of
 * `output(result)` when there is no `features`).
 */
export interface BatchInstrumentOptions<F extends (...args: any[]) => any> extends BaseInstrumentOptions<F> {
  /** Marks the call as a batch. */
  kind: 'batch';
  /** One feature map per item, in item order. */
  features?: (args: Parameters<F>) => Features[];
  /** One embedding per item, in item order. */
  embedding?: (args: Parameters<F>) => (readonly number[])[];
  /** One output map per item, in item order. */
  output?: (result: Awaited<ReturnType<F>>) => Features[];
}

/** Options of `instrument` / `Monitor.instrument`. */
export type InstrumentOptions<F extends (...args: any[]) => any> = SingleInstrumentOptions<F> | BatchInstrumentOptions<F>;
