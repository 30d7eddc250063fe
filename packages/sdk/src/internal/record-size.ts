import { DEFAULT_MAX_EMBEDDING_LENGTH, DEFAULT_RECORD_LIMITS, type PredictionRecord } from '@inferlens/semconv';

/**
 * Sizing and checking of the prediction records the SDK builds itself, on the
 * caller's path, without serializing them.
 *
 * `sdkRecordBytes` returns an upper bound of the bytes of the record's NDJSON
 * line (UTF-8, newline included): exact for text that needs no escaping and
 * for integers, at most 25 bytes for any other number (the longest a JS
 * number prints), and at most 6 bytes per UTF-16 code unit for other text.
 * It counts exactly the fields `PredictionCall` sets (see `RECORD_TEMPLATE`); the
 * share that is the same for every call of a wrapper is `fixedRecordBytes`, computed once.
 *
 * On the way it checks the fields a caller can influence per call (id,
 * segment, error type, feature and output maps) against the default record
 * limits, with rules at least as strict as `validatePrediction`'s (`idBytes`: the
 * id's size when the SDK generated it (`randomId`); `featuresBytes`/`outputsBytes`: the
 * maps' sizes when the redactor measured and checked them; each undefined to do it here);
 * the fields fixed per wrapper (model, version, project, service, environment,
 * attributes) are checked once, with `validatePrediction`, when the wrapper's
 * plan is built. It returns undefined when a check fails or a value is not of the
 * expected type; the caller then runs the full `validatePrediction`, which
 * decides (and names the problem).
 */
export function sdkRecordBytes(
  r: PredictionRecord,
  fixedBytes: number,
  idBytes?: number,
  featuresBytes?: number,
  outputsBytes?: number,
): number | undefined {
  const limits = DEFAULT_RECORD_LIMITS;
  const id = r.predictionId;
  const segment = r.segment;
  const errorType = r.errorType;
  if (typeof id !== 'string' || id.length === 0 || id.length > limits.maxIdLength) return undefined;
  if (typeof segment !== 'string' || segment.length > limits.maxNameLength) return undefined;
  if (typeof errorType !== 'string' || errorType.length > limits.maxNameLength) return undefined;
  const features = featuresBytes ?? mapBytes(r.features, limits.maxFeatures);
  if (features === undefined) return undefined;
  const outputs = outputsBytes ?? mapBytes(r.outputs, limits.maxOutputs);
  if (outputs === undefined) return undefined;
  const attributes = mapBytes(r.attributes, limits.maxAttributes);
  if (attributes === undefined) return undefined;
  const embedding = embeddingBytes(r.embedding, limits.maxEmbeddingLength ?? DEFAULT_MAX_EMBEDDING_LENGTH);
  if (embedding === undefined) return undefined;
  return (
    embedding +
    fixedBytes +
    (idBytes ?? stringBytes(id)) +
    nullableBytes(r.timestamp) +
    stringBytes(segment) +
    nullableBytes(r.latencyMs) +
    nullableBytes(r.status) +
    stringBytes(errorType) +
    features +
    outputs +
    nullableBytes(r.inputTokens) +
    nullableBytes(r.outputTokens) +
    hexBytes(r.traceId) +
    hexBytes(r.spanId) +
    attributes
  );
}

/**
 * The bytes of a record line that are the same for every call of a wrapper: keys,
 * punctuation and the newline, and the values of model, version, project, service,
 * environment and sample rate. The argument to pass to `sdkRecordBytes`.
 */
export function fixedRecordBytes(
  model: string,
  version: string,
  project: string | null,
  service: string,
  environment: string | null,
  sampleRate: number,
): number {
  return (
    FIXED_BYTES +
    stringBytes(model) +
    nullableBytes(version) +
    nullableBytes(project) +
    nullableBytes(service) +
    nullableBytes(environment) +
    nullableBytes(sampleRate)
  );
}

/** A trace or span id checked as hex by `PredictionCall` (or ''): no escapes, one byte a character. */
function hexBytes(id: unknown): number {
  return typeof id === 'string' ? id.length + 2 : 4;
}

