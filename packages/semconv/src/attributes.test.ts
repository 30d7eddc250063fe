import { describe, expect, it } from 'vitest';
import * as semconv from './index.js';

describe('attribute and event names', () => {
  it('are the documented strings', () => {
    expect(semconv.INFERLENS_PREDICTION_EVENT).toBe('inferlens.prediction');
    expect(semconv.INFERLENS_FEEDBACK_EVENT).toBe('inferlens.feedback');
    expect(semconv.ATTR_INFERLENS_MODEL_NAME).toBe('inferlens.model.name');
    expect(semconv.ATTR_INFERLENS_MODEL_VERSION).toBe('inferlens.model.version');
    expect(semconv.ATTR_INFERLENS_PREDICTION_ID).toBe('inferlens.prediction.id');
    expect(semconv.ATTR_INFERLENS_PROJECT).toBe('inferlens.project');
    expect(semconv.ATTR_INFERLENS_ENVIRONMENT).toBe('inferlens.environment');
    expect(semconv.ATTR_INFERLENS_SEGMENT).toBe('inferlens.segment');
    expect(semconv.ATTR_INFERLENS_OUTCOME).toBe('inferlens.outcome');
    expect(semconv.ATTR_INFERLENS_SAMPLE_RATE).toBe('inferlens.sample_rate');
    expect(semconv.ATTR_INFERLENS_BATCH_INDEX).toBe('inferlens.batch.index');
    expect(semconv.ATTR_INFERLENS_BATCH_SIZE).toBe('inferlens.batch.size');
    expect(semconv.ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS).toBe('inferlens.stream.time_to_first_chunk_ms');
    expect(semconv.ATTR_INFERLENS_STREAM_CHUNK_COUNT).toBe('inferlens.stream.chunk_count');
    expect(semconv.ATTR_INFERLENS_STREAM_TIME_TO_FIRST_TOKEN_MS).toBe('inferlens.stream.time_to_first_token_ms');
    expect(semconv.ATTR_INFERLENS_STREAM_END).toBe('inferlens.stream.end');
    expect(semconv.ATTR_GEN_AI_PROVIDER_NAME).toBe('gen_ai.provider.name');
    expect(semconv.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK).toBe('gen_ai.response.time_to_first_chunk');
    expect(semconv.ATTR_ERROR_TYPE).toBe('error.type');
    expect(semconv.ATTR_GEN_AI_OPERATION_NAME).toBe('gen_ai.operation.name');
    expect(semconv.ATTR_GEN_AI_REQUEST_MODEL).toBe('gen_ai.request.model');
    expect(semconv.ATTR_GEN_AI_RESPONSE_MODEL).toBe('gen_ai.response.model');
    expect(semconv.ATTR_GEN_AI_USAGE_INPUT_TOKENS).toBe('gen_ai.usage.input_tokens');
    expect(semconv.ATTR_GEN_AI_USAGE_OUTPUT_TOKENS).toBe('gen_ai.usage.output_tokens');
    expect(semconv.ATTR_GEN_AI_RESPONSE_FINISH_REASONS).toBe('gen_ai.response.finish_reasons');
  });

  it('are exported from the package entry point with the validators and limits', () => {
    expect(Object.keys(semconv).sort()).toEqual(
      [
        'ATTR_ERROR_TYPE',
        'ATTR_GEN_AI_OPERATION_NAME',
        'ATTR_GEN_AI_PROVIDER_NAME',
        'ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK',
        'ATTR_INFERLENS_STREAM_END',
        'ATTR_INFERLENS_STREAM_TIME_TO_FIRST_TOKEN_MS',
        'ATTR_GEN_AI_REQUEST_MODEL',
        'ATTR_GEN_AI_RESPONSE_FINISH_REASONS',
        'ATTR_GEN_AI_RESPONSE_MODEL',
        'ATTR_GEN_AI_USAGE_INPUT_TOKENS',
        'ATTR_GEN_AI_USAGE_OUTPUT_TOKENS',
        'ATTR_INFERLENS_BATCH_INDEX',
        'ATTR_INFERLENS_BATCH_SIZE',
        'ATTR_INFERLENS_ENVIRONMENT',
        'ATTR_INFERLENS_MODEL_NAME',
        'ATTR_INFERLENS_MODEL_VERSION',
        'ATTR_INFERLENS_OUTCOME',
        'ATTR_INFERLENS_PREDICTION_ID',
        'ATTR_INFERLENS_PROJECT',
        'ATTR_INFERLENS_SAMPLE_RATE',
        'ATTR_INFERLENS_SEGMENT',
        'ATTR_INFERLENS_STREAM_CHUNK_COUNT',
        'ATTR_INFERLENS_STREAM_TIME_TO_FIRST_CHUNK_MS',
        'DEFAULT_PROJECT',
        'DEFAULT_RECORD_LIMITS',
        'INFERLENS_FEEDBACK_EVENT',
        'INFERLENS_PREDICTION_EVENT',
        'validateFeedback',
        'validatePrediction',
      ].sort(),
    );
  });
});
