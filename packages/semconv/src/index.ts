/**
 * `@inferlens/semconv`: the names, record types and limits that the Inferlens
 * SDK and collector share. No runtime dependencies.
 *
 * @example
 * ```ts
 * import { validatePrediction, DEFAULT_RECORD_LIMITS } from '@inferlens/semconv';
 *
 * const result = validatePrediction({ predictionId: 'p1', model: 'churn', features: { age: 41 } });
 * if (result.ok) console.log(result.value.numericFeatures); // { age: 41 }
 * else console.log(`${result.field}: ${result.message}`);
 * ```
 * @packageDocumentation
 */
export {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_INFERLENS_BATCH_INDEX,
  ATTR_INFERLENS_BATCH_SIZE,
  ATTR_INFERLENS_ENVIRONMENT,
  ATTR_INFERLENS_MODEL_NAME,
  ATTR_INFERLENS_MODEL_VERSION,
  ATTR_INFERLENS_OUTCOME,
  ATTR_INFERLENS_PREDICTION_ID,
  ATTR_INFERLENS_PROJECT,
  ATTR_INFERLENS_SAMPLE_RATE,
  ATTR_INFERLENS_SEGMENT,
  ATTR_INFERLENS_STREAM_CHUNK_COUNT,
  ATTR_INFERLENS_STREAM_END,
  ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS,
  ATTR_INFERLENS_STREAM_TIME_TO_FIRST_TOKEN_MS,
  INFERLENS_FEEDBACK_EVENT,
  INFERLENS_PREDICTION_EVENT,
} from './attributes.js';
export type { FeedbackRecord, NormalizedFeedback } from './feedback-record.js';
export { DEFAULT_RECORD_LIMITS } from './limits.js';
export type { RecordLimits } from './limits.js';
export type {
  AttributeValue,
  FeatureValue,
  NormalizedPrediction,
  PredictionRecord,
  PredictionStatus,
} from './prediction-record.js';
export { DEFAULT_PROJECT, validateFeedback, validatePrediction } from './validate-record.js';
export type { ValidationResult } from './validate-record.js';