/**
 * Every field `PredictionCall` sets, with the smallest value of its type: the keys and punctuation are what is left.
 * (The SDK does not set `embedding`.)
 */
const RECORD_TEMPLATE: Required<Omit<PredictionRecord, 'embedding'>> = {
  predictionId: '',
  model: '',
  version: '',
  timestamp: 0,
  project: null,
  service: '',
  environment: null,
  segment: '',
  latencyMs: 0,
  status: null,
  errorType: '',
  features: {},
  outputs: {},
  inputTokens: null,
  outputTokens: null,
  sampleRate: 0,
  traceId: '',
  spanId: '',
  attributes: {},
};

/** Bytes of the template's line (with its newline) minus those of its values. */
const FIXED_BYTES = (() => {
  let values = 0;
  for (const v of Object.values(RECORD_TEMPLATE)) values += typeof v === 'object' && v !== null ? 2 : nullableBytes(v);
  return Buffer.byteLength(JSON.stringify(RECORD_TEMPLATE)) + 1 - values;
})();

function nullableBytes(v: unknown): number {
  switch (typeof v) {
    case 'string':
      return stringBytes(v);
    case 'number':
      return numberBytes(v);
    case 'boolean':
      return v ? 4 : 5;
    default:
      return 4; // null (undefined fields are not set by PredictionCall)
  }
}

/** A JSON string: quotes, escapes, UTF-8. Exact for printable ASCII; an upper bound otherwise. */
function stringBytes(s: string): number {
  let n = s.length + 2;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x22 || c === 0x5c) n += 1; // \" \\
    } else if (c < 0x20) n += 5; // \u00XX at most
    else if (c < 0x800) n += 1;
    else n += 5; // 3 UTF-8 bytes, or a \uXXXX escape of a lone surrogate (6)
  }
  return n;
}

/** `,"embedding":[...]` when set (0 when not); undefined when too long or not all finite numbers. */
function embeddingBytes(e: unknown, maxLength: number): number | undefined {
  if (e === undefined) return 0;
  if (!Array.isArray(e) || e.length > maxLength) return undefined;
  let n = 15 + Math.max(0, e.length - 1); // ,"embedding":[] and the commas
  for (let i = 0; i < e.length; i++) {
    const x: unknown = e[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
    n += numberBytes(x);
  }
  return n;
}

function numberBytes(v: number): number {
  if (!Number.isFinite(v)) return 4; // JSON.stringify writes null
  if (Number.isInteger(v) && v < 1e15 && v > -1e15) {
    let n = v < 0 ? 2 : 1;
    for (let a = Math.abs(v); a >= 10; a = Math.floor(a / 10)) n++;
    return n;
  }
  return 25;
}

/** A flat map of feature values; undefined when over `maxEntries`, a key or string is too long, or a value is not a FeatureValue. */
function mapBytes(map: unknown, maxEntries: number): number | undefined {
  if (map === null || map === undefined) return 4;
  if (typeof map !== 'object') return undefined;
  let n = 2;
  let entries = 0;
  for (const key in map) {
    if (!Object.prototype.hasOwnProperty.call(map, key)) return undefined;
    const b = entryBytes(key, (map as Record<string, unknown>)[key]);
    if (b === undefined || ++entries > maxEntries) return undefined;
    n += (entries > 1 ? 1 : 0) + b;
  }
  return n;
}

/** `"key":value` of a flat map of feature values; undefined when the key or a string is too long, or the value is not a FeatureValue. */
export function entryBytes(key: string, value: unknown): number | undefined {
  const limits = DEFAULT_RECORD_LIMITS;
  if (key.length === 0 || key.length > limits.maxKeyLength || key === '__proto__') return undefined;
  let valueBytes: number;
  if (typeof value === 'string') {
    if (value.length > limits.maxStringLength) return undefined;
    valueBytes = stringBytes(value);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    valueBytes = numberBytes(value);
  } else if (typeof value === 'boolean') valueBytes = value ? 4 : 5;
  else if (value === null) valueBytes = 4;
  else return undefined;
  return stringBytes(key) + 1 + valueBytes;
}
