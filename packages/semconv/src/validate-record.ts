import type { NormalizedFeedback } from './feedback-record.js';
import { DEFAULT_MAX_EMBEDDING_LENGTH, DEFAULT_RECORD_LIMITS, type RecordLimits } from './limits.js';
import type { NormalizedPrediction, PredictionStatus } from './prediction-record.js';
import { FieldError, fail } from './internal/field-error.js';
import { parseTimestamp } from './internal/parse-timestamp.js';
import {
  checkStringLength,
  isObject,
  readAttributes,
  readCount,
  readHexId,
  readNonNegativeNumber,
  readOptionalString,
  readRequiredString,
  readValueMap,
} from './internal/read-field.js';

/**
 * Outcome of validating one record. On failure, `field` is the path of the
 * first offending field (`latencyMs`, `features.age`, `features["item-count"]`;
 * '' when the record itself is not an object) and `message` says what was
 * expected and what was got, e.g. `expected a non-negative number, got "abc"`,
 * or just `required`. Join them as `${field}: ${message}` for a user.
 */
export type ValidationResult<T> =
  | { ok: true; value: T }
  | { ok: false; field: string; message: string };

/** Name used by `project` when a record does not give one. */
export const DEFAULT_PROJECT = 'default';

const TRACE_ID = /^(?!0{32})[0-9a-fA-F]{32}$/;
const SPAN_ID = /^(?!0{16})[0-9a-fA-F]{16}$/;

/**
 * Validates a decoded prediction record (see `PredictionRecord` for every
 * rule) and returns its normalized form. Stops at the first error. Unknown
 * top-level fields are ignored. Never throws.
 *
 * @param value a decoded JSON value, normally one object of an NDJSON body
 * @param limits size limits; {@link DEFAULT_RECORD_LIMITS} when omitted
 * @example
 * ```ts
 * const result = validatePrediction(JSON.parse(line));
 * if (!result.ok) reply(`${result.field}: ${result.message}`);
 * ```
 */
export function validatePrediction(
  value: unknown,
  limits: RecordLimits = DEFAULT_RECORD_LIMITS,
): ValidationResult<NormalizedPrediction> {
  try {
    return { ok: true, value: readPrediction(value, limits) };
  } catch (error) {
    return rejection(error);
  }
}

/**
 * Validates a decoded feedback record (see `FeedbackRecord` for every rule)
 * and returns its normalized form. Stops at the first error. Unknown
 * top-level fields are ignored. Never throws.
 *
 * @param value a decoded JSON value, normally one object of an NDJSON body
 * @param limits size limits; {@link DEFAULT_RECORD_LIMITS} when omitted
 */
export function validateFeedback(
  value: unknown,
  limits: RecordLimits = DEFAULT_RECORD_LIMITS,
): ValidationResult<NormalizedFeedback> {
  try {
    return { ok: true, value: readFeedback(value, limits) };
  } catch (error) {
    return rejection(error);
  }
}

function readPrediction(record: unknown, limits: RecordLimits): NormalizedPrediction {
  if (!isObject(record)) fail('', 'a JSON object', record);
  const maxName = limits.maxNameLength;
  const numericFeatures: Record<string, number> = {};
  const categoricalFeatures: Record<string, string> = {};
  const numericOutputs: Record<string, number> = {};
  const categoricalOutputs: Record<string, string> = {};
  // Fields are read in the order of the documentation, so the first error
  // reported is predictable.
  const prediction: NormalizedPrediction = {
    predictionId: readRequiredString(record.predictionId, 'predictionId', limits.maxIdLength),
    model: readRequiredString(record.model, 'model', maxName),
    version: readOptionalString(record.version, 'version', maxName, ''),
    timeUnixNano: parseTimestamp(record.timestamp, 'timestamp'),
    project: readOptionalString(record.project, 'project', maxName, DEFAULT_PROJECT),
    service: readOptionalString(record.service, 'service', maxName, ''),
    environment: readOptionalString(record.environment, 'environment', maxName, ''),
    segment: readOptionalString(record.segment, 'segment', maxName, ''),
    latencyMs: readNonNegativeNumber(record.latencyMs, 'latencyMs', 0),
    status: readStatus(record.status),
    errorType: readOptionalString(record.errorType, 'errorType', maxName, ''),
    numericFeatures,
    categoricalFeatures,
    numericOutputs,
    categoricalOutputs,
    embedding: [],
    inputTokens: 0,
    outputTokens: 0,
    sampleRate: 1,
    traceId: '',
    spanId: '',
    attributes: {},
  };
  readValueMap(record.features, 'features', limits.maxFeatures, limits, numericFeatures, categoricalFeatures);
  readValueMap(record.outputs, 'outputs', limits.maxOutputs, limits, numericOutputs, categoricalOutputs);
  prediction.embedding = readEmbedding(record.embedding, limits.maxEmbeddingLength ?? DEFAULT_MAX_EMBEDDING_LENGTH);
  prediction.inputTokens = readCount(record.inputTokens, 'inputTokens');
  prediction.outputTokens = readCount(record.outputTokens, 'outputTokens');
  prediction.sampleRate = readSampleRate(record.sampleRate);
  prediction.traceId = readHexId(record.traceId, 'traceId', 32, TRACE_ID);
  prediction.spanId = readHexId(record.spanId, 'spanId', 16, SPAN_ID);
  prediction.attributes = readAttributes(record.attributes, 'attributes', limits);
  return prediction;
}

