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
 * What `output` and `usage` receive: the function's (awaited) result, or,
 * for a function that returns an `AsyncIterable`, each chunk in turn.
 */
export type ResultOf<F extends (...args: any[]) => any> =
  ReturnType<F> extends AsyncIterable<infer C> ? C : Awaited<ReturnType<F>> extends AsyncIterable<infer C> ? C : Awaited<ReturnType<F>>;

/** Options every kind of call takes. */
export interface BaseInstrumentOptions<F extends (...args: any[]) => any> {
  /** Model name (`inferlens.model.name`, `gen_ai.request.model`). Required. */
  model: string;
  /** Model version. @default '' */
  version?: string;
  /** Slice of traffic, fixed or computed from the arguments. @default '' */
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
   * Extracts the logged outputs from the result. For a stream, called with
   * each chunk; the maps are merged, later keys win.
   * @default no outputs
   */
  output?: (result: ResultOf<F>) => Features;
  /** Extracts token usage and response metadata (generative kinds). For a stream, called with each chunk and merged. @default none */
  usage?: (result: ResultOf<F>) => GenAiUsage;
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
