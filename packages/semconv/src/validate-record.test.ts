import { describe, expect, it } from 'vitest';
import type { NormalizedFeedback } from './feedback-record.js';
import { DEFAULT_RECORD_LIMITS, type RecordLimits } from './limits.js';
import type { NormalizedPrediction } from './prediction-record.js';
import { validateFeedback, validatePrediction, type ValidationResult } from './validate-record.js';

const minimal = { predictionId: 'p-1', model: 'churn' };

function accepted<T>(result: ValidationResult<T>): T {
  if (!result.ok) throw new Error(`rejected: ${result.field}: ${result.message}`);
  return result.value;
}

function rejected<T>(result: ValidationResult<T>): string {
  if (result.ok) throw new Error('expected a rejection');
  return result.field === '' ? result.message : `${result.field}: ${result.message}`;
}

const prediction = (extra: Record<string, unknown>): NormalizedPrediction =>
  accepted(validatePrediction({ ...minimal, ...extra }));
const predictionError = (extra: Record<string, unknown>, limits?: RecordLimits): string =>
  rejected(validatePrediction({ ...minimal, ...extra }, limits));

describe('validatePrediction', () => {
  it('fills every default for a minimal record', () => {
    expect(prediction({})).toEqual({
      predictionId: 'p-1',
      model: 'churn',
      version: '',
      timeUnixNano: undefined,
      project: 'default',
      service: '',
      environment: '',
      segment: '',
      latencyMs: 0,
      status: 'ok',
      errorType: '',
      numericFeatures: {},
      categoricalFeatures: {},
      numericOutputs: {},
      categoricalOutputs: {},
      embedding: [],
      inputTokens: 0,
      outputTokens: 0,
      sampleRate: 1,
      traceId: '',
      spanId: '',
      attributes: {},
    });
  });

  it('keeps every field of a full record', () => {
    const value = prediction({
      version: 'v3',
      timestamp: '2023-11-14T22:13:20.123456789Z',
      project: 'shop',
      service: 'checkout',
      environment: 'production',
      segment: 'gold',
      latencyMs: 12.5,
      status: 'error',
      errorType: 'TimeoutError',
      features: { age: 41, plan: 'pro', trial: false, referrer: null },
      outputs: { score: 0.82, label: 'churn', confident: true },
      embedding: [0.5, -1, 2e-3],
      inputTokens: 120,
      outputTokens: 30,
      sampleRate: 0.25,
      traceId: '0AF7651916CD43DD8448EB211C80319C',
      spanId: 'b7ad6b7169203331',
      attributes: { region: 'eu', shard: 3, canary: true, gone: null },
    });
    expect(value).toEqual({
      predictionId: 'p-1',
      model: 'churn',
      version: 'v3',
      timeUnixNano: 1_700_000_000_123_456_789n,
      project: 'shop',
      service: 'checkout',
      environment: 'production',
      segment: 'gold',
      latencyMs: 12.5,
      status: 'error',
      errorType: 'TimeoutError',
      numericFeatures: { age: 41 },
      categoricalFeatures: { plan: 'pro', trial: 'false' },
      numericOutputs: { score: 0.82 },
      categoricalOutputs: { label: 'churn', confident: 'true' },
      embedding: [0.5, -1, 2e-3],
      inputTokens: 120,
      outputTokens: 30,
      sampleRate: 0.25,
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      attributes: { region: 'eu', shard: '3', canary: 'true' },
    });
  });

  it('refuses an embedding that is not an array of finite numbers, or longer than maxEmbeddingLength', () => {
    const r = (embedding: unknown, limits = DEFAULT_RECORD_LIMITS) => validatePrediction({ predictionId: 'p-1', model: 'churn', embedding }, limits);
    expect(r([1, 'x'])).toEqual({ ok: false, field: 'embedding[1]', message: 'expected a finite number, got "x"' });
    expect(r({ 0: 1 })).toMatchObject({ ok: false, field: 'embedding' });
    expect(r([1, 2, 3], { ...DEFAULT_RECORD_LIMITS, maxEmbeddingLength: 2 })).toEqual({ ok: false, field: 'embedding', message: 'expected at most 2 numbers, got 3' });
    expect(r(Array(4097).fill(0))).toMatchObject({ ok: false, field: 'embedding', message: 'expected at most 4096 numbers, got 4097' });
    expect(r(null)).toMatchObject({ ok: true, value: { embedding: [] } });
  });

  it('treats null like an absent optional field', () => {
    const nulls = Object.fromEntries(
      [
        'version', 'timestamp', 'project', 'service', 'environment', 'segment', 'latencyMs',
        'status', 'errorType', 'features', 'outputs', 'inputTokens', 'outputTokens', 'sampleRate',
        'traceId', 'spanId', 'attributes',
      ].map((key) => [key, null]),
    );
    expect(prediction(nulls)).toEqual(prediction({}));
  });

  it('accepts and ignores unknown top-level fields', () => {
    expect(prediction({ schemaVersion: 2, extra: { nested: [1] } })).toEqual(prediction({}));
  });

  it('rejects a record that is not an object', () => {
    expect(rejected(validatePrediction([minimal]))).toBe('expected a JSON object, got array');
    expect(rejected(validatePrediction(null))).toBe('expected a JSON object, got null');
    expect(rejected(validatePrediction('p-1'))).toBe('expected a JSON object, got "p-1"');
    const result = validatePrediction(42);
    expect(result).toEqual({ ok: false, field: '', message: 'expected a JSON object, got 42' });
  });

  describe('predictionId', () => {
    it('is required', () => {
      expect(rejected(validatePrediction({ model: 'm' }))).toBe('predictionId: required');
      expect(rejected(validatePrediction({ predictionId: null, model: 'm' }))).toBe(
        'predictionId: required',
      );
    });

    it('must be a non-empty string', () => {
      expect(predictionError({ predictionId: 17 })).toBe(
        'predictionId: expected a non-empty string of at most 128 characters, got 17',
      );
      expect(predictionError({ predictionId: '' })).toBe(
        'predictionId: expected a non-empty string of at most 128 characters, got ""',
      );
    });

    it('is at most maxIdLength characters', () => {
      expect(prediction({ predictionId: 'x'.repeat(128) }).predictionId).toHaveLength(128);
      expect(predictionError({ predictionId: 'x'.repeat(129) })).toBe(
        'predictionId: expected a string of at most 128 characters, got 129 characters',
      );
    });

    it('is checked before anything else', () => {
      expect(rejected(validatePrediction({ latencyMs: -1 }))).toBe('predictionId: required');
    });
  });

  describe('model', () => {
    it('is required', () => {
      expect(rejected(validatePrediction({ predictionId: 'p' }))).toBe('model: required');
      expect(predictionError({ model: '' })).toBe(
        'model: expected a non-empty string of at most 256 characters, got ""',
      );
      expect(predictionError({ model: ['a'] })).toBe(
        'model: expected a non-empty string of at most 256 characters, got array',
      );
    });

    it('is at most maxNameLength characters', () => {
      expect(predictionError({ model: 'm'.repeat(257) })).toBe(
        'model: expected a string of at most 256 characters, got 257 characters',
      );
    });
  });

  describe.each(['version', 'project', 'service', 'environment', 'segment', 'errorType'])(
    'the name field %s',
    (field) => {
      it('must be a string', () => {
        expect(predictionError({ [field]: 3 })).toBe(`${field}: expected a string, got 3`);
        expect(predictionError({ [field]: true })).toBe(`${field}: expected a string, got true`);
      });

      it('is at most maxNameLength characters', () => {
        expect(prediction({ [field]: 'n'.repeat(256) })[field as 'version']).toHaveLength(256);
        expect(predictionError({ [field]: 'n'.repeat(257) })).toBe(
          `${field}: expected a string of at most 256 characters, got 257 characters`,
        );
      });
    },
  );

  it('uses the default project for an empty project', () => {
    expect(prediction({ project: '' }).project).toBe('default');
  });

  describe('timestamp', () => {
    it('accepts ISO-8601 and epoch milliseconds', () => {
      expect(prediction({ timestamp: '2023-11-14T22:13:20Z' }).timeUnixNano).toBe(
        1_700_000_000_000_000_000n,
      );
      expect(prediction({ timestamp: 1_700_000_000_000 }).timeUnixNano).toBe(
        1_700_000_000_000_000_000n,
      );
    });

    it('rejects other forms and says which are accepted', () => {
      expect(predictionError({ timestamp: '2023-11-14 22:13' })).toBe(
        'timestamp: expected an ISO-8601 string with a timezone (e.g. "2024-05-01T12:00:00.000Z") or epoch milliseconds, got "2023-11-14 22:13"',
      );
      expect(predictionError({ timestamp: -5 })).toBe(
        'timestamp: expected a time between 1970-01-01 and 2262-04-11, got -5',
      );
    });
  });

  describe('latencyMs', () => {
    it('accepts zero and positive numbers', () => {
      expect(prediction({ latencyMs: 0 }).latencyMs).toBe(0);
      expect(prediction({ latencyMs: 1234.75 }).latencyMs).toBe(1234.75);
    });

    it.each([
      ['abc', '"abc"'],
      [-1, '-1'],
      [Number.NaN, 'NaN'],
      [Infinity, 'Infinity'],
      [{}, 'object'],
    ])('rejects %j', (value, shown) => {
      expect(predictionError({ latencyMs: value })).toBe(
        `latencyMs: expected a non-negative number, got ${shown}`,
      );
    });
  });

  describe('status', () => {
    it('accepts ok and error', () => {
      expect(prediction({ status: 'ok' }).status).toBe('ok');
      expect(prediction({ status: 'error' }).status).toBe('error');
    });

    it('rejects anything else, case included', () => {
      expect(predictionError({ status: 'OK' })).toBe('status: expected "ok" or "error", got "OK"');
      expect(predictionError({ status: 0 })).toBe('status: expected "ok" or "error", got 0');
    });
  });

  describe.each([
    ['features', 'numericFeatures', 'categoricalFeatures', 500],
    ['outputs', 'numericOutputs', 'categoricalOutputs', 100],
  ] as const)('%s', (field, numeric, categorical, max) => {
    it('splits numbers from strings and booleans and drops nulls', () => {
      const value = prediction({ [field]: { n: -2.5, z: 0, s: 'a', e: '', t: true, f: false, m: null } });
      expect(value[numeric]).toEqual({ n: -2.5, z: 0 });
      expect(value[categorical]).toEqual({ s: 'a', e: '', t: 'true', f: 'false' });
    });

    it('must be an object', () => {
      expect(predictionError({ [field]: [1, 2] })).toBe(`${field}: expected an object, got array`);
      expect(predictionError({ [field]: 'age=3' })).toBe(`${field}: expected an object, got "age=3"`);
    });

    it('rejects nested objects and arrays', () => {
      expect(predictionError({ [field]: { age: { years: 3 } } })).toBe(
        `${field}.age: expected number, string, boolean or null, got object`,
      );
      expect(predictionError({ [field]: { 'emb-0': [0.1] } })).toBe(
        `${field}["emb-0"]: expected number, string, boolean or null, got array`,
      );
    });

    it('rejects NaN and infinities', () => {
      expect(predictionError({ [field]: { x: Number.NaN } })).toBe(
        `${field}.x: expected a finite number, got NaN`,
      );
      expect(predictionError({ [field]: { x: -Infinity } })).toBe(
        `${field}.x: expected a finite number, got -Infinity`,
      );
    });

    it(`holds at most ${max} entries, nulls included`, () => {
      const full = Object.fromEntries(Array.from({ length: max }, (_, i) => [`f${i}`, null]));
      expect(prediction({ [field]: full })[numeric]).toEqual({});
      expect(predictionError({ [field]: { ...full, one: 1 } })).toBe(
        `${field}: expected at most ${max} entries, got ${max + 1}`,
      );
    });

    it('checks key lengths', () => {
      expect(prediction({ [field]: { ['k'.repeat(256)]: 1 } })[numeric]).toHaveProperty('k'.repeat(256));
      expect(predictionError({ [field]: { ['k'.repeat(257)]: 1 } })).toBe(
        `${field}: expected keys of at most 256 characters, got a key of 257 characters: "${'k'.repeat(60)}"... (257 characters)`,
      );
      expect(predictionError({ [field]: { '': 1 } })).toBe(`${field}: expected non-empty keys, got ""`);
    });

    it('checks categorical value lengths', () => {
      expect(prediction({ [field]: { c: 'v'.repeat(4096) } })[categorical].c).toHaveLength(4096);
      expect(predictionError({ [field]: { c: 'v'.repeat(4097) } })).toBe(
        `${field}.c: expected a string of at most 4096 characters, got 4097 characters`,
      );
    });

    it('stores a __proto__ key as a plain entry', () => {
      const value = prediction({ [field]: JSON.parse('{"__proto__": 5, "ok": "x"}') });
      expect(Object.keys(value[numeric])).toEqual(['__proto__']);
      expect(Object.getPrototypeOf(value[numeric])).toBe(Object.prototype);
      expect(JSON.stringify(value[numeric])).toBe('{"__proto__":5}');
    });
  });

  describe.each(['inputTokens', 'outputTokens'])('%s', (field) => {
    it('accepts non-negative integers', () => {
      expect(prediction({ [field]: 0 })[field as 'inputTokens']).toBe(0);
      expect(prediction({ [field]: 4096 })[field as 'inputTokens']).toBe(4096);
    });

    it.each([
      [1.5, '1.5'],
      [-1, '-1'],
      ['10', '"10"'],
      [2 ** 53, String(2 ** 53)],
    ])('rejects %j', (value, shown) => {
      expect(predictionError({ [field]: value })).toBe(
        `${field}: expected a non-negative integer, got ${shown}`,
      );
    });
  });

  describe('sampleRate', () => {
    it('accepts numbers in (0, 1]', () => {
      expect(prediction({ sampleRate: 1 }).sampleRate).toBe(1);
      expect(prediction({ sampleRate: 0.001 }).sampleRate).toBe(0.001);
    });

    it.each([
      [0, '0'],
      [1.5, '1.5'],
      [-0.5, '-0.5'],
      [Number.NaN, 'NaN'],
      ['0.5', '"0.5"'],
    ])('rejects %j', (value, shown) => {
      expect(predictionError({ sampleRate: value })).toBe(
        `sampleRate: expected a number greater than 0 and at most 1, got ${shown}`,
      );
    });
  });

  describe('traceId and spanId', () => {
    it('accept lowercase or uppercase hex and store lowercase', () => {
      const value = prediction({ traceId: 'A'.repeat(32), spanId: 'f'.repeat(16) });
      expect(value.traceId).toBe('a'.repeat(32));
      expect(value.spanId).toBe('f'.repeat(16));
    });

    it('accept an empty string as not given', () => {
      expect(prediction({ traceId: '', spanId: '' })).toMatchObject({ traceId: '', spanId: '' });
    });

    it.each([
      ['traceId', 32, 'a'.repeat(31)],
      ['traceId', 32, 'g'.repeat(32)],
      ['traceId', 32, '0'.repeat(32)],
      ['spanId', 16, 'a'.repeat(17)],
      ['spanId', 16, '0'.repeat(16)],
      ['spanId', 16, 12],
    ])('%s rejects %j', (field, length, value) => {
      expect(predictionError({ [field]: value })).toMatch(
        new RegExp(`^${field}: expected ${length} hex characters, not all zero, or "", got `),
      );
    });
  });

  describe('attributes', () => {
    it('stores every value as a string and drops nulls', () => {
      expect(prediction({ attributes: { a: 'x', n: 1.5, big: 1e21, b: false, z: null } }).attributes).toEqual({
        a: 'x',
        n: '1.5',
        big: '1e+21',
        b: 'false',
      });
    });

    it('rejects containers, NaN and non-objects', () => {
      expect(predictionError({ attributes: { tags: ['a'] } })).toBe(
        'attributes.tags: expected string, number, boolean or null, got array',
      );
      expect(predictionError({ attributes: { n: Number.NaN } })).toBe(
        'attributes.n: expected a finite number, got NaN',
      );
      expect(predictionError({ attributes: 'a=b' })).toBe('attributes: expected an object, got "a=b"');
    });

    it('holds at most maxAttributes entries with bounded keys and values', () => {
      const full = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`a${i}`, 'v']));
      expect(Object.keys(prediction({ attributes: full }).attributes)).toHaveLength(128);
      expect(predictionError({ attributes: { ...full, x: 'v' } })).toBe(
        'attributes: expected at most 128 entries, got 129',
      );
      expect(predictionError({ attributes: { a: 'v'.repeat(4097) } })).toBe(
        'attributes.a: expected a string of at most 4096 characters, got 4097 characters',
      );
      expect(predictionError({ attributes: { ['k'.repeat(257)]: 'v' } })).toMatch(
        /^attributes: expected keys of at most 256 characters/,
      );
    });
  });

  it('applies custom limits', () => {
    const limits: RecordLimits = {
      ...DEFAULT_RECORD_LIMITS,
      maxFeatures: 2,
      maxOutputs: 1,
      maxAttributes: 1,
      maxKeyLength: 3,
      maxStringLength: 4,
      maxNameLength: 5,
      maxIdLength: 6,
    };
    const ok = accepted(
      validatePrediction(
        { predictionId: '123456', model: 'abcde', features: { a: 1, b: 'abcd' }, outputs: { o: 1 }, attributes: { k: 'v' } },
        limits,
      ),
    );
    expect(ok.categoricalFeatures).toEqual({ b: 'abcd' });
    expect(predictionError({ predictionId: '1234567' }, limits)).toMatch(/^predictionId: .*at most 6/);
    expect(predictionError({ predictionId: 'p', model: 'abcdef' }, limits)).toMatch(/^model: .*at most 5/);
    expect(predictionError({ predictionId: 'p', model: 'm', features: { a: 1, b: 2, c: 3 } }, limits)).toBe(
      'features: expected at most 2 entries, got 3',
    );
    expect(predictionError({ predictionId: 'p', model: 'm', outputs: { a: 1, b: 2 } }, limits)).toBe(
      'outputs: expected at most 1 entries, got 2',
    );
    expect(predictionError({ predictionId: 'p', model: 'm', attributes: { a: '1', b: '2' } }, limits)).toBe(
      'attributes: expected at most 1 entries, got 2',
    );
    expect(predictionError({ predictionId: 'p', model: 'm', features: { abcd: 1 } }, limits)).toMatch(
      /^features: expected keys of at most 3 characters/,
    );
    expect(predictionError({ predictionId: 'p', model: 'm', features: { a: 'abcde' } }, limits)).toBe(
      'features.a: expected a string of at most 4 characters, got 5 characters',
    );
  });

  it('does not modify its input', () => {
    const input = { ...minimal, features: { a: 1, b: 'x' }, attributes: { n: 2 } };
    const copy = structuredClone(input);
    prediction(input);
    expect(input).toEqual(copy);
  });
});