function readFeedback(record: unknown, limits: RecordLimits): NormalizedFeedback {
  if (!isObject(record)) fail('', 'a JSON object', record);
  const maxName = limits.maxNameLength;
  const predictionId = readRequiredString(record.predictionId, 'predictionId', limits.maxIdLength);
  const rawLabel = record.label;
  const rawValue = record.value;
  const hasLabel = rawLabel !== undefined && rawLabel !== null;
  const hasValue = rawValue !== undefined && rawValue !== null;
  if (hasLabel && hasValue) {
    throw new FieldError('label', 'expected exactly one of label or value, got both');
  }
  if (!hasLabel && !hasValue) {
    throw new FieldError('label', 'expected exactly one of label or value, got neither');
  }
  let label: string | undefined;
  let numericValue: number | undefined;
  if (hasLabel) {
    label = readLabel(rawLabel, limits.maxStringLength);
  } else {
    if (typeof rawValue !== 'number' || !Number.isFinite(rawValue)) {
      fail('value', 'a finite number', rawValue);
    }
    numericValue = rawValue;
  }
  return {
    predictionId,
    label,
    value: numericValue,
    timeUnixNano: parseTimestamp(record.timestamp, 'timestamp'),
    project: readOptionalString(record.project, 'project', maxName, DEFAULT_PROJECT),
    model: readOptionalString(record.model, 'model', maxName, ''),
    version: readOptionalString(record.version, 'version', maxName, ''),
    attributes: readAttributes(record.attributes, 'attributes', limits),
  };
}

function readStatus(value: unknown): PredictionStatus {
  if (value === undefined || value === null || value === 'ok') return 'ok';
  if (value === 'error') return 'error';
  fail('status', '"ok" or "error"', value);
}

function readEmbedding(value: unknown, maxLength: number): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail('embedding', 'an array of finite numbers', value);
  if (value.length > maxLength) throw new FieldError('embedding', `expected at most ${maxLength} numbers, got ${value.length}`);
  for (let i = 0; i < value.length; i++) {
    const x: unknown = value[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) fail(`embedding[${i}]`, 'a finite number', x);
  }
  return value as number[];
}

function readSampleRate(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    fail('sampleRate', 'a number greater than 0 and at most 1', value);
  }
  return value;
}

function readLabel(value: unknown, maxLength: number): string {
  let label: string;
  if (typeof value === 'string') {
    label = value;
  } else if (typeof value === 'number' && Number.isFinite(value)) {
    label = String(value);
  } else if (typeof value === 'boolean') {
    label = value ? 'true' : 'false';
  } else {
    fail('label', 'a non-empty string, a finite number or a boolean', value);
  }
  if (label.length === 0) fail('label', 'a non-empty string, a finite number or a boolean', value);
  checkStringLength(label, 'label', maxLength);
  return label;
}

function rejection(error: unknown): { ok: false; field: string; message: string } {
  // Anything else is a bug in this module; let it surface.
  if (!(error instanceof FieldError)) throw error;
  return { ok: false, field: error.field, message: error.message };
}
