/**
 * Names of the events and attributes that the Inferlens SDK writes and the
 * collector reads. They follow the OpenTelemetry naming rules (lowercase,
 * dot-separated namespaces, `snake_case` within a component), and the `ATTR_`
 * prefix of `@opentelemetry/semantic-conventions`, so they read the same way.
 *
 * The `inferlens.*` names are ours. The `gen_ai.*` and `error.type` names are
 * OpenTelemetry semantic conventions, repeated here so that the SDK and the
 * collector agree on them without depending on the (large, still moving)
 * semantic-conventions package.
 */

/**
 * Event name of a prediction record sent as an OTLP log record
 * (`LogRecord.eventName`). The log body carries a `PredictionRecord`.
 */
export const INFERLENS_PREDICTION_EVENT = 'inferlens.prediction';

/**
 * Event name of a feedback (ground truth) record sent as an OTLP log record.
 * The log body carries a `FeedbackRecord`.
 */
export const INFERLENS_FEEDBACK_EVENT = 'inferlens.feedback';

/** Span attribute: name of the model that served the prediction, e.g. `churn-classifier`. */
export const ATTR_INFERLENS_MODEL_NAME = 'inferlens.model.name';

/** Span attribute: version of the model, e.g. `2024-05-01` or `v3`. */
export const ATTR_INFERLENS_MODEL_VERSION = 'inferlens.model.version';

/**
 * Span attribute: the prediction id, which links the span to its prediction
 * record and to feedback that arrives later.
 */
export const ATTR_INFERLENS_PREDICTION_ID = 'inferlens.prediction.id';

/** Span or resource attribute: the Inferlens project the data belongs to. */
export const ATTR_INFERLENS_PROJECT = 'inferlens.project';

/** Span or resource attribute: deployment environment, e.g. `production`. */
export const ATTR_INFERLENS_ENVIRONMENT = 'inferlens.environment';

/** Span attribute: a user-defined slice of traffic, e.g. a customer tier or region. */
export const ATTR_INFERLENS_SEGMENT = 'inferlens.segment';

/**
 * Span attribute: outcome of the inference call, `ok` or `error` (the same
 * values as `PredictionRecord.status`).
 */
export const ATTR_INFERLENS_OUTCOME = 'inferlens.outcome';

/**
 * Span attribute: the probability with which this call was recorded, in
 * `(0, 1]`. Aggregates weight each record by `1 / sample_rate`.
 */
export const ATTR_INFERLENS_SAMPLE_RATE = 'inferlens.sample_rate';

/**
 * Span and prediction-record attribute: position (0-based) of the item in a
 * batch call. A batch call has one span and one prediction record per item.
 */
export const ATTR_INFERLENS_BATCH_INDEX = 'inferlens.batch.index';

/** Span and prediction-record attribute: number of items in a batch call. */
export const ATTR_INFERLENS_BATCH_SIZE = 'inferlens.batch.size';

/**
 * Span and prediction-record attribute: milliseconds from the start of a
 * streaming call to its first chunk, whatever it carries (an OpenAI stream's
 * first chunk often carries only the role).
 */
export const ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS = 'inferlens.stream.time_to_first_chunk_ms';

/**
 * Span and prediction-record attribute: milliseconds from the start of a
 * streaming call to its first chunk that carries content (text, a tool call),
 * as the instrumentation's `hasContent` says: the time to first token.
 */
export const ATTR_INFERLENS_STREAM_TIME_TO_FIRST_TOKEN_MS = 'inferlens.stream.time_to_first_token_ms';

/**
 * Span and prediction-record attribute: how a streaming call ended: `completed` (read to
 * its end), `stopped` (every consumer stopped early: `break`, `return()`, a cancelled
 * readable stream), `abandoned` (dropped unread and garbage-collected), `error`.
 */
export const ATTR_INFERLENS_STREAM_END = 'inferlens.stream.end';

/** Span and prediction-record attribute: number of chunks a streaming call produced. */
export const ATTR_INFERLENS_STREAM_CHUNK_COUNT = 'inferlens.stream.chunk_count';

/** OpenTelemetry semconv: class of error, e.g. the exception type name. */
export const ATTR_ERROR_TYPE = 'error.type';

/** OpenTelemetry GenAI semconv: the operation, e.g. `chat`, `text_completion`, `embeddings`. */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';

/**
 * OpenTelemetry GenAI semconv: the provider as the instrumentation identifies it,
 * e.g. `openai`, `anthropic`, `aws.bedrock` (it replaced `gen_ai.system`).
 */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';

/**
 * OpenTelemetry GenAI semconv: seconds from the request to the first chunk of a
 * streaming response.
 */
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';

/** OpenTelemetry GenAI semconv: the model name requested by the caller. */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';

/** OpenTelemetry GenAI semconv: the model name that actually produced the response. */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';

/** OpenTelemetry GenAI semconv: number of tokens in the prompt (input). */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';

/** OpenTelemetry GenAI semconv: number of tokens in the response (output). */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';

/** OpenTelemetry GenAI semconv: why generation stopped, one entry per choice (string array). */
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