const feedback = (extra: Record<string, unknown>): NormalizedFeedback =>
  accepted(validateFeedback({ predictionId: 'p-1', ...extra }));
const feedbackError = (extra: Record<string, unknown>, limits?: RecordLimits): string =>
  rejected(validateFeedback({ predictionId: 'p-1', ...extra }, limits));

describe('validateFeedback', () => {
  it('fills every default for a minimal categorical record', () => {
    expect(feedback({ label: 'churned' })).toEqual({
      predictionId: 'p-1',
      label: 'churned',
      value: undefined,
      timeUnixNano: undefined,
      project: 'default',
      model: '',
      version: '',
      attributes: {},
    });
  });

  it('keeps every field of a full numeric record', () => {
    expect(
      feedback({
        value: 149.5,
        label: null,
        timestamp: 1_700_000_000_000,
        project: 'shop',
        model: 'price',
        version: 'v2',
        attributes: { source: 'billing', late: true },
        unknownField: 1,
      }),
    ).toEqual({
      predictionId: 'p-1',
      label: undefined,
      value: 149.5,
      timeUnixNano: 1_700_000_000_000_000_000n,
      project: 'shop',
      model: 'price',
      version: 'v2',
      attributes: { source: 'billing', late: 'true' },
    });
  });

  it('requires a predictionId', () => {
    expect(rejected(validateFeedback({ label: 'x' }))).toBe('predictionId: required');
    expect(feedbackError({ predictionId: 5, label: 'x' })).toBe(
      'predictionId: expected a non-empty string of at most 128 characters, got 5',
    );
    expect(feedbackError({ predictionId: 'x'.repeat(129), label: 'x' })).toBe(
      'predictionId: expected a string of at most 128 characters, got 129 characters',
    );
  });

  it('requires exactly one of label or value', () => {
    expect(feedbackError({})).toBe('label: expected exactly one of label or value, got neither');
    expect(feedbackError({ label: null, value: null })).toBe(
      'label: expected exactly one of label or value, got neither',
    );
    expect(feedbackError({ label: 'a', value: 1 })).toBe(
      'label: expected exactly one of label or value, got both',
    );
  });

  it('coerces number and boolean labels to strings', () => {
    expect(feedback({ label: 1 }).label).toBe('1');
    expect(feedback({ label: 0.5 }).label).toBe('0.5');
    expect(feedback({ label: true }).label).toBe('true');
    expect(feedback({ label: false }).label).toBe('false');
  });

  it.each([
    ['', '""'],
    [Number.NaN, 'NaN'],
    [{ a: 1 }, 'object'],
    [['a'], 'array'],
  ])('rejects the label %j', (label, shown) => {
    expect(feedbackError({ label })).toBe(
      `label: expected a non-empty string, a finite number or a boolean, got ${shown}`,
    );
  });

  it('bounds the label length', () => {
    expect(feedback({ label: 'l'.repeat(4096) }).label).toHaveLength(4096);
    expect(feedbackError({ label: 'l'.repeat(4097) })).toBe(
      'label: expected a string of at most 4096 characters, got 4097 characters',
    );
  });

  it.each([
    ['1', '"1"'],
    [Infinity, 'Infinity'],
    [true, 'true'],
  ])('rejects the value %j', (value, shown) => {
    expect(feedbackError({ value })).toBe(`value: expected a finite number, got ${shown}`);
  });

  it('accepts negative and zero values', () => {
    expect(feedback({ value: -3 }).value).toBe(-3);
    expect(feedback({ value: 0 }).value).toBe(0);
  });

  it('validates the optional fields', () => {
    expect(feedbackError({ label: 'x', timestamp: 'now' })).toMatch(/^timestamp: expected an ISO-8601/);
    expect(feedbackError({ label: 'x', project: 1 })).toBe('project: expected a string, got 1');
    expect(feedbackError({ label: 'x', model: 'm'.repeat(257) })).toBe(
      'model: expected a string of at most 256 characters, got 257 characters',
    );
    expect(feedbackError({ label: 'x', version: false })).toBe('version: expected a string, got false');
    expect(feedbackError({ label: 'x', attributes: { a: {} } })).toBe(
      'attributes.a: expected string, number, boolean or null, got object',
    );
    expect(feedback({ label: 'x', project: '', model: null }).project).toBe('default');
  });

  it('rejects a record that is not an object', () => {
    expect(rejected(validateFeedback('p-1'))).toBe('expected a JSON object, got "p-1"');
  });

  it('applies custom limits', () => {
    const limits = { ...DEFAULT_RECORD_LIMITS, maxStringLength: 3, maxIdLength: 2 };
    expect(feedbackError({ label: 'abcd' }, limits)).toMatch(/^predictionId: /);
    expect(rejected(validateFeedback({ predictionId: 'p', label: 'abcd' }, limits))).toBe(
      'label: expected a string of at most 3 characters, got 4 characters',
    );
  });
});
